{#
    MetricFlow's time spine: one row per UTC day. Cumulative metrics, offsets and metrics that
    fill empty days join to it. The range covers the first day the project reads logs from
    (var bedrock_log_first_hour defaults to 2024) with room on both sides.
#}

with

days as (

    {{ day_series('2020-01-01', '2039-12-31') }}

)

select date_day
from days
