{#
    Nothing lost, nothing counted twice: every non-blank raw line of the logs, counted straight
    from the source, is either a delivery of an invocation in fct_bedrock_invocations (a record
    delivered n times has delivery_count n) or a row of dq_quarantined_log_lines. Returns a row
    when the two sides differ.

    Lines the reader cannot decode (not UTF-8, too long) are not rows of the source at all: the
    reader skips them and base_bedrock__log_lines quarantines them from the reader's reject list
    (DuckDB), so they are added to the source's count here. The pytest fault suite counts the
    raw lines of the files independently, in Python, so this term is checked from outside too.
#}

with

raw_lines as (

    select count(*) as non_blank_line_count
    from {{ source('bedrock', 'invocation_logs_raw') }}
    where not {{ is_blank_text('line') }}

),

reader_rejected_lines as (

    select count(*) as reader_rejected_line_count
    from {{ ref('base_bedrock__log_lines') }}
    where quarantine_reason in ('invalid_utf8', 'line_too_long', 'unreadable_line')

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
        raw_lines.non_blank_line_count + reader_rejected_lines.reader_rejected_line_count
            as non_blank_line_count,
        invocations.distinct_record_count,
        invocations.duplicate_delivery_count,
        quarantined.quarantined_line_count
    from raw_lines
    cross join reader_rejected_lines
    cross join invocations
    cross join quarantined

)

select *
from compared
where
    non_blank_line_count
    <> distinct_record_count + duplicate_delivery_count + quarantined_line_count
