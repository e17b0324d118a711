{#
    One row per tenant and calendar month (UTC): what the tenant's usage cost, by token class and
    by model, against its budget from the tenant_budgets seed, with a month-end projection.

    The statement is "as of" the newest usage day in the marts (as_of_date), not the wall clock,
    so a rebuild over the same logs gives the same statement. For the month holding as_of_date
    the daily run-rate is the month-to-date cost over the days elapsed (1st to as_of_date), and
    the projection adds that rate for each remaining day; a complete month projects its actual
    cost. A budgeted month without any usage still gets a row (cost 0), so budget burn is visible.

    With a bill (var bedrock_cur_dir, or the CUR table on Athena), billed_cost_usd is the
    tenant's share of the month's Bedrock usage on the bill (fct_tenant_daily_billed_cost, exact
    to the femto-dollar) and billed_cost_rounded_usd that share in cents, rounded by largest
    remainder: each tenant gets its share's whole cents, and the cents the month's bill (rounded
    half up) has beyond their sum go one each to the tenants with the largest remainders (ties:
    tenant id), so that the tenants' cents add up to the bill's. Credits, refunds, taxes and
    discounts are not shared: fct_bedrock_bill_adjustments.
#}

{#- the additive measures summed from day to month, with their types -#}
{%- set measures = [] -%}
{%- for column in [
    'invocation_count', 'error_count', 'input_tokens', 'output_tokens',
    'cache_read_input_tokens', 'cache_write_input_tokens', 'total_tokens',
] -%}
{%- do measures.append((column, 'bigint')) -%}
{%- endfor -%}
{%- for column in [
    'input_cost_usd', 'output_cost_usd', 'cache_read_cost_usd', 'cache_write_cost_usd',
    'total_cost_usd', 'estimated_cost_usd', 'cache_read_savings_usd',
] -%}
{%- do measures.append((column, money_type())) -%}
{%- endfor %}
{#- femto-dollars (the money type's scale) in one cent -#}
{%- set femto_per_cent = 'cast(10000000000000 as decimal(38, 0))' %}

with

daily_usage as (

    select * from {{ ref('fct_tenant_daily_usage') }}

),

budgets as (

    select * from {{ ref('tenant_budgets') }}

),

daily_billed_cost as (

    select * from {{ ref('fct_tenant_daily_billed_cost') }}

),

as_of as (

    select
        max(usage_date) as as_of_date,
        cast({{ dbt.date_trunc('month', 'min(usage_date)') }} as date) as first_month
    from daily_usage

),

monthly_model_usage as (

    select
        tenant_id,
        cast({{ dbt.date_trunc('month', 'usage_date') }} as date) as statement_month,
        coalesce(model_id, 'unresolved') as model_id,
        {%- for column, data_type in measures %}
        cast(sum({{ column }}) as {{ data_type }}) as {{ column }},
        {%- endfor %}
        cast(sum(unpriced_invocation_count) as bigint) as unpriced_invocation_count
    from daily_usage
    group by 1, 2, 3

),

monthly_usage as (

    select
        tenant_id,
        statement_month,
        {%- for column, data_type in measures %}
        cast(sum({{ column }}) as {{ data_type }}) as {{ column }},
        {%- endfor %}
        cast(sum(unpriced_invocation_count) as bigint) as unpriced_invocation_count,
        cast(count(*) as bigint) as model_count,
        {{ json_object_agg('model_id', 'cast(total_cost_usd as decimal(38, 6))') }}
            as cost_by_model_json
    from monthly_model_usage
    group by 1, 2

),

budgets_in_range as (

    select
        budgets.tenant_id,
        budgets.budget_month,
        budgets.budget_usd
    from budgets
    cross join as_of
    where
        budgets.budget_month >= as_of.first_month
        and budgets.budget_month <= as_of.as_of_date

),

monthly_billed_cost as (

    select
        tenant_id,
        cast({{ dbt.date_trunc('month', 'usage_date') }} as date) as statement_month,
        cast(sum(billed_cost_usd) as {{ money_type() }}) as billed_cost_usd
    from daily_billed_cost
    group by 1, 2

),

billed_in_femto as (

    select
        *,
        {{ money_in_femto_usd('billed_cost_usd') }} as billed_femto_usd,
        sum({{ money_in_femto_usd('billed_cost_usd') }}) over (partition by statement_month)
            as month_billed_femto_usd
    from monthly_billed_cost

),

billed_whole_cents as (

    select
        *,
        {{ whole_quotient('billed_femto_usd', femto_per_cent) }} as whole_cents,
        {{ whole_quotient(
            'month_billed_femto_usd + cast(5000000000000 as decimal(38, 0))', femto_per_cent
        ) }} as month_cents
    from billed_in_femto

),

billed_remainders as (

    select
        *,
        month_cents - sum(whole_cents) over (partition by statement_month) as cents_left,
        row_number() over (
            partition by statement_month
            order by billed_femto_usd - whole_cents * {{ femto_per_cent }} desc, tenant_id asc
        ) as remainder_rank
    from billed_whole_cents

),

monthly_billed as (

    select
        tenant_id,
        statement_month,
        billed_cost_usd,
        cast(
            (whole_cents + case when remainder_rank <= cents_left then 1 else 0 end)
            * cast('0.01' as decimal(38, 2))
            as {{ money_type() }}
        ) as billed_cost_rounded_usd,
        case
            when month_billed_femto_usd > 0
                then cast(billed_femto_usd as double) / cast(month_billed_femto_usd as double)
        end as billed_cost_share
    from billed_remainders

),

statement_keys as (

    select
        tenant_id,
        statement_month
    from monthly_usage
    union distinct
    select
        tenant_id,
        budget_month as statement_month
    from budgets_in_range
    union distinct
    select
        tenant_id,
        statement_month
    from monthly_billed

),

statement_rows as (

    select
        statement_keys.tenant_id,
        statement_keys.statement_month,
        {%- for column, data_type in measures %}
        coalesce(monthly_usage.{{ column }}, 0) as {{ column }},
        {%- endfor %}
        coalesce(monthly_usage.unpriced_invocation_count, 0) as unpriced_invocation_count,
        coalesce(monthly_usage.model_count, 0) as model_count,
        coalesce(monthly_usage.cost_by_model_json, '{}') as cost_by_model_json,
        budgets_in_range.budget_usd,
        monthly_billed.billed_cost_usd,
        monthly_billed.billed_cost_rounded_usd,
        monthly_billed.billed_cost_share
    from statement_keys
    left join monthly_usage
        on
            statement_keys.tenant_id = monthly_usage.tenant_id
            and statement_keys.statement_month = monthly_usage.statement_month
    left join budgets_in_range
        on
            statement_keys.tenant_id = budgets_in_range.tenant_id
            and statement_keys.statement_month = budgets_in_range.budget_month
    left join monthly_billed
        on
            statement_keys.tenant_id = monthly_billed.tenant_id
            and statement_keys.statement_month = monthly_billed.statement_month

),

month_progress as (

    select
        statement_rows.*,
        as_of.as_of_date,
        cast(extract(day from {{ dbt.last_day('statement_rows.statement_month', 'month') }}) as integer)
            as days_in_month,
        cast(
            case
                when as_of.as_of_date >= {{ dbt.last_day('statement_rows.statement_month', 'month') }}
                    then extract(day from {{ dbt.last_day('statement_rows.statement_month', 'month') }})
                else extract(day from as_of.as_of_date)
            end as integer
        ) as days_elapsed
    from statement_rows
    cross join as_of

),

projected as (

    select
        *,
        days_elapsed = days_in_month as is_month_complete,
        {{ money_divided_by_days('total_cost_usd', 'days_elapsed') }} as daily_run_rate_usd
    from month_progress

),

projected_statements as (

    select
        {{ hash_text("tenant_id || '|' || cast(statement_month as varchar)") }}
            as tenant_monthly_statement_id,
        *,
        case
            when is_month_complete then total_cost_usd
            else total_cost_usd + daily_run_rate_usd * (days_in_month - days_elapsed)
        end as projected_month_end_cost_usd
    from projected

),

final as (

    select
        *,
        case
            when budget_usd > 0 then cast(total_cost_usd as double) / cast(budget_usd as double)
        end as budget_share_used,
        case
            when budget_usd > 0
                then cast(projected_month_end_cost_usd as double) / cast(budget_usd as double)
        end as projected_budget_share,
        case
            when budget_usd is null then 'no_budget'
            when total_cost_usd > budget_usd then 'over_budget'
            when projected_month_end_cost_usd > budget_usd then 'projected_over'
            else 'within_budget'
        end as budget_status
    from projected_statements

)

select
    {{ columns_cast_to_contract() }}
from final
