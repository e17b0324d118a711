{#
    One row per request id. Bedrock may deliver the same record more than once (in another file
    or hour); the earliest delivery (lowest file path, which sorts by delivery time) is kept and
    the number of deliveries is counted, so that raw lines reconcile with the facts.
#}

with

invocations as (

    select * from {{ ref('stg_bedrock__invocations') }}

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
