{#
    One row per UTC day, tenant, tag key and tag value, with the same measures as
    fct_tenant_daily_usage: cost by department, cost centre, environment or any other tag.

    Tag keys are lower-cased (costCenter and CostCenter are one key). For every key seen on a
    tenant's day, that day's invocations without the key are counted under tag_value null, so each
    key partitions the tenant's day completely: summing any one key's rows gives the tenant's day
    total. Summing across different keys counts invocations more than once.

    The cost is linear in the tags logged, whatever the tags: the tagged rows aggregate the
    (request, key) pairs, and a key's null row is the tenant's day minus that key's tagged rows.
    Joining every key to every call of the day instead would grow with the square of the calls
    when a tenant sends keys nobody else uses. A percentile cannot be subtracted, so the null row
    has no latency percentiles (its mean latency is exact).

    Incremental like fct_tenant_daily_usage: days touched inside the window are recomputed whole.
#}

{{ config(**bedrock_incremental_config(
    'replace_days', partition_by='usage_date', unique_key='tenant_daily_tag_usage_id'
)) }}

{% set window = incremental_window('last_delivered_hour_at') %}

{#- measures that add up, so that a key's null row can be found by subtraction -#}
{% set additive_measures = [
    'invocation_count', 'error_count', 'input_tokens', 'output_tokens', 'cache_read_input_tokens',
    'cache_write_input_tokens', 'total_tokens', 'input_cost_usd', 'output_cost_usd',
    'cache_read_cost_usd', 'cache_write_cost_usd', 'total_cost_usd', 'estimated_cost_usd',
    'cache_read_savings_usd', 'unpriced_invocation_count', 'latency_sample_count', 'latency_ms_sum',
] %}

with

fct_bedrock_invocations as (

    select * from {{ ref('fct_bedrock_invocations') }}

),

-- the invocations of every UTC day this run recomputes whole (all of them on a full build)
invocations as (

    select *
    from fct_bedrock_invocations
    where {{ on_recomputed_days('fct_bedrock_invocations', window) }}

),

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
    where {{ on_recomputed_days('fct_bedrock_invocations', window, 'request_metadata.usage_date') }}
    group by request_metadata.request_id, request_metadata.metadata_key_normalized

),

tagged_invocations as (

    {#- one row per invocation and key it carries -#}
    select
        invocation_tags.tag_key,
        invocation_tags.tag_value,
        invocations.*
    from invocations
    inner join invocation_tags
        on invocations.request_id = invocation_tags.request_id

),

tagged_daily as (

    select
        usage_date,
        tenant_id,
        tag_key,
        tag_value,
        tag_value is not null as is_tag_set,
        {{ bedrock_usage_measures() }},
        sum(latency_ms) as latency_ms_sum,
        max(last_delivered_hour_at) as last_delivered_hour_at
    from tagged_invocations
    group by usage_date, tenant_id, tag_key, tag_value

),

tagged_key_totals as (

    {#- every key seen on the tenant's day, with the totals of its rows that have a value -#}
    select
        {%- for measure in additive_measures %}
        sum(case when is_tag_set then {{ measure }} end) as {{ measure }},
        {%- endfor %}
        usage_date,
        tenant_id,
        tag_key
    from tagged_daily
    group by usage_date, tenant_id, tag_key

),

tenant_daily as (

    select
        usage_date,
        tenant_id,
        {{ bedrock_usage_measures() }},
        sum(latency_ms) as latency_ms_sum,
        max(last_delivered_hour_at) as last_delivered_hour_at
    from invocations
    group by usage_date, tenant_id

),

untagged_daily as (

    {#- per key seen on the tenant's day: the day's invocations without a value for the key -#}
    select
        tenant_daily.usage_date,
        tenant_daily.tenant_id,
        tagged_key_totals.tag_key,
        cast(null as varchar) as tag_value,
        false as is_tag_set,
        {%- for measure in additive_measures %}
        tenant_daily.{{ measure }} - coalesce(tagged_key_totals.{{ measure }}, 0) as {{ measure }},
        {%- endfor %}
        tenant_daily.last_delivered_hour_at
    from tagged_key_totals
    inner join tenant_daily
        on
            tagged_key_totals.usage_date = tenant_daily.usage_date
            and tagged_key_totals.tenant_id = tenant_daily.tenant_id
    where tenant_daily.invocation_count > coalesce(tagged_key_totals.invocation_count, 0)

),

daily as (

    select
        usage_date,
        tenant_id,
        tag_key,
        tag_value,
        is_tag_set,
        {%- for measure in additive_measures if measure != 'latency_ms_sum' %}
        {{ measure }},
        {%- endfor %}
        avg_latency_ms,
        p50_latency_ms,
        p95_latency_ms,
        p99_latency_ms,
        last_delivered_hour_at
    from tagged_daily
    where is_tag_set

    union all

    select
        usage_date,
        tenant_id,
        tag_key,
        tag_value,
        is_tag_set,
        {%- for measure in additive_measures if measure != 'latency_ms_sum' %}
        {{ measure }},
        {%- endfor %}
        case
            when latency_sample_count > 0
                then cast(latency_ms_sum as double) / latency_sample_count
        end as avg_latency_ms,
        cast(null as double) as p50_latency_ms,
        cast(null as double) as p95_latency_ms,
        cast(null as double) as p99_latency_ms,
        last_delivered_hour_at
    from untagged_daily

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
