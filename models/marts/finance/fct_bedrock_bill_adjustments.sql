{#
    The bill's Bedrock lines that are not usage: credits, refunds, taxes, fees and discounts,
    one row per billing period, usage account, line item type and product. Kept apart from the
    reconciliation (which compares usage with usage) so that the invoice total is explained.
#}

with

bill_lines as (

    select * from {{ ref('int_bedrock_cur__usage_lines_resolved') }}

),

adjustments as (

    select *
    from bill_lines
    where mapping_status = 'adjustment'

),

final as (

    select
        {{ hash_text(bill_bucket_key([
            'billing_period', 'usage_account_id', 'line_item_type', 'product_code', 'product_name',
        ])) }} as bill_adjustment_id,
        usage_account_id,
        line_item_type,
        product_code,
        product_name,
        count(*) as line_count,
        cast(sum(unblended_cost_usd) as {{ money_type() }}) as unblended_cost_usd,
        cast(sum(net_unblended_cost_usd) as {{ money_type() }}) as net_unblended_cost_usd,
        billing_period
    from adjustments
    group by billing_period, usage_account_id, line_item_type, product_code, product_name

)

select
    {{ columns_cast_to_contract() }}
from final
