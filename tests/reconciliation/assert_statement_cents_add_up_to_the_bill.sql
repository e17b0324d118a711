{#
    The statement's cents: for every month, the tenants' billed_cost_rounded_usd in
    fct_tenant_monthly_statement add up to the month's billed usage in
    fct_tenant_daily_billed_cost rounded half up to the cent, and no tenant's cents are more
    than one cent from its exact share. Returns the months and tenants where either fails.
#}

with

statements as (

    select * from {{ ref('fct_tenant_monthly_statement') }}

),

tenant_billed_cost as (

    select * from {{ ref('fct_tenant_daily_billed_cost') }}

),

billed_months as (

    select
        cast({{ dbt.date_trunc('month', 'usage_date') }} as date) as statement_month,
        cast(round(sum(billed_cost_usd), 2) as decimal(38, 2)) as month_billed_cents_usd
    from tenant_billed_cost
    group by 1

),

statement_months as (

    select
        statement_month,
        cast(sum(billed_cost_rounded_usd) as decimal(38, 2)) as month_statement_cents_usd
    from statements
    where billed_cost_rounded_usd is not null
    group by 1

),

months_apart as (

    select
        coalesce(billed_months.statement_month, statement_months.statement_month)
            as statement_month,
        cast(null as varchar) as tenant_id,
        billed_months.month_billed_cents_usd as expected_usd,
        statement_months.month_statement_cents_usd as actual_usd
    from billed_months
    full outer join statement_months
        on billed_months.statement_month = statement_months.statement_month
    where
        coalesce(billed_months.month_billed_cents_usd, cast(0 as decimal(38, 2)))
        <> coalesce(statement_months.month_statement_cents_usd, cast(0 as decimal(38, 2)))

),

tenants_apart as (

    select
        statement_month,
        tenant_id,
        billed_cost_usd as expected_usd,
        billed_cost_rounded_usd as actual_usd
    from statements
    where abs(billed_cost_rounded_usd - billed_cost_usd) >= cast('0.01' as {{ money_type() }})

)

select * from months_apart
union all
select * from tenants_apart
