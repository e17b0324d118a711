{#
    Fails for every UTC day on which more than var max_unpriced_share of the invocations with
    tokens could not be priced (any unpriced usage at all already raises a warning). It reads
    dq_unpriced_usage alone, a mart nothing is built from, so a failure skips no other model:
    every mart is written first, and the run's end prints which models and Regions need a price
    (report_unpriced_usage). A missing price must be added to the seed, not ignored.
#}

{%- set max_share = var('max_unpriced_share') -%}
{%- if max_share is not number or max_share < 0 or max_share > 1 -%}
    {{ exceptions.raise_compiler_error(
        "var max_unpriced_share must be a share between 0 and 1; got: " ~ max_share
    ) }}
{%- endif -%}

with

unpriced_usage as (

    select * from {{ ref('dq_unpriced_usage') }}

),

daily as (

    select
        usage_date,
        sum(invocation_count) as unpriced_invocation_count,
        max(day_billable_invocation_count) as billable_invocation_count
    from unpriced_usage
    group by usage_date

)

select
    usage_date,
    unpriced_invocation_count,
    billable_invocation_count
from daily
where unpriced_invocation_count > {{ max_share }} * billable_invocation_count
