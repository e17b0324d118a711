{# The price seed, typed, with each price also expressed per single token (exact decimals). #}

with

prices as (

    select * from {{ ref('bedrock_model_prices') }}

),

final as (

    select
        -- ids
        {{ hash_text(
            "model_id || '|' || region || '|' || routing_scope || '|' || cast(effective_from as varchar)"
        ) }} as price_id,

        -- strings
        lower(trim(model_id)) as model_id,
        trim(region) as region,
        trim(routing_scope) as routing_scope,
        source,

        -- numerics
        cast(input_usd_per_1m_tokens as {{ price_per_million_type() }}) as input_usd_per_1m_tokens,
        cast(output_usd_per_1m_tokens as {{ price_per_million_type() }}) as output_usd_per_1m_tokens,
        cast(cache_read_usd_per_1m_tokens as {{ price_per_million_type() }})
            as cache_read_usd_per_1m_tokens,
        cast(cache_write_usd_per_1m_tokens as {{ price_per_million_type() }})
            as cache_write_usd_per_1m_tokens,

        -- dates
        cast(effective_from as date) as effective_from,
        cast(effective_to as date) as effective_to
    from prices

)

select * from final
