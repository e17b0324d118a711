{#
    The bill's mapped usage lines summed to the reconciliation bucket: usage day (UTC), usage
    account, source Region, model, token class, routing scope, service tier and context tier.
    Lines that could not be mapped are not here but in dq_unmapped_bill_lines; adjustments
    (credits, refunds, taxes, discounts) are in fct_bedrock_bill_adjustments. A model-day whose
    logged cache writes have no known duration split has its two cache-write classes as one,
    cache_write, as on the logged side.
#}

with

bill_lines as (

    select * from {{ ref('int_bedrock_cur__usage_lines_resolved') }}

),

logged_usage as (

    select * from {{ ref('int_bedrock_cur__logged_usage_by_bucket') }}

),

-- the model-days whose logged cache writes are one class (int_bedrock_cur__logged_usage_by_bucket)
cache_write_merged_days as (

    select distinct
        usage_date,
        usage_account_id,
        region,
        model_id
    from logged_usage
    where token_class = 'cache_write'

),

mapped_usage as (

    select
        {%- for column in bill_bucket_columns() %}
        {%- if column == 'token_class' %}
        case
            when
                cache_write_merged_days.usage_date is not null
                and bill_lines.token_class in ('cache_write_5m', 'cache_write_1h')
                then 'cache_write'
            else bill_lines.token_class
        end as token_class,
        {%- else %}
        bill_lines.{{ column }},
        {%- endif %}
        {%- endfor %}
        bill_lines.billing_period,
        bill_lines.billed_tokens,
        bill_lines.billed_cost_usd
    from bill_lines
    left join cache_write_merged_days
        on
            bill_lines.usage_date = cache_write_merged_days.usage_date
            and bill_lines.usage_account_id = cache_write_merged_days.usage_account_id
            and bill_lines.region = cache_write_merged_days.region
            and bill_lines.model_id = cache_write_merged_days.model_id
    where bill_lines.mapping_status = 'mapped'

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
