{# Price rules: a price that AWS derives from another price of the same model by a factor. #}

with

rules as (

    select * from {{ ref('bedrock_price_rules') }}

),

final as (

    select
        -- strings
        trim(rule_id) as rule_id,
        lower(trim(model_id)) as model_id,
        nullif(lower(trim(from_region)), '') as from_region,
        trim(from_routing_scope) as from_routing_scope,
        trim(service_tier) as service_tier,
        trim(context_tier) as context_tier,
        nullif(lower(trim(to_region)), '') as to_region,
        trim(to_routing_scope) as to_routing_scope,
        nullif(trim(to_service_tier), '') as to_service_tier,
        source,

        -- numerics
        cast(multiplier as {{ price_multiplier_type() }}) as multiplier,

        -- dates
        cast(effective_from as date) as effective_from,
        cast(effective_to as date) as effective_to
    from rules

)

select * from final
