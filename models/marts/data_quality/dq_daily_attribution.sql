{#
    One row per UTC day: how much of the day's usage could not be attributed to a tenant (no
    tenant key in requestMetadata, no tenant on a mapped application profile), and how much of
    its metadata broke Bedrock's documented tag limits. A warning test fires for a day whose
    unattributed cost share exceeds var max_unattributed_share.
    Incremental like the daily marts: every day touched by the window is recomputed whole, and
    records the settings it was computed with (attribution_settings), so that days computed with
    other settings are found (test assert_days_computed_with_current_settings).
#}

{{ config(**bedrock_incremental_config(
    'replace_days', partition_by='usage_date', unique_key='usage_date'
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

request_metadata as (

    select * from {{ ref('int_bedrock__request_metadata_deduplicated') }}

),

deduplicated_invocations as (

    select * from {{ ref('int_bedrock__invocations_deduplicated') }}

),

-- a key written twice keeps its last value: flagged, so a dodged tenant key is seen
repeated_key_requests as (

    select deduplicated_invocations.request_id
    from deduplicated_invocations
    where
        deduplicated_invocations.has_repeated_metadata_key
        and {{ on_recomputed_days(
            'fct_bedrock_invocations', window, 'deduplicated_invocations.usage_date'
        ) }}

),

out_of_spec_requests as (

    select
        request_metadata.request_id,
        count(*) as metadata_entry_count,
        sum(case when request_metadata.is_in_spec then 0 else 1 end) as out_of_spec_entry_count
    from request_metadata
    where {{ on_recomputed_days('fct_bedrock_invocations', window, 'request_metadata.usage_date') }}
    group by request_metadata.request_id

),

daily as (

    select
        invocations.usage_date,
        cast(count(*) as bigint) as invocation_count,
        cast(sum(case when invocations.is_attributed then 0 else 1 end) as bigint)
            as unattributed_invocation_count,
        cast(coalesce(sum(invocations.total_cost_usd), 0) as {{ money_type() }}) as total_cost_usd,
        cast(
            coalesce(
                sum(case when invocations.is_attributed then 0 else invocations.total_cost_usd end),
                0
            ) as {{ money_type() }}
        ) as unattributed_cost_usd,
        cast(
            sum(
                case
                    when
                        out_of_spec_requests.out_of_spec_entry_count > 0
                        or out_of_spec_requests.metadata_entry_count > 16
                        then 1
                    else 0
                end
            ) as bigint
        ) as out_of_spec_metadata_invocation_count,
        cast(count(repeated_key_requests.request_id) as bigint)
            as repeated_metadata_key_invocation_count,
        max(invocations.last_delivered_hour_at) as last_delivered_hour_at
    from invocations
    left join out_of_spec_requests
        on invocations.request_id = out_of_spec_requests.request_id
    left join repeated_key_requests
        on invocations.request_id = repeated_key_requests.request_id
    group by invocations.usage_date

),

final as (

    select
        *,
        cast(unattributed_invocation_count as double) / invocation_count
            as unattributed_invocation_share,
        case
            when total_cost_usd > 0
                then cast(unattributed_cost_usd as double) / cast(total_cost_usd as double)
            else 0
        end as unattributed_cost_share,
        {{ sql_string_literal(attribution_settings()) }} as attribution_settings
    from daily

)

select
    {{ columns_cast_to_contract() }}
from final
