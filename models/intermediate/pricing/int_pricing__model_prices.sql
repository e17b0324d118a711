{#
    The whole price catalog: every price row of the seed ("listed") and every price a rule of
    bedrock_price_rules derives from one ("rule"). A rule takes each listed row of its model with
    the rule's from_routing_scope (and service and context tier, `*` for any) and gives a row at
    to_routing_scope, in to_region (empty: the listed row's own region), in to_service_tier
    (empty: the listed row's tier), with every price times the multiplier, valid where both the
    row and the rule are. Rules apply to listed rows only, never to derived ones, so a price is
    always one factor away from a cited one. A derived key that a listed row already holds is a
    catalog error caught by the no-overlap test of this model.
#}

{%- set price_columns = price_columns() -%}

with

listed_prices as (

    select * from {{ ref('stg_pricing__bedrock_model_prices') }}

),

price_rules as (

    select * from {{ ref('stg_pricing__bedrock_price_rules') }}

),

derived_prices as (

    select
        listed_prices.model_id,
        coalesce(price_rules.to_region, listed_prices.region) as region,
        price_rules.to_routing_scope as routing_scope,
        coalesce(price_rules.to_service_tier, listed_prices.service_tier) as service_tier,
        listed_prices.context_tier,
        listed_prices.price_unit,
        {%- for column in price_columns %}
        cast(
            listed_prices.{{ column }} * price_rules.multiplier as {{ price_per_million_type() }}
        ) as {{ column }},
        {%- endfor %}
        greatest(listed_prices.effective_from, price_rules.effective_from) as effective_from,
        case
            when listed_prices.effective_to is null then price_rules.effective_to
            when price_rules.effective_to is null then listed_prices.effective_to
            when listed_prices.effective_to < price_rules.effective_to
                then listed_prices.effective_to
            else price_rules.effective_to
        end as effective_to,
        'rule' as price_origin,
        price_rules.rule_id as price_rule_id,
        listed_prices.price_id as base_price_id,
        price_rules.multiplier as price_multiplier,
        'rule ' || price_rules.rule_id || ': ' || price_rules.source
        || ' | base row: ' || listed_prices.source as derived_source
    from listed_prices
    inner join price_rules
        on
            listed_prices.model_id = price_rules.model_id
            and (price_rules.from_region is null or listed_prices.region = price_rules.from_region)
            and listed_prices.routing_scope = price_rules.from_routing_scope
            and (
                price_rules.service_tier = '*'
                or listed_prices.service_tier = price_rules.service_tier
            )
            and (
                price_rules.context_tier = '*'
                or listed_prices.context_tier = price_rules.context_tier
            )
            and (
                price_rules.effective_to is null
                or listed_prices.effective_from < price_rules.effective_to
            )
            and (
                listed_prices.effective_to is null
                or listed_prices.effective_to > price_rules.effective_from
            )

),

catalog as (

    select
        price_id,
        model_id,
        region,
        routing_scope,
        service_tier,
        context_tier,
        price_unit,
        {%- for column in price_columns %}
        {{ column }},
        {%- endfor %}
        effective_from,
        effective_to,
        'listed' as price_origin,
        cast(null as varchar) as price_rule_id,
        cast(null as varchar) as base_price_id,
        cast(null as {{ price_multiplier_type() }}) as price_multiplier,
        source
    from listed_prices

    union all

    select
        {{ price_row_id() }} as price_id,
        model_id,
        region,
        routing_scope,
        service_tier,
        context_tier,
        price_unit,
        {%- for column in price_columns %}
        {{ column }},
        {%- endfor %}
        effective_from,
        effective_to,
        price_origin,
        price_rule_id,
        base_price_id,
        price_multiplier,
        derived_source
    from derived_prices

)

select * from catalog
