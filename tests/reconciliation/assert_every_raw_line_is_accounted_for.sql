{#
    Nothing lost, nothing counted twice: every non-blank raw line of the logs, counted straight
    from the source, is either a delivery of an invocation in fct_bedrock_invocations (a record
    delivered n times has delivery_count n) or a row of dq_quarantined_log_lines. Returns a row
    when the two sides differ.
#}

with

raw_lines as (

    select count(*) as non_blank_line_count
    from {{ source('bedrock', 'invocation_logs_raw') }}
    where not {{ is_blank_text('line') }}

),

invocations as (

    select
        count(*) as distinct_record_count,
        coalesce(sum(delivery_count), 0) - count(*) as duplicate_delivery_count
    from {{ ref('fct_bedrock_invocations') }}

),

quarantined as (

    select count(*) as quarantined_line_count
    from {{ ref('dq_quarantined_log_lines') }}

),

compared as (

    select
        raw_lines.non_blank_line_count,
        invocations.distinct_record_count,
        invocations.duplicate_delivery_count,
        quarantined.quarantined_line_count
    from raw_lines
    cross join invocations
    cross join quarantined

)

select *
from compared
where
    non_blank_line_count
    <> distinct_record_count + duplicate_delivery_count + quarantined_line_count
