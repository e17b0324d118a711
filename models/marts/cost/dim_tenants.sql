{#
    One row per tenant (including `unattributed`): when it was first and last seen, its lifetime
    usage, and the latest value of each of its tags (as a JSON object, keys lower-cased).

    Built from the daily marts, which are small (a row per tenant, day and model or tag value),
    plus one narrow pass over the facts for the first and last invocation times, so rebuilding it
    on every run costs little however long the history. A tag's latest value is the one seen on
    the newest UTC day the tenant used the key (several on that day: the one delivered last).
#}

with

daily_usage as (

    select * from {{ ref('fct_tenant_daily_usage') }}

),

daily_tag_usage as (

    select * from {{ ref('fct_tenant_daily_usage_by_tag') }}

),

invocation_times as (

    select
        tenant_id,
        min(invoked_at) as first_seen_at,
        max(invoked_at) as last_seen_at
    from {{ ref('fct_bedrock_invocations') }}
    group by tenant_id

),

tenant_activity as (

    select
        tenant_id,
        cast(sum(invocation_count) as bigint) as invocation_count,
        cast(sum(total_tokens) as bigint) as total_tokens,
        cast(sum(total_cost_usd) as {{ money_type() }}) as total_cost_usd,
        cast(sum(estimated_cost_usd) as {{ money_type() }}) as estimated_cost_usd,
        cast(sum(unpriced_invocation_count) as bigint) as unpriced_invocation_count,
        count(distinct model_id) as model_count,
        min(usage_date) as first_usage_date,
        max(usage_date) as last_usage_date
    from daily_usage
    group by tenant_id

),

tag_values_ranked as (

    select
        tenant_id,
        tag_key,
        tag_value,
        row_number() over (
            partition by tenant_id, tag_key
            order by usage_date desc, last_delivered_hour_at desc, tag_value desc
        ) as recency_rank
    from daily_tag_usage
    where is_tag_set

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
        tenant_activity.estimated_cost_usd,
        tenant_activity.unpriced_invocation_count,
        tenant_activity.model_count,
        tenant_activity.tenant_id = {{ sql_string_literal(var('unattributed_tenant_id')) }}
            as is_unattributed,
        tenant_activity.first_usage_date,
        tenant_activity.last_usage_date,
        invocation_times.first_seen_at,
        invocation_times.last_seen_at
    from tenant_activity
    left join latest_tags
        on tenant_activity.tenant_id = latest_tags.tenant_id
    left join invocation_times
        on tenant_activity.tenant_id = invocation_times.tenant_id

)


select
    {{ columns_cast_to_contract() }}
from final
