{#
    One row per request id with its tenant, resolved model, the price row that priced it and its
    cost by token class.

    The price row is the one of the catalog (int_pricing__model_prices: listed rows and rule
    rows) that applies to the call and is the most specific (macros bedrock_price_applies and
    bedrock_price_specificity; the catalog test proves that exactly one wins for every offering):
      - base model, source Region (`region`, never `inferenceRegion`) as a Region, its geography
        or `*` (every commercial Region), and routing scope (in_region / geo / global or `*`);
      - service tier (standard, priority, flex; batch jobs are not in the invocation log), exact;
      - context tier, exact: a call of a model with a long-context rule (seed
        bedrock_long_context_rules) whose input tokens, with cache reads and writes where the rule
        counts them, exceed the rule's threshold is billed whole at the model's long_context row;
        every other call is standard;
      - the UTC date of the invocation within [effective_from, effective_to).
    cache_read_savings_usd is what the cache reads saved: their tokens at the input price minus
    what they cost at the cache-read price.
    Input tokens are already uncached, so each token class is priced on its own; cache writes
    are split into their 5-minute and 1-hour parts when the logged body says so, otherwise all
    are priced at the 5-minute rate and the cost is marked `estimated` (unless the price row has
    no 1-hour rate at all: then every write is a 5-minute one, and the cost is exact).

    pricing_status says how the cost came about:
      priced              every token class used has a price;
      no_billable_tokens  no tokens at all (failed calls): cost is exactly 0;
      unpriced            tokens without a price (unknown model, tier or token class): cost stays
                          null and is listed in dq_unpriced_usage;
      not_token_priced    provisioned throughput or a model priced per image/second: null.
#}

{%- set token_classes = [
    ('input', 'input_tokens', 'input_usd_per_1m_tokens'),
    ('output', 'output_tokens', 'output_usd_per_1m_tokens'),
    ('cache_read', 'cache_read_input_tokens', 'cache_read_usd_per_1m_tokens'),
    ('cache_write_5m', 'cache_write_5m_input_tokens', 'cache_write_5m_usd_per_1m_tokens'),
    ('cache_write_1h', 'cache_write_1h_input_tokens', 'cache_write_1h_usd_per_1m_tokens'),
] -%}

with

invocations as (

    select * from {{ ref('int_bedrock__invocations_deduplicated') }}

),

logged_models as (

    select * from {{ ref('int_bedrock__logged_models_resolved') }}

),

tenants as (

    select * from {{ ref('int_bedrock__invocation_tenants') }}

),

prices as (

    select * from {{ ref('int_pricing__model_prices') }}

),

regions as (

    select * from {{ ref('stg_pricing__bedrock_regions') }}

),

long_context_rules as (

    select * from {{ ref('stg_pricing__bedrock_long_context_rules') }}

),

resolved as (

    select
        invocations.*,
        logged_models.model_id,
        logged_models.model_id_form,
        logged_models.routing_scope,
        logged_models.is_token_priced,
        coalesce(
            tenants.tenant_id,
            logged_models.application_profile_tenant_id,
            {{ sql_string_literal(var('unattributed_tenant_id')) }}
        ) as tenant_id,
        case
            when tenants.tenant_id is not null then tenants.tenant_id_key
            when logged_models.application_profile_tenant_id is not null
                then 'application_inference_profile'
        end as tenant_id_key,
        coalesce(tenants.tenant_id, logged_models.application_profile_tenant_id) is not null
            as is_attributed,
        case
            when tenants.has_conflicting_tenant_ids then 'conflicting_tenant_keys'
            when tenants.tenant_id <> logged_models.application_profile_tenant_id
                then 'profile_tenant_mismatch'
        end as tenant_attribution_conflict,
        regions.aws_partition as region_partition,
        regions.region_group,
        case
            when
                invocations.input_tokens
                + case
                    when long_context_rules.threshold_counts_cache_tokens
                        then
                            invocations.cache_read_input_tokens
                            + invocations.cache_write_input_tokens
                    else 0
                end
                > long_context_rules.threshold_input_tokens
                then 'long_context'
            else 'standard'
        end as context_tier
    from invocations
    inner join logged_models
        on invocations.logged_model_id = logged_models.logged_model_id
    left join tenants
        on invocations.request_id = tenants.request_id
    left join regions
        on invocations.region = regions.region
    left join long_context_rules
        on
            logged_models.model_id = long_context_rules.model_id
            and invocations.usage_date >= long_context_rules.effective_from
            and (
                long_context_rules.effective_to is null
                or invocations.usage_date < long_context_rules.effective_to
            )

),

price_candidates as (

    select
        resolved.request_id,
        prices.price_id,
        prices.region as price_region,
        prices.routing_scope as price_routing_scope,
        prices.service_tier as price_service_tier,
        prices.context_tier as price_context_tier,
        prices.price_unit,
        prices.effective_from as price_effective_from,
        prices.price_origin,
        prices.price_rule_id,
        {%- for class_name, tokens, price in token_classes %}
        prices.{{ price }},
        {%- endfor %}
        row_number() over (
            partition by resolved.request_id
            order by {{ bedrock_price_specificity('resolved', 'prices') }}, prices.price_id
        ) as price_rank
    from resolved
    inner join prices
        on {{ bedrock_price_applies('resolved', 'prices') }}
    where resolved.is_token_priced

),

matched_prices as (

    select *
    from price_candidates
    where price_rank = 1

),

statused as (

    select
        resolved.*,
        matched_prices.price_id,
        matched_prices.price_region,
        matched_prices.price_routing_scope,
        matched_prices.price_service_tier,
        matched_prices.price_context_tier,
        matched_prices.price_effective_from,
        matched_prices.price_origin,
        matched_prices.price_rule_id,
        {%- for class_name, tokens, price in token_classes %}
        matched_prices.{{ price }},
        {%- endfor %}
        case
            when
                resolved.input_tokens + resolved.output_tokens
                + resolved.cache_read_input_tokens + resolved.cache_write_input_tokens = 0
                then 'no_billable_tokens'
            when not resolved.is_token_priced then 'not_token_priced'
            when matched_prices.price_id is null then 'unpriced'
            when matched_prices.price_unit <> 'token' then 'not_token_priced'
            {%- for class_name, tokens, price in token_classes %}
            when resolved.{{ tokens }} > 0 and matched_prices.{{ price }} is null then 'unpriced'
            {%- endfor %}
            else 'priced'
        end as pricing_status
    from resolved
    left join matched_prices
        on resolved.request_id = matched_prices.request_id

),

costed as (

    select
        {%- for class_name, tokens, price in token_classes %}
        case
            when pricing_status = 'no_billable_tokens' then cast(0 as {{ money_type() }})
            when pricing_status <> 'priced' then cast(null as {{ money_type() }})
            when {{ tokens }} = 0 then cast(0 as {{ money_type() }})
            else {{ tokens_cost_usd(tokens, price) }}
        end as {{ class_name }}_cost_usd,
        {%- endfor %}
        case
            when pricing_status = 'no_billable_tokens' then 'exact'
            when pricing_status <> 'priced' then null
            when is_cache_write_split_known then 'exact'
            {#- a model without 1-hour cache writes (Nova) writes every token at the 5-minute rate #}
            when cache_write_1h_usd_per_1m_tokens is null then 'exact'
            else 'estimated'
        end as cost_basis,
        *
    from statused

),

final as (

    select
        *,
        cast(cache_write_5m_cost_usd + cache_write_1h_cost_usd as {{ money_type() }})
            as cache_write_cost_usd,
        cast(
            input_cost_usd + output_cost_usd + cache_read_cost_usd
            + cache_write_5m_cost_usd + cache_write_1h_cost_usd
            as {{ money_type() }}
        ) as total_cost_usd,
        case
            when pricing_status = 'no_billable_tokens' then cast(0 as {{ money_type() }})
            when pricing_status <> 'priced' then cast(null as {{ money_type() }})
            when cache_read_input_tokens = 0 then cast(0 as {{ money_type() }})
            else cast(
                {{ tokens_cost_usd('cache_read_input_tokens', 'input_usd_per_1m_tokens') }}
                - cache_read_cost_usd
                as {{ money_type() }}
            )
        end as cache_read_savings_usd
    from costed

)

select * from final
