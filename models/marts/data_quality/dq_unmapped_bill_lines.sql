{#
    The Bedrock lines of the bill that the reconciliation could not put into a bucket, summed by
    billing period, usage type, product and reason (mapping_status of
    int_bedrock_cur__usage_lines_resolved), with their cost: never dropped, and named in the
    build's warnings (test assert_bill_lines_mapped). Fix a reason by adding the Region prefix
    or the billing model name to its seed (bedrock_usage_type_regions,
    bedrock_price_list_models); images, video and other usage not billed per token stay here.
#}

with

bill_lines as (

    select * from {{ ref('int_bedrock_cur__usage_lines_resolved') }}

),

unmapped as (

    select *
    from bill_lines
    where mapping_status not in ('mapped', 'adjustment')

),

final as (

    select
        {{ hash_text(bill_bucket_key([
            'billing_period', 'mapping_status', 'usage_type', 'product_name', 'pricing_unit',
        ])) }} as unmapped_bill_line_id,
        mapping_status,
        usage_type,
        product_name,
        pricing_unit,
        min(billing_model_name) as billing_model_name,
        count(*) as line_count,
        cast(sum(usage_amount) as {{ money_type() }}) as usage_amount,
        cast(sum(unblended_cost_usd) as {{ money_type() }}) as billed_cost_usd,
        billing_period
    from unmapped
    group by billing_period, mapping_status, usage_type, product_name, pricing_unit

)

select
    {{ columns_cast_to_contract() }}
from final
