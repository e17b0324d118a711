{#
    One row per tenant (including `unattributed`): when it was first and last seen, its lifetime
    usage, and the latest value of each of its tags (as a JSON object, keys lower-cased).
#}

with

invocations as (

    select * from {{ ref('fct_bedrock_invocations') }}

),

request_metadata as (

    select * from {{ ref('int_bedrock__request_metadata_deduplicated') }}

),

tenant_activity as (

    select
        tenant_id,
        cast(count(*) as bigint) as invocation_count,
        cast(sum(total_tokens) as bigint) as total_tokens,
        cast(coalesce(sum(total_cost_usd), 0) as {{ money_type() }}) as total_cost_usd,
        cast(sum(case when is_priced then 0 else 1 end) as bigint) as unpriced_invocation_count,
        count(distinct model_id) as model_count,
        min(usage_date) as first_usage_date,
        max(usage_date) as last_usage_date,
        min(invoked_at) as first_seen_at,
        max(invoked_at) as last_seen_at
    from invocations
    group by tenant_id

),

tag_values_ranked as (

    select
        invocations.tenant_id,
        request_metadata.metadata_key_normalized as tag_key,
        request_metadata.metadata_value as tag_value,
        row_number() over (
            partition by invocations.tenant_id, request_metadata.metadata_key_normalized
            order by
                invocations.invoked_at desc,
                invocations.request_id desc,
                request_metadata.metadata_value desc
        ) as recency_rank
    from invocations
    inner join request_metadata
        on invocations.request_id = request_metadata.request_id

),

latest_tags as (

    select
        tenant_id,
        {{ json_object_agg('tag_key', 'tag_value') }} as latest_tags_json
    from tag_values_ranked
    where recency_rank = 1
    group by tenant_id

),

final as (

    select
        tenant_activity.tenant_id,
        latest_tags.latest_tags_json,
        tenant_activity.invocation_count,
        tenant_activity.total_tokens,
        tenant_activity.total_cost_usd,
        tenant_activity.unpriced_invocation_count,
        tenant_activity.model_count,
        tenant_activity.tenant_id = {{ sql_string_literal(var('unattributed_tenant_id')) }}
            as is_unattributed,
        tenant_activity.first_usage_date,
        tenant_activity.last_usage_date,
        tenant_activity.first_seen_at,
        tenant_activity.last_seen_at
    from tenant_activity
    left join latest_tags
        on tenant_activity.tenant_id = latest_tags.tenant_id

)


select
    {{ columns_cast_to_contract() }}
from final
