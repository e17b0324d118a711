{#
    The AWS bill against the invocation logs, bucket by bucket: one row per usage day, usage
    account, source Region, model, token class, routing scope, service tier and context tier
    that either side has, with what was billed, what was logged and priced, and why they differ.

    reconciliation_status, checked in this order:
      logged_not_billed  logged usage the bill does not have (a bill not yet complete, another
                         payer, or a usage type the pipeline could not map: dq_unmapped_bill_lines);
      billed_not_logged  billed usage without logs (a lost log file, an unlogged account,
                         Region or caller, batch jobs, which are not in the invocation log);
      token_mismatch     both, but the tokens differ by more than var bill_token_tolerance_share;
      price_mismatch     the tokens match, the cost does not (by more than var
                         bill_cost_tolerance_usd and var bill_cost_tolerance_share of the
                         billed cost), or the usage has no price: a price-catalog question;
      matched            tokens and cost agree within the tolerances.
#}

{%- set bucket_columns = bill_bucket_columns() -%}

with

billed_buckets as (

    select * from {{ ref('int_bedrock_cur__billed_usage_by_bucket') }}

),

logged_usage as (

    select * from {{ ref('int_bedrock_cur__logged_usage_by_bucket') }}

),

logged_buckets as (

    select
        {{ bucket_columns | join(',\n        ') }},
        cast(sum(invocation_count) as bigint) as logged_invocation_count,
        cast(sum(logged_tokens) as bigint) as logged_tokens,
        {{ money_sum_when_complete('estimated_cost_usd') }} as estimated_cost_usd
    from logged_usage
    group by {{ range(1, bucket_columns | length + 1) | join(', ') }}

),

joined as (

    select
        {%- for column in bucket_columns %}
        coalesce(billed_buckets.{{ column }}, logged_buckets.{{ column }}) as {{ column }},
        {%- endfor %}
        billed_buckets.billing_period,
        billed_buckets.billed_line_count,
        billed_buckets.billed_tokens,
        billed_buckets.billed_cost_usd,
        logged_buckets.logged_invocation_count,
        logged_buckets.logged_tokens,
        logged_buckets.estimated_cost_usd,
        billed_buckets.usage_date is not null as is_billed,
        logged_buckets.usage_date is not null as is_logged
    from billed_buckets
    full outer join logged_buckets
        on {{ bill_bucket_join('billed_buckets', 'logged_buckets', bucket_columns) }}

),

differences as (

    select
        *,
        cast(
            coalesce(billed_tokens, cast(0 as decimal(38, 6)))
            - cast(coalesce(logged_tokens, 0) as decimal(38, 6))
            as decimal(38, 6)
        ) as token_difference,
        cast(
            coalesce(billed_cost_usd, cast(0 as {{ money_type() }}))
            - coalesce(estimated_cost_usd, cast(0 as {{ money_type() }}))
            as {{ money_type() }}
        ) as cost_difference_usd
    from joined

),

final as (

    select
        -- ids
        {{ hash_text(bill_bucket_key(bucket_columns)) }} as bill_reconciliation_id,

        -- strings
        usage_account_id,
        region,
        model_id,
        token_class,
        routing_scope,
        service_tier,
        context_tier,
        case
            when not is_billed then 'logged_not_billed'
            when not is_logged then 'billed_not_logged'
            when {{ bill_tokens_disagree('billed_tokens', 'logged_tokens') }} then 'token_mismatch'
            when estimated_cost_usd is null then 'price_mismatch'
            when
                abs(cost_difference_usd) > {{ decimal_literal(var('bill_cost_tolerance_usd')) }}
                and abs(cost_difference_usd) > cast(
                    {{ decimal_literal(var('bill_cost_tolerance_share'), 'decimal(38, 6)') }}
                    * billed_cost_usd
                    as {{ money_type() }}
                )
                then 'price_mismatch'
            else 'matched'
        end as reconciliation_status,

        -- numbers
        coalesce(billed_line_count, 0) as billed_line_count,
        coalesce(billed_tokens, cast(0 as decimal(38, 6))) as billed_tokens,
        coalesce(logged_invocation_count, 0) as logged_invocation_count,
        coalesce(logged_tokens, 0) as logged_tokens,
        token_difference,
        coalesce(billed_cost_usd, cast(0 as {{ money_type() }})) as billed_cost_usd,
        estimated_cost_usd,
        cost_difference_usd,

        -- dates
        coalesce(billing_period, cast(date_trunc('month', usage_date) as date)) as billing_period,
        usage_date
    from differences

)

select
    {{ columns_cast_to_contract() }}
from final
