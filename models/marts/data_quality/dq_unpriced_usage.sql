{#
    Usage that could not be costed, one row per UTC day, resolved model, logged model id, source
    Region, routing scope and pricing status: the list to work through when adding prices, with
    the day's invocations with tokens, for the share of the day left unpriced.
#}

with

invocations as (

    select * from {{ ref('fct_bedrock_invocations') }}

),

days as (

    select
        usage_date,
        cast(sum(case when total_tokens > 0 then 1 else 0 end) as bigint)
            as day_billable_invocation_count
    from invocations
    group by usage_date

),

unpriced as (

    select
        usage_date,
        coalesce(model_id, logged_model_id) as model_id,
        logged_model_id,
        region,
        routing_scope,
        service_tier,
        context_tier,
        pricing_status,
        cast(count(*) as bigint) as invocation_count,
        cast(sum(input_tokens) as bigint) as input_tokens,
        cast(sum(output_tokens) as bigint) as output_tokens,
        cast(sum(cache_read_input_tokens) as bigint) as cache_read_input_tokens,
        cast(sum(cache_write_input_tokens) as bigint) as cache_write_input_tokens,
        cast(sum(total_tokens) as bigint) as total_tokens
    from invocations
    where not is_priced
    group by
        usage_date,
        coalesce(model_id, logged_model_id),
        logged_model_id,
        region,
        routing_scope,
        service_tier,
        context_tier,
        pricing_status

),

final as (

    select
        unpriced.*,
        days.day_billable_invocation_count
    from unpriced
    inner join days
        on unpriced.usage_date = days.usage_date

)


select
    {{ columns_cast_to_contract() }}
from final
