{# The price seed, typed (prices as exact decimals), one row per price key and effective date. #}

{%- set price_columns = price_columns() -%}

with

prices as (

    select * from {{ ref('bedrock_model_prices') }}

),

final as (

    select
        -- ids
        {{ price_row_id() }} as price_id,

        -- strings
        lower(trim(model_id)) as model_id,
        trim(region) as region,
        trim(routing_scope) as routing_scope,
        trim(service_tier) as service_tier,
        trim(context_tier) as context_tier,
        trim(price_unit) as price_unit,
        source,

        -- numerics
        {%- for column in price_columns %}
        cast({{ column }} as {{ price_per_million_type() }}) as {{ column }},
        {%- endfor %}

        -- dates
        cast(effective_from as date) as effective_from,
        cast(effective_to as date) as effective_to
    from prices

)

select * from final
