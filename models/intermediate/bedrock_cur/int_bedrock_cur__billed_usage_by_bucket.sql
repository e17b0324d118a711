{#
    The bill's mapped usage lines summed to the reconciliation bucket: usage day (UTC), usage
    account, source Region, model, token class, routing scope, service tier and context tier.
    Lines that could not be mapped are not here but in dq_unmapped_bill_lines; adjustments
    (credits, refunds, taxes, discounts) are in fct_bedrock_bill_adjustments.
#}

with

bill_lines as (

    select * from {{ ref('int_bedrock_cur__usage_lines_resolved') }}

),

mapped_usage as (

    select *
    from bill_lines
    where mapping_status = 'mapped'

),

final as (

    select
        {{ bill_bucket_columns() | join(',\n        ') }},
        billing_period,
        count(*) as billed_line_count,
        cast(sum(billed_tokens) as decimal(38, 6)) as billed_tokens,
        cast(sum(billed_cost_usd) as {{ money_type() }}) as billed_cost_usd
    from mapped_usage
    group by {{ bill_bucket_columns() | join(', ') }}, billing_period

)

select * from final
