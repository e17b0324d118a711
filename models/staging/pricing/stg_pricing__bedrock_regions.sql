{# The Regions the price catalog knows, with the partition and geography a price row may name. #}

with

regions as (

    select * from {{ ref('bedrock_regions') }}

),

final as (

    select
        lower(trim(region)) as region,
        lower(trim(aws_partition)) as aws_partition,
        lower(trim(region_group)) as region_group,
        source
    from regions

)

select * from final
