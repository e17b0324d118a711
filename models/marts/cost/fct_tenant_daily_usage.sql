{#
    One row per UTC day, tenant and resolved base model: invocations, errors, tokens by class,
    cost by class and latency. Costs add up the priced invocations; the invocations that could not
    be priced are counted in unpriced_invocation_count (never costed at $0).
#}

with

invocations as (

    select * from {{ ref('fct_bedrock_invocations') }}

),

daily as (

    select
        usage_date,
        tenant_id,
        model_id,
        {{ bedrock_usage_measures() }}
    from invocations
    group by usage_date, tenant_id, model_id

)

select * from daily
