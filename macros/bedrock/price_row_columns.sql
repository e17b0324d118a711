{# The price columns of a price row, in seed order (USD per 1M tokens per class, then per unit). #}
{% macro price_columns() %}
    {{ return([
        'input_usd_per_1m_tokens',
        'output_usd_per_1m_tokens',
        'cache_read_usd_per_1m_tokens',
        'cache_write_5m_usd_per_1m_tokens',
        'cache_write_1h_usd_per_1m_tokens',
        'usd_per_unit',
    ]) }}
{% endmacro %}

{# The key of a price row: a hash of model, Region, scope, tiers and effective_from. #}
{% macro price_row_id() %}
    {{- bedrock_tenant_costs.hash_text(
        "model_id || '|' || region || '|' || routing_scope || '|' || service_tier || '|' "
        ~ "|| context_tier || '|' || cast(effective_from as varchar)"
    ) -}}
{% endmacro %}
