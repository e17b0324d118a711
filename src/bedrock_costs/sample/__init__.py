"""Parts of the sample-log generator (bedrock_costs.sample_logs)."""
