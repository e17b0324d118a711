{#
    One row per request id. Bedrock may deliver the same record more than once (in another file
    or hour); the earliest delivery (lowest file path, which sorts by delivery time) is kept and
    the number of deliveries is counted, so that raw lines reconcile with the facts.

    A table, kept incrementally: a run re-ranks every delivery of each request that has a
    delivery inside the window (lookback_days before the newest delivery hour already here, or
    the backfill days), and replaces those requests' rows. Every later model and test reads this
    table instead of re-ranking the whole history.
#}

{{ config(**bedrock_incremental_config('upsert', partition_by='usage_date', unique_key='request_id')) }}

{% set window = incremental_window('last_delivered_hour_at') %}

with

{% if window is not none %}
requests_in_window as (

    select distinct request_id
    from {{ ref('stg_bedrock__invocations') }}
    where {{ touched_by_window(window, 'delivered_hour_at') }}

),

{% endif %}
invocations as (

    select stg_invocations.*
    from {{ ref('stg_bedrock__invocations') }} as stg_invocations
    {%- if window is not none %}
    inner join requests_in_window
        on stg_invocations.request_id = requests_in_window.request_id
    {%- endif %}

),

ranked as (

    select
        *,
        row_number() over (
            partition by request_id
            order by source_file, line_hash
        ) as delivery_rank,
        count(*) over (partition by request_id) as delivery_count,
        max(delivered_hour_at) over (partition by request_id) as last_delivered_hour_at,
        min(line_hash) over (partition by request_id)
        <> max(line_hash) over (partition by request_id) as has_conflicting_deliveries
    from invocations

),

final as (

    select *
    from ranked
    where delivery_rank = 1

)

select * from final
