{#
    One row per UTC day, tenant, tag key and tag value, with the same measures as
    fct_tenant_daily_usage: cost by department, cost centre, environment or any other tag.

    Tag keys are lower-cased (costCenter and CostCenter are one key). For every key seen on a
    tenant's day, that day's invocations without the key are counted under tag_value null, so each
    key partitions the tenant's day completely: summing any one key's rows gives the tenant's day
    total. Summing across different keys counts invocations more than once.

    Incremental like fct_tenant_daily_usage: days touched inside the window are recomputed whole.
#}

{{ config(**bedrock_incremental_config(
    'replace_days', partition_by='usage_date', unique_key='tenant_daily_tag_usage_id'
)) }}

{% set window = incremental_window('last_delivered_hour_at') %}

with

{{ invocations_of_recomputed_days(window) }}

request_metadata as (

    select * from {{ ref('int_bedrock__request_metadata_deduplicated') }}

),

invocation_tags as (

    {#- one value per request and normalised key: the smallest, if a record repeats a key in other case -#}
    select
        request_metadata.request_id,
        request_metadata.metadata_key_normalized as tag_key,
        min(request_metadata.metadata_value) as tag_value
    from request_metadata
    {%- if window is not none %}
    inner join days_in_window
        on request_metadata.usage_date = days_in_window.usage_date
    {%- endif %}
    group by request_metadata.request_id, request_metadata.metadata_key_normalized

),

tenant_day_tag_keys as (

    select distinct
        invocations.usage_date,
        invocations.tenant_id,
        invocation_tags.tag_key
    from invocations
    inner join invocation_tags
        on invocations.request_id = invocation_tags.request_id

),

invocations_by_tag as (

    select
        tenant_day_tag_keys.tag_key,
        invocation_tags.tag_value,
        invocations.*
    from invocations
    inner join tenant_day_tag_keys
        on
            invocations.usage_date = tenant_day_tag_keys.usage_date
            and invocations.tenant_id = tenant_day_tag_keys.tenant_id
    left join invocation_tags
        on
            invocations.request_id = invocation_tags.request_id
            and tenant_day_tag_keys.tag_key = invocation_tags.tag_key

),

daily as (

    select
        usage_date,
        tenant_id,
        tag_key,
        tag_value,
        tag_value is not null as is_tag_set,
        {{ bedrock_usage_measures() }},
        max(last_delivered_hour_at) as last_delivered_hour_at
    from invocations_by_tag
    group by usage_date, tenant_id, tag_key, tag_value

),

final as (

    select
        {{ hash_text(
            "cast(usage_date as varchar) || '|' || tenant_id || '|' || tag_key || '|' "
            ~ "|| coalesce(tag_value, '') || '|' || cast(tag_value is null as varchar)"
        ) }} as tenant_daily_tag_usage_id,
        *
    from daily

)


select
    {{ columns_cast_to_contract() }}
from final
