{#
    Warns for a billing period whose billed usage cost and estimated cost differ by more than
    var max_bill_difference_share of the billed cost, naming the buckets that explain most of the
    difference: the five with the largest absolute cost difference, with their status.
#}

{{ config(severity='warn') }}

with

reconciliation as (

    select * from {{ ref('fct_bedrock_bill_reconciliation') }}

),

periods as (

    select
        billing_period,
        sum(billed_cost_usd) as billed_cost_usd,
        sum(coalesce(estimated_cost_usd, cast(0 as {{ money_type() }}))) as estimated_cost_usd
    from reconciliation
    group by billing_period

),

periods_apart as (

    select *
    from periods
    where
        abs(billed_cost_usd - estimated_cost_usd)
        > cast(
            {{ decimal_literal(var('max_bill_difference_share'), 'decimal(38, 6)') }} * billed_cost_usd
            as {{ money_type() }}
        )

),

ranked_buckets as (

    select
        reconciliation.*,
        row_number() over (
            partition by reconciliation.billing_period
            order by abs(reconciliation.cost_difference_usd) desc, reconciliation.bill_reconciliation_id
        ) as difference_rank
    from reconciliation
    inner join periods_apart
        on reconciliation.billing_period = periods_apart.billing_period

)

select
    ranked_buckets.billing_period,
    periods_apart.billed_cost_usd as period_billed_cost_usd,
    periods_apart.estimated_cost_usd as period_estimated_cost_usd,
    ranked_buckets.usage_date,
    ranked_buckets.usage_account_id,
    ranked_buckets.region,
    ranked_buckets.model_id,
    ranked_buckets.token_class,
    ranked_buckets.reconciliation_status,
    ranked_buckets.cost_difference_usd
from ranked_buckets
inner join periods_apart
    on ranked_buckets.billing_period = periods_apart.billing_period
where ranked_buckets.difference_rank <= 5
