{#
    Nothing of the bill is lost: every Bedrock line of stg_bedrock_cur__line_items is in exactly
    one of a reconciliation bucket (mapped usage), fct_bedrock_bill_adjustments or
    dq_unmapped_bill_lines, and so is its cost. Returns one row when the counts or the costs
    differ.
#}

with

line_items as (

    select * from {{ ref('stg_bedrock_cur__line_items') }}

),

billed_buckets as (

    select * from {{ ref('int_bedrock_cur__billed_usage_by_bucket') }}

),

adjustments as (

    select * from {{ ref('fct_bedrock_bill_adjustments') }}

),

unmapped as (

    select * from {{ ref('dq_unmapped_bill_lines') }}

),

accounted as (

    select
        billed_line_count as line_count,
        billed_cost_usd as cost_usd
    from billed_buckets
    union all
    select
        line_count,
        unblended_cost_usd as cost_usd
    from adjustments
    union all
    select
        line_count,
        billed_cost_usd as cost_usd
    from unmapped

),

totals as (

    select
        (select count(*) from line_items) as bill_line_count,
        (select coalesce(sum(line_count), 0) from accounted) as accounted_line_count,
        (select coalesce(sum(unblended_cost_usd), cast(0 as {{ money_type() }})) from line_items)
            as bill_cost_usd,
        (select coalesce(sum(cost_usd), cast(0 as {{ money_type() }})) from accounted)
            as accounted_cost_usd

)

select *
from totals
where
    bill_line_count <> accounted_line_count
    or bill_cost_usd <> accounted_cost_usd
