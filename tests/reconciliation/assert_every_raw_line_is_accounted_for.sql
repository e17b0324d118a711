{#
    Nothing lost, nothing counted twice. Returns a row for every check that fails:

    1. raw lines = base rows, for the delivery hours of the latest load: every non-blank raw line
       of those hours, counted straight from the source, is a row of base_bedrock__log_lines.
       Lines the reader cannot decode (not UTF-8, too long) are not rows of the source at all on
       DuckDB: the reader skips them and the base model quarantines them from its reject list,
       so they are added to the source's side (reader_skipped_line_reasons; none on Athena,
       whose reader passes them on). Earlier hours were checked by the run that loaded
       them (log files are immutable), so a daily run re-reads days, not the history; a first
       build, or var reconcile_full_history, checks every hour.
    2. no unloaded lines: log files before those hours that were never loaded (delivered after
       their hour left the lookback window) hold no lines (DuckDB lists the files; see
       unloaded_log_lines).
    3. base rows = facts + duplicate deliveries + quarantine, over the whole history: every row
       of the base table is a delivery of an invocation in fct_bedrock_invocations (a record
       delivered n times has delivery_count n) or a row of dq_quarantined_log_lines.
    The pytest fault suite counts the raw lines of the files independently, in Python.
#}

{%- set window = none if var('reconcile_full_history') else latest_load_window() -%}
{%- set reader_reasons = reader_skipped_line_reasons() -%}

with

raw_lines as (

    select count(*) as line_count
    from {{ raw_log_lines_relation(source('bedrock', 'invocation_logs_raw'), window, none) }}
    where
        {{ raw_log_window_filter(window) }}
        and not {{ is_blank_text('line') }}

),

base_lines as (

    select
        count(*) as line_count,
        sum(
            case
                when {{ timestamp_in_window('delivered_hour_at', window) }} then 1 else 0
            end
        ) as line_count_in_window,
        sum(
            case
                when
                    {{ timestamp_in_window('delivered_hour_at', window) }}
                    and quarantine_reason in {{ reader_reasons }}
                    then 1
                else 0
            end
        ) as reader_rejected_count_in_window
    from {{ ref('base_bedrock__log_lines') }}

),

unloaded_lines as (

    {{ unloaded_log_lines(window) }}

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

checks as (

    select
        'raw lines of the latest load = base rows' as failed_check,
        raw_lines.line_count + base_lines.reader_rejected_count_in_window as expected_count,
        coalesce(base_lines.line_count_in_window, 0) as actual_count
    from raw_lines
    cross join base_lines

    union all

    select
        'lines in log files that were never loaded' as failed_check,
        0 as expected_count,
        unloaded_line_count as actual_count
    from unloaded_lines

    union all

    select
        'base rows = facts + duplicate deliveries + quarantine' as failed_check,
        base_lines.line_count as expected_count,
        invocations.distinct_record_count + invocations.duplicate_delivery_count
        + quarantined.quarantined_line_count as actual_count
    from base_lines
    cross join invocations
    cross join quarantined

)

select *
from checks
where expected_count <> actual_count
