{#
    The aggregate measures shared by the daily usage marts, over rows of fct_bedrock_invocations.
    Cost sums cover priced invocations only; unpriced_invocation_count says how many were left out.
#}
{% macro bedrock_usage_measures() %}
        cast(count(*) as bigint) as invocation_count,
        cast(sum(case when is_error then 1 else 0 end) as bigint) as error_count,
        cast(sum(input_tokens) as bigint) as input_tokens,
        cast(sum(output_tokens) as bigint) as output_tokens,
        cast(sum(cache_read_input_tokens) as bigint) as cache_read_input_tokens,
        cast(sum(cache_write_input_tokens) as bigint) as cache_write_input_tokens,
        cast(sum(total_tokens) as bigint) as total_tokens,
        cast(coalesce(sum(input_cost_usd), 0) as {{ bedrock_tenant_costs.money_type() }}) as input_cost_usd,
        cast(coalesce(sum(output_cost_usd), 0) as {{ bedrock_tenant_costs.money_type() }}) as output_cost_usd,
        cast(coalesce(sum(cache_read_cost_usd), 0) as {{ bedrock_tenant_costs.money_type() }}) as cache_read_cost_usd,
        cast(coalesce(sum(cache_write_cost_usd), 0) as {{ bedrock_tenant_costs.money_type() }}) as cache_write_cost_usd,
        cast(coalesce(sum(total_cost_usd), 0) as {{ bedrock_tenant_costs.money_type() }}) as total_cost_usd,
        {#- the part of total_cost_usd priced on an estimate (cost_basis = estimated): a lower bound #}
        cast(coalesce(sum(case when cost_basis = 'estimated' then total_cost_usd end), 0)
            as {{ bedrock_tenant_costs.money_type() }}) as estimated_cost_usd,
        cast(coalesce(sum(cache_read_savings_usd), 0) as {{ bedrock_tenant_costs.money_type() }}) as cache_read_savings_usd,
        cast(sum(case when is_priced then 0 else 1 end) as bigint) as unpriced_invocation_count,
        count(latency_ms) as latency_sample_count,
        -- an exact integer sum divided once: the same double on every engine (avg of doubles
        -- depends on the order the engine adds them in)
        cast(sum(latency_ms) as double) / count(latency_ms) as avg_latency_ms,
        {{ bedrock_tenant_costs.percentile('cast(latency_ms as double)', 0.5) }} as p50_latency_ms,
        {{ bedrock_tenant_costs.percentile('cast(latency_ms as double)', 0.95) }} as p95_latency_ms,
        {{ bedrock_tenant_costs.percentile('cast(latency_ms as double)', 0.99) }} as p99_latency_ms
{% endmacro %}
