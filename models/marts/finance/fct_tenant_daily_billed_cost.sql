{#
    What AWS billed, allocated to tenants: one row per usage day, tenant and model, with the
    tenant's estimated cost (from the logs and list prices) and its share of the billed cost.

    Each reconciliation bucket's billed cost is shared among the tenants logged in it in
    proportion to their estimated cost (to their tokens when the bucket has no complete estimate;
    a bucket is one model, Region, token class, scope and tier, so one price). The shares are
    whole femto-dollars (1e-15 USD, the money type's scale), each rounded down, and what rounding
    left goes to the tenant with the largest weight: for every bucket the tenants' shares add up
    to its billed cost exactly. Billed cost without logged usage goes, visibly, to var
    unattributed_tenant_id, and so does, in a bucket billed for more tokens than were logged
    (beyond var bill_token_tolerance_share: a token_mismatch), the share of its billed cost that
    the missing tokens make up: the logged tenants are not charged for usage nobody logged. Only
    the days of the billing periods the bill holds.
#}

{%- set bucket_columns = bill_bucket_columns() -%}
{%- set one_usd_in_femto = femto_per_usd() -%}
{%- set unlogged_tokens = 'bucket_billed_tokens - cast(bucket_logged_tokens as decimal(38, 6))' -%}

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
        billed_buckets.billed_tokens as bucket_billed_tokens,
        sum(logged_usage.logged_tokens) over (
            partition by logged_usage.{{ bucket_columns | join(', logged_usage.') }}
        ) as bucket_logged_tokens,
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

-- the part of a bucket's bill that its unlogged tokens make up (billed minus logged tokens, in
-- millionths of a token: billed quantities can be fractional), rounded down to a femto-dollar
with_unlogged_share as (

    select
        *,
        case
            when
                bucket_billed_tokens > cast(bucket_logged_tokens as decimal(38, 6))
                and {{ bill_tokens_disagree('bucket_billed_tokens', 'bucket_logged_tokens') }}
                then {{ whole_quotient(
                    'bucket_billed_femto_usd * ' ~ micro_tokens(unlogged_tokens),
                    micro_tokens('bucket_billed_tokens')
                ) }}
            else cast(0 as decimal(38, 0))
        end as bucket_unlogged_femto_usd
    from weighted

),

shared as (

    select
        *,
        bucket_billed_femto_usd - bucket_unlogged_femto_usd as bucket_logged_femto_usd,
        {{ whole_quotient(
            '(bucket_billed_femto_usd - bucket_unlogged_femto_usd) * '
            ~ whole_quotient('weight_units * ' ~ one_usd_in_femto,
                'sum(weight_units) over (partition by ' ~ bucket_columns | join(', ') ~ ')'),
            one_usd_in_femto
        ) }} as provisional_femto_usd,
        row_number() over (
            partition by {{ bucket_columns | join(', ') }}
            order by weight_units desc, tenant_id asc
        ) as weight_rank
    from with_unlogged_share

),

allocated as (

    select
        usage_date,
        tenant_id,
        model_id,
        logged_tokens,
        estimated_cost_usd,
        {{ femto_usd_as_money(
            'provisional_femto_usd + case when weight_rank = 1 then bucket_logged_femto_usd'
            ~ ' - sum(provisional_femto_usd) over (partition by ' ~ bucket_columns | join(', ')
            ~ ') else cast(0 as decimal(38, 0)) end'
        ) }} as billed_cost_usd
    from shared

),

-- once per bucket (its first tenant's row carries it)
billed_beyond_logs as (

    select
        usage_date,
        {{ sql_string_literal(var('unattributed_tenant_id')) }} as tenant_id,
        model_id,
        cast(0 as bigint) as logged_tokens,
        cast(0 as {{ money_type() }}) as estimated_cost_usd,
        {{ femto_usd_as_money('bucket_unlogged_femto_usd') }} as billed_cost_usd
    from shared
    where weight_rank = 1 and bucket_unlogged_femto_usd > cast(0 as decimal(38, 0))

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
    select * from billed_beyond_logs
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
