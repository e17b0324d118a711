{#
    One row per UTC day, tenant and resolved base model: invocations, errors, tokens by class,
    cost by class and latency. Costs add up the priced invocations; the invocations that could not
    be priced are counted in unpriced_invocation_count (never costed at $0).

    Incremental: every day touched by an invocation delivered inside the window is recomputed
    whole from fct_bedrock_invocations.
#}

{{ config(**bedrock_incremental_config(
    'replace_days', partition_by='usage_date', unique_key='tenant_daily_usage_id'
)) }}

{% set window = incremental_window('last_delivered_hour_at') %}

with

fct_bedrock_invocations as (

    select * from {{ ref('fct_bedrock_invocations') }}

),

-- the invocations of every UTC day this run recomputes whole (all of them on a full build)
invocations as (

    select *
    from fct_bedrock_invocations
    where {{ on_recomputed_days('fct_bedrock_invocations', window) }}

),

daily as (

    select
        usage_date,
        tenant_id,
        model_id,
        {{ bedrock_usage_measures() }},
        max(last_delivered_hour_at) as last_delivered_hour_at
    from invocations
    group by usage_date, tenant_id, model_id

),

final as (

    select
        {{ hash_text(
            "cast(usage_date as varchar) || '|' || tenant_id || '|' || coalesce(model_id, '')"
        ) }} as tenant_daily_usage_id,
        *
    from daily

)


select
    {{ columns_cast_to_contract() }}
from final
