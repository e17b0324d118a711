{#
    dim_tenants holds every tenant of fct_bedrock_invocations once, with its lifetime invocation
    count, tokens, cost and its estimated part. Returns the tenants that differ or exist on one side only.
#}

with

invocation_totals as (

    select
        tenant_id,
        count(*) as invocation_count,
        sum(total_tokens) as total_tokens,
        coalesce(sum(total_cost_usd), 0) as total_cost_usd,
        coalesce(sum(case when cost_basis = 'estimated' then total_cost_usd end), 0)
            as estimated_cost_usd
    from {{ ref('fct_bedrock_invocations') }}
    group by tenant_id

),

tenants as (

    select * from {{ ref('dim_tenants') }}

)

select coalesce(invocation_totals.tenant_id, tenants.tenant_id) as tenant_id
from invocation_totals
full outer join tenants
    on invocation_totals.tenant_id = tenants.tenant_id
where
    invocation_totals.tenant_id is null
    or tenants.tenant_id is null
    or invocation_totals.invocation_count <> tenants.invocation_count
    or invocation_totals.total_tokens <> tenants.total_tokens
    or invocation_totals.total_cost_usd <> tenants.total_cost_usd
    or invocation_totals.estimated_cost_usd <> tenants.estimated_cost_usd
