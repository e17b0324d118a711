{#
    One row per request id with its tenant, resolved model and cost.

    Prices follow the source Region (`region`, never `inferenceRegion`) and the routing scope, on
    the invocation's UTC date: the most specific seed row wins (exact Region before `*`, then exact
    scope before `*`). Input tokens are already uncached, so each token class is priced on its own.
    pricing_status says how the cost came about:
      priced              every token class used has a price;
      no_billable_tokens  no tokens at all (failed calls): cost is exactly 0;
      unpriced            tokens without a price (unknown model, or a token class the price row
                          leaves empty): cost stays null and is listed in dq_unpriced_usage;
      not_token_priced    provisioned throughput: billed per model unit-hour, not per token.
#}

{%- set token_classes = [
    ('input', 'input_tokens', 'input_usd_per_1m_tokens'),
    ('output', 'output_tokens', 'output_usd_per_1m_tokens'),
    ('cache_read', 'cache_read_input_tokens', 'cache_read_usd_per_1m_tokens'),
    ('cache_write', 'cache_write_input_tokens', 'cache_write_usd_per_1m_tokens'),
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

    select * from {{ ref('stg_pricing__bedrock_model_prices') }}

),

resolved as (

    select
        invocations.*,
        logged_models.model_id,
        logged_models.model_id_form,
        logged_models.routing_scope,
        logged_models.is_token_priced,
        coalesce(tenants.tenant_id, {{ sql_string_literal(var('unattributed_tenant_id')) }})
            as tenant_id,
        tenants.tenant_id_key,
        tenants.tenant_id is not null as is_attributed
    from invocations
    inner join logged_models
        on invocations.logged_model_id = logged_models.logged_model_id
    left join tenants
        on invocations.request_id = tenants.request_id

),

price_candidates as (

    select
        resolved.request_id,
        prices.price_id,
        prices.region as price_region,
        prices.routing_scope as price_routing_scope,
        prices.effective_from as price_effective_from,
        {%- for class_name, tokens, price in token_classes %}
        prices.{{ price }},
        {%- endfor %}
        row_number() over (
            partition by resolved.request_id
            order by
                case when prices.region = '*' then 1 else 0 end,
                case when prices.routing_scope = '*' then 1 else 0 end
        ) as price_rank
    from resolved
    inner join prices
        on
            resolved.model_id = prices.model_id
            and (resolved.region = prices.region or prices.region = '*')
            and (resolved.routing_scope = prices.routing_scope or prices.routing_scope = '*')
            and resolved.usage_date >= prices.effective_from
            and (prices.effective_to is null or resolved.usage_date < prices.effective_to)
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
        matched_prices.price_effective_from,
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
        *
    from statused

),

final as (

    select
        *,
        cast(
            input_cost_usd + output_cost_usd + cache_read_cost_usd + cache_write_cost_usd
            as {{ money_type() }}
        ) as total_cost_usd
    from costed

)

select * from final
