{# The Region prefixes of CUR usage types (USE1, EU, APS3, ...) and the Region each names. #}

with

usage_type_regions as (

    select * from {{ ref('bedrock_usage_type_regions') }}

),

final as (

    select
        upper(trim(usage_type_prefix)) as usage_type_prefix,
        lower(trim(region)) as region,
        source
    from usage_type_regions

)

select * from final
