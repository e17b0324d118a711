{#
    The allocation test: for every usage day and model, the tenants' shares of the bill in
    fct_tenant_daily_billed_cost add up, exactly (decimals, no tolerance), to what the bill's
    mapped usage lines cost. Returns the days and models where they do not.
#}

with

billed_buckets as (

    select * from {{ ref('int_bedrock_cur__billed_usage_by_bucket') }}

),

tenant_billed_cost as (

    select * from {{ ref('fct_tenant_daily_billed_cost') }}

),

billed as (

    select
        usage_date,
        model_id,
        sum(billed_cost_usd) as billed_cost_usd
    from billed_buckets
    group by usage_date, model_id

),

allocated as (

    select
        usage_date,
        model_id,
        sum(billed_cost_usd) as allocated_cost_usd
    from tenant_billed_cost
    group by usage_date, model_id

)

select
    coalesce(billed.usage_date, allocated.usage_date) as usage_date,
    coalesce(billed.model_id, allocated.model_id) as model_id,
    billed.billed_cost_usd,
    allocated.allocated_cost_usd
from billed
full outer join allocated
    on
        billed.usage_date = allocated.usage_date
        and billed.model_id = allocated.model_id
where
    coalesce(billed.billed_cost_usd, cast(0 as {{ money_type() }}))
    <> coalesce(allocated.allocated_cost_usd, cast(0 as {{ money_type() }}))
