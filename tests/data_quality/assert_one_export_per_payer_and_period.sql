{#
    One export per payer and billing period: two CUR 2.0 exports of the same payer (a second
    export, or a copy of one, in the folder var bedrock_cur_dir points at) would both be read and
    the bill counted twice. Returns each payer and period that more than one export holds.
#}

with

line_items as (

    select * from {{ ref('stg_bedrock_cur__line_items') }}

)

select
    payer_account_id,
    billing_period,
    count(distinct export_name) as export_count,
    min(export_name) as first_export_name,
    max(export_name) as last_export_name
from line_items
group by payer_account_id, billing_period
having count(distinct export_name) > 1
