{#
    Warns while any Bedrock line of the bill could not be reconciled (dq_unmapped_bill_lines):
    its reason, usage type, product and cost are the rows returned.
#}

{{ config(severity='warn') }}

with

unmapped as (

    select * from {{ ref('dq_unmapped_bill_lines') }}

)

select
    billing_period,
    mapping_status,
    usage_type,
    product_name,
    line_count,
    billed_cost_usd
from unmapped
