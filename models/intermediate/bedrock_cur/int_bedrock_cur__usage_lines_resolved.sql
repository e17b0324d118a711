{#
    Every Bedrock line of the bill with the Region, model and token count it bills, and whether
    it could be mapped to the invocation logs' terms (mapping_status):
      mapped                 a usage line with a known Region prefix, model and unit;
      adjustment             a credit, refund, tax, fee or discount line (kept, shown apart);
      unreadable_line        a usage date, amount or cost that is not a timestamp or number;
      unparsed_usage_type    a usage type of no known family (images, video, a new shape);
      unknown_region         a Region prefix missing from seed bedrock_usage_type_regions;
      unknown_model          a model that neither the resource id nor seed
                             bedrock_price_list_models names;
      unknown_pricing_unit   a pricing_unit whose size in tokens is not known.
    The model comes from the foundation-model ARN of the resource id when there is one, else from
    the usage type's model name (without the -mantle of bedrock-mantle usage types), else from
    the Marketplace product name, both matched in compact form (compact_model_name) against seed
    bedrock_price_list_models and the model ids themselves.
#}

with

line_items as (

    select * from {{ ref('stg_bedrock_cur__line_items') }}

),

usage_type_regions as (

    select * from {{ ref('stg_pricing__bedrock_usage_type_regions') }}

),

model_names as (

    select * from {{ ref('stg_pricing__bedrock_price_list_models') }}

),

resolved as (

    select
        line_items.*,
        usage_type_regions.region,
        coalesce(
            lower(line_items.resource_model_id),
            usage_type_names.model_id,
            product_names.model_id
        ) as model_id,
        line_items.billing_model_name like '%-mantle' as is_mantle_endpoint
    from line_items
    left join usage_type_regions
        on line_items.usage_type_region_prefix = usage_type_regions.usage_type_prefix
    left join model_names as usage_type_names
        on
            {{ compact_model_name(
                "regexp_replace(line_items.billing_model_name, '-mantle$', '')"
            ) }} = usage_type_names.model_name_compact
    left join model_names as product_names
        on {{ compact_model_name('line_items.product_model_name') }} = product_names.model_name_compact

),

final as (

    select
        -- strings
        usage_account_id,
        region,
        model_id,
        token_class,
        routing_scope,
        service_tier,
        context_tier,
        case
            when not is_readable then 'unreadable_line'
            when line_kind = 'adjustment' then 'adjustment'
            when usage_type_family is null then 'unparsed_usage_type'
            when region is null then 'unknown_region'
            when model_id is null then 'unknown_model'
            when tokens_per_unit is null then 'unknown_pricing_unit'
            else 'mapped'
        end as mapping_status,
        usage_type,
        billing_model_name,
        line_item_type,
        product_code,
        product_name,
        pricing_unit,
        iam_principal,

        -- numbers
        usage_amount,
        cast(usage_amount * tokens_per_unit as decimal(38, 6)) as billed_tokens,
        unblended_cost_usd as billed_cost_usd,
        unblended_cost_usd,
        net_unblended_cost_usd,

        -- booleans
        is_mantle_endpoint,

        -- dates
        billing_period,
        usage_date
    from resolved

)

select * from final
