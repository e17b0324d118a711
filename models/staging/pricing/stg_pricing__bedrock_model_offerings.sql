{# What the price catalog claims: each model offered in Regions, routing scopes and tiers. #}

with

offerings as (

    select * from {{ ref('bedrock_model_offerings') }}

),

final as (

    select
        -- strings
        lower(trim(model_id)) as model_id,
        lower(trim(regions)) as regions,
        trim(routing_scope) as routing_scope,
        trim(service_tier) as service_tier,
        source,

        -- dates
        cast(available_from as date) as available_from,
        cast(available_to as date) as available_to
    from offerings

)

select * from final
