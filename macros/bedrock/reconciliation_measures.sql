{#
    The additive measures that every usage mart must reconcile on, as (name, expression over rows
    of fct_bedrock_invocations). Used by the reconciliation tests in tests/reconciliation/.
#}
{% macro reconciliation_measures() %}
    {{ return([
        ('invocation_count', 'count(*)'),
        ('error_count', 'sum(case when is_error then 1 else 0 end)'),
        ('unpriced_invocation_count', 'sum(case when is_priced then 0 else 1 end)'),
        ('input_tokens', 'sum(input_tokens)'),
        ('output_tokens', 'sum(output_tokens)'),
        ('cache_read_input_tokens', 'sum(cache_read_input_tokens)'),
        ('cache_write_input_tokens', 'sum(cache_write_input_tokens)'),
        ('input_cost_usd', 'coalesce(sum(input_cost_usd), 0)'),
        ('output_cost_usd', 'coalesce(sum(output_cost_usd), 0)'),
        ('cache_read_cost_usd', 'coalesce(sum(cache_read_cost_usd), 0)'),
        ('cache_write_cost_usd', 'coalesce(sum(cache_write_cost_usd), 0)'),
        ('total_cost_usd', 'coalesce(sum(total_cost_usd), 0)'),
        (
            'estimated_cost_usd',
            "coalesce(sum(case when cost_basis = 'estimated' then total_cost_usd end), 0)",
        ),
    ]) }}
{% endmacro %}
