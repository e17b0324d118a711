{# Per-model long-context thresholds, one row per model and effective date. #}

with

rules as (

    select * from {{ ref('bedrock_long_context_rules') }}

),

final as (

    select
        -- strings
        lower(trim(model_id)) as model_id,
        source,

        -- numerics
        cast(threshold_input_tokens as bigint) as threshold_input_tokens,

        -- booleans
        cast(threshold_counts_cache_tokens as boolean) as threshold_counts_cache_tokens,

        -- dates
        cast(effective_from as date) as effective_from,
        cast(effective_to as date) as effective_to
    from rules

)

select * from final
