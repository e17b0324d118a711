"""The price seed and its sync from the AWS Price List (`bedrock-costs pricing sync`)."""
