{#
    The model names of AWS billing (seed bedrock_price_list_models) and the model ids
    themselves, each in its compact form (compact_model_name), with the model id it names: what
    the bill reconciliation maps a usage type's model name or a Marketplace product name with.
    One row per compact name (pricing sync refuses a seed in which one names two models).
#}

with

price_list_models as (

    select * from {{ ref('bedrock_price_list_models') }}

),

names as (

    select
        trim(price_list_name) as model_name,
        lower(trim(model_id)) as model_id
    from price_list_models

    union all

    select distinct
        lower(trim(model_id)) as model_name,
        lower(trim(model_id)) as model_id
    from price_list_models

),

final as (

    select distinct
        {{ compact_model_name('model_name') }} as model_name_compact,
        model_id
    from names

)

select * from final
