"""bedrock_costs: the Python tools around the bedrock_tenant_costs dbt project."""

__version__ = "0.1.0"
