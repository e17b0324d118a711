{#
    What AWS billed, allocated to tenants: one row per usage day, tenant and model, with the
    tenant's estimated cost (from the logs and list prices) and its share of the billed cost.

    Each reconciliation bucket's billed cost is shared among the tenants logged in it in
    proportion to their estimated cost (to their tokens when the bucket has no complete estimate;
    a bucket is one model, Region, token class, scope and tier, so one price). The shares are
    whole femto-dollars (1e-15 USD, the money type's scale), each rounded down, and what rounding
    left goes to the tenant with the largest weight: for every bucket the tenants' shares add up
    to its billed cost exactly. Billed cost without logged usage goes, visibly, to var
    unattributed_tenant_id. Only the days of the billing periods the bill holds.
#}

{%- set bucket_columns = bill_bucket_columns() -%}
{%- set femto_per_usd = 'cast(1000000000000000 as decimal(38, 0))' -%}

with

billed_buckets as (

    select * from {{ ref('int_bedrock_cur__billed_usage_by_bucket') }}

),

logged_usage as (

    select * from {{ ref('int_bedrock_cur__logged_usage_by_bucket') }}

),

logged_with_bill as (

    select
        logged_usage.*,
        billed_buckets.billed_cost_usd as bucket_billed_cost_usd,
        count(*) over (partition by logged_usage.{{ bucket_columns | join(', logged_usage.') }})
            as bucket_tenant_count,
        count(logged_usage.estimated_cost_usd) over (
            partition by logged_usage.{{ bucket_columns | join(', logged_usage.') }}
        ) as bucket_estimated_count,
        sum(logged_usage.estimated_cost_usd) over (
            partition by logged_usage.{{ bucket_columns | join(', logged_usage.') }}
        ) as bucket_estimated_cost_usd
    from logged_usage
    left join billed_buckets
        on {{ bill_bucket_join('logged_usage', 'billed_buckets', bucket_columns) }}

),

weighted as (

    select
        *,
        case
            when
                bucket_estimated_count = bucket_tenant_count
                and bucket_estimated_cost_usd > cast(0 as {{ money_type() }})
                then {{ money_in_femto_usd('estimated_cost_usd') }}
            else cast(logged_tokens as decimal(38, 0))
        end as weight_units,
        {{ money_in_femto_usd('coalesce(bucket_billed_cost_usd, cast(0 as ' ~ money_type() ~ '))') }}
            as bucket_billed_femto_usd
    from logged_with_bill

),

shared as (

    select
        *,
        {{ whole_quotient(
            'bucket_billed_femto_usd * ' ~ whole_quotient('weight_units * ' ~ femto_per_usd,
                'sum(weight_units) over (partition by ' ~ bucket_columns | join(', ') ~ ')'),
            femto_per_usd
        ) }} as provisional_femto_usd,
        row_number() over (
            partition by {{ bucket_columns | join(', ') }}
            order by weight_units desc, tenant_id asc
        ) as weight_rank
    from weighted

),

allocated as (

    select
        usage_date,
        tenant_id,
        model_id,
        logged_tokens,
        estimated_cost_usd,
        {{ femto_usd_as_money(
            'provisional_femto_usd + case when weight_rank = 1 then bucket_billed_femto_usd'
            ~ ' - sum(provisional_femto_usd) over (partition by ' ~ bucket_columns | join(', ')
            ~ ') else cast(0 as decimal(38, 0)) end'
        ) }} as billed_cost_usd
    from shared

),

billed_not_logged as (

    select
        billed_buckets.usage_date,
        {{ sql_string_literal(var('unattributed_tenant_id')) }} as tenant_id,
        billed_buckets.model_id,
        cast(0 as bigint) as logged_tokens,
        cast(0 as {{ money_type() }}) as estimated_cost_usd,
        billed_buckets.billed_cost_usd
    from billed_buckets
    left join logged_usage
        on {{ bill_bucket_join('billed_buckets', 'logged_usage', bucket_columns) }}
    where logged_usage.usage_date is null

),

shares as (

    select * from allocated
    union all
    select * from billed_not_logged

),

tenant_days as (

    select
        usage_date,
        tenant_id,
        model_id,
        cast(sum(logged_tokens) as bigint) as logged_tokens,
        {{ money_sum_when_complete('estimated_cost_usd') }} as estimated_cost_usd,
        cast(sum(billed_cost_usd) as {{ money_type() }}) as billed_cost_usd
    from shares
    group by usage_date, tenant_id, model_id

),

final as (

    select
        {{ hash_text(bill_bucket_key(['usage_date', 'tenant_id', 'model_id'])) }}
            as tenant_daily_billed_cost_id,
        *
    from tenant_days

)

select
    {{ columns_cast_to_contract() }}
from final
