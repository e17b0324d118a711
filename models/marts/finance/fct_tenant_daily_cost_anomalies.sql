{#
    Tenant-days whose cost departs from the tenant's own trailing baseline: one row per anomalous
    tenant and UTC day, with the baseline it was compared against.

    The baseline of a day is the median daily cost of the tenant over the var
    anomaly_window_days days before it (days without usage count as $0, from the tenant's first
    usage day on). A day is an anomaly when
      - the tenant has at least var anomaly_min_baseline_days days of history in the window,
      - the day cost at least var anomaly_min_cost_usd (so cents do not page anyone), and
      - the cost is more than var anomaly_multiplier times the baseline median:
        `spike` when the median is above 0, `new_spend` when it is 0.
    The calendar is every day on which any tenant has usage. The median is exact decimal on both
    engines (median_decimal), and the vars are compared as typed decimals.
#}

{%- set multiplier = var('anomaly_multiplier') -%}
{%- set window_days = var('anomaly_window_days') -%}
{%- set min_baseline_days = var('anomaly_min_baseline_days') -%}
{%- set min_cost_usd = var('anomaly_min_cost_usd') -%}

with

daily_usage as (

    select * from {{ ref('fct_tenant_daily_usage') }}

),

tenant_daily_costs as (

    select
        tenant_id,
        usage_date,
        cast(sum(total_cost_usd) as {{ money_type() }}) as total_cost_usd
    from daily_usage
    group by tenant_id, usage_date

),

calendar as (

    select distinct usage_date
    from daily_usage

),

tenant_first_days as (

    select
        tenant_id,
        min(usage_date) as first_usage_date
    from tenant_daily_costs
    group by tenant_id

),

tenant_days as (

    select
        tenant_first_days.tenant_id,
        calendar.usage_date,
        coalesce(tenant_daily_costs.total_cost_usd, 0) as total_cost_usd
    from tenant_first_days
    inner join calendar
        on tenant_first_days.first_usage_date <= calendar.usage_date
    left join tenant_daily_costs
        on
            tenant_first_days.tenant_id = tenant_daily_costs.tenant_id
            and calendar.usage_date = tenant_daily_costs.usage_date

),

baselines as (

    select
        current_day.tenant_id,
        current_day.usage_date,
        current_day.total_cost_usd,
        {{ median_decimal('trailing_day.total_cost_usd', money_type()) }} as baseline_median_cost_usd,
        count(trailing_day.usage_date) as baseline_day_count
    from tenant_days as current_day
    left join tenant_days as trailing_day
        on
            current_day.tenant_id = trailing_day.tenant_id
            and current_day.usage_date > trailing_day.usage_date
            and {{ dbt.dateadd('day', -window_days, 'current_day.usage_date') }}
            <= trailing_day.usage_date
    group by current_day.tenant_id, current_day.usage_date, current_day.total_cost_usd

),

anomalies as (

    select
        *,
        case when baseline_median_cost_usd > 0 then 'spike' else 'new_spend' end as anomaly_kind
    from baselines
    where
        baseline_day_count >= {{ min_baseline_days }}
        and total_cost_usd >= {{ decimal_literal(min_cost_usd, money_type()) }}
        and total_cost_usd > baseline_median_cost_usd * {{ decimal_literal(multiplier, 'decimal(18, 6)') }}

),

final as (

    select
        {{ hash_text("tenant_id || '|' || cast(usage_date as varchar)") }}
            as tenant_daily_cost_anomaly_id,
        usage_date,
        tenant_id,
        total_cost_usd,
        baseline_median_cost_usd,
        {{ window_days }} as baseline_window_days,
        baseline_day_count,
        case
            when baseline_median_cost_usd > 0
                then cast(total_cost_usd as double) / cast(baseline_median_cost_usd as double)
        end as cost_ratio_to_baseline,
        {{ multiplier }} as anomaly_multiplier,
        total_cost_usd - baseline_median_cost_usd as excess_cost_usd,
        anomaly_kind
    from anomalies

)

select
    {{ columns_cast_to_contract() }}
from final
