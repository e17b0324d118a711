{#
    The logged usage in the bill's terms: one row per usage day, account, source Region, model,
    token class, routing scope (global or regional: geo and in-Region calls share one usage type),
    service tier, context tier and tenant, with its tokens and estimated cost. Only the days of
    the billing periods the bill holds, so that a month without a bill is not "logged, not
    billed".

    estimated_cost_usd is null when any invocation of the row has no price for the class (the
    estimate is then unknown, never a partial sum).

    Cache writes are billed by duration (5 minutes, 1 hour); the logs tell the durations apart
    only from the response body. When any invocation of a day, account, Region and model wrote
    to the cache without that split (bodies not logged: all of it counted as 5 minutes), that
    model-day's cache writes are one class, cache_write, here and on the bill's side
    (int_bedrock_cur__billed_usage_by_bucket): the tokens then reconcile, and a 1-hour write
    priced at the 5-minute rate shows as a price_mismatch, not as two token mismatches.
#}

{%- set token_classes = [
    ('input', 'input_tokens', 'input_cost_usd'),
    ('output', 'output_tokens', 'output_cost_usd'),
    ('cache_read', 'cache_read_input_tokens', 'cache_read_cost_usd'),
    ('cache_write_5m', 'cache_write_5m_input_tokens', 'cache_write_5m_cost_usd'),
    ('cache_write_1h', 'cache_write_1h_input_tokens', 'cache_write_1h_cost_usd'),
] -%}

with

invocations as (

    select * from {{ ref('fct_bedrock_invocations') }}

),

model_prices as (

    select * from {{ ref('int_pricing__model_prices') }}

),

bill_lines as (

    select * from {{ ref('int_bedrock_cur__usage_lines_resolved') }}

),

billing_periods as (

    select distinct billing_period
    from bill_lines
    where billing_period is not null

),

invocations_in_billed_periods as (

    select invocations.*
    from invocations
    inner join billing_periods
        on cast(date_trunc('month', invocations.usage_date) as date) = billing_periods.billing_period

),

-- the marts keep one cache-write cost; the bill has one line per duration: price each part
-- with the invocation's own price row, as int_bedrock__invocations_priced did
with_cache_write_costs as (

    select
        invocations_in_billed_periods.*,
        case
            when invocations_in_billed_periods.pricing_status = 'priced'
                then {{ tokens_cost_usd(
                    'invocations_in_billed_periods.cache_write_5m_input_tokens',
                    'model_prices.cache_write_5m_usd_per_1m_tokens'
                ) }}
        end as cache_write_5m_cost_usd,
        case
            when invocations_in_billed_periods.pricing_status = 'priced'
                then {{ tokens_cost_usd(
                    'invocations_in_billed_periods.cache_write_1h_input_tokens',
                    'model_prices.cache_write_1h_usd_per_1m_tokens'
                ) }}
        end as cache_write_1h_cost_usd,
        max(
            case
                when
                    not invocations_in_billed_periods.is_cache_write_split_known
                    and invocations_in_billed_periods.cache_write_input_tokens > 0
                    then 1
                else 0
            end
        ) over (
            partition by
                invocations_in_billed_periods.usage_date,
                invocations_in_billed_periods.account_id,
                invocations_in_billed_periods.region,
                invocations_in_billed_periods.model_id
        ) = 1 as is_cache_write_split_unknown_that_day
    from invocations_in_billed_periods
    left join model_prices
        on invocations_in_billed_periods.price_id = model_prices.price_id

),

token_class_usage as (

    {%- for class_name, tokens, cost in token_classes %}
    {%- if not loop.first %}

    union all
    {% endif %}

    select
        usage_date,
        account_id as usage_account_id,
        region,
        model_id,
        {%- if class_name.startswith('cache_write') %}
        case
            when is_cache_write_split_unknown_that_day then 'cache_write' else '{{ class_name }}'
        end as token_class,
        {%- else %}
        '{{ class_name }}' as token_class,
        {%- endif %}
        case when routing_scope = 'global' then 'global' else 'regional' end as routing_scope,
        service_tier,
        context_tier,
        tenant_id,
        {{ tokens }} as tokens,
        {{ cost }} as estimated_cost_usd
    from with_cache_write_costs
    where {{ tokens }} > 0
    {%- endfor %}

),

final as (

    select
        {{ bill_bucket_columns() | join(',\n        ') }},
        tenant_id,
        count(*) as invocation_count,
        cast(sum(tokens) as bigint) as logged_tokens,
        {{ money_sum_when_complete('estimated_cost_usd') }} as estimated_cost_usd
    from token_class_usage
    group by {{ bill_bucket_columns() | join(', ') }}, tenant_id

)

select * from final
