{#
    One row per Bedrock invocation (request id, after de-duplication): who called what, for which
    tenant, how many tokens, how long it took and what it cost. model_id is the resolved base model.

    Incremental: a run recomputes every request with a delivery inside the window (the lookback
    days before the newest delivery hour already loaded, or the backfill days) and replaces those
    rows, so late files, re-deliveries and corrected prices land exactly once.
#}

{{ config(**bedrock_incremental_config('upsert', partition_by='usage_date', unique_key='request_id')) }}

-- depends_on: {{ ref('stg_bedrock__invocations') }}

{% set window = incremental_window('last_delivered_hour_at') %}

with

{% if window is not none %}
deliveries_in_window as (

    select distinct request_id
    from {{ ref('stg_bedrock__invocations') }}
    where {{ touched_by_window(window, 'delivered_hour_at') }}

),

{% endif %}
priced_invocations as (

    select priced.*
    from {{ ref('int_bedrock__invocations_priced') }} as priced
    {%- if window is not none %}
    inner join deliveries_in_window
        on priced.request_id = deliveries_in_window.request_id
    {%- endif %}

),

final as (

    select
        -- ids
        request_id,
        tenant_id,
        price_id,

        -- strings
        tenant_id_key,
        account_id,
        region,
        inference_region,
        identity_arn,
        operation,
        model_id,
        logged_model_id,
        model_id_form,
        routing_scope,
        tenant_attribution_conflict,
        error_code,
        service_tier,
        context_tier,
        pricing_status,
        cost_basis,
        price_region,
        price_routing_scope,
        price_service_tier,
        price_context_tier,
        source_file,

        -- numerics
        input_tokens,
        output_tokens,
        cache_read_input_tokens,
        cache_write_input_tokens,
        cache_write_5m_input_tokens,
        cache_write_1h_input_tokens,
        input_tokens + output_tokens + cache_read_input_tokens + cache_write_input_tokens
            as total_tokens,
        latency_ms,
        time_to_first_byte_ms,
        input_cost_usd,
        output_cost_usd,
        cache_read_cost_usd,
        cache_write_cost_usd,
        total_cost_usd,
        cache_read_savings_usd,
        delivery_count,

        -- booleans
        is_error,
        is_attributed,
        pricing_status = 'priced' or pricing_status = 'no_billable_tokens' as is_priced,
        has_conflicting_deliveries,
        is_cache_write_split_known,

        -- dates
        usage_date,
        price_effective_from,

        -- timestamps
        invoked_at,
        last_delivered_hour_at
    from priced_invocations

)


select
    {{ columns_cast_to_contract() }}
from final
