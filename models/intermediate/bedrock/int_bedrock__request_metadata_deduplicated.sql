{#
    The requestMetadata key/values of the delivery kept for each request id (one row per key).

    A table, kept incrementally: a run recomputes the keys of every request whose de-duplicated
    row it touched (a delivery or, for a backfill, an invocation inside the window) and replaces
    all of those requests' rows, so the tag marts, dim_tenants and the data-quality marts join a
    table instead of re-deriving every request's tags on every run.
#}

{{ config(**bedrock_incremental_config(
    'replace_keys', partition_by='usage_date', unique_key='request_id', row_key='request_metadata_id'
)) }}

{% set window = incremental_window('last_delivered_hour_at') %}

with

request_metadata as (

    select * from {{ ref('stg_bedrock__request_metadata') }}

),

kept_deliveries as (

    select
        request_id,
        log_record_id,
        usage_date,
        last_delivered_hour_at
    from {{ ref('int_bedrock__invocations_deduplicated') }}
    {%- if window is not none %}
    where {{ touched_by_window(window) }}
    {%- endif %}

),

kept_metadata as (

    select distinct
        request_metadata.request_id,
        request_metadata.metadata_key,
        request_metadata.metadata_key_normalized,
        request_metadata.metadata_value,
        request_metadata.is_in_spec,
        kept_deliveries.usage_date,
        kept_deliveries.last_delivered_hour_at
    from request_metadata
    inner join kept_deliveries
        on
            request_metadata.log_record_id = kept_deliveries.log_record_id
            and request_metadata.request_id = kept_deliveries.request_id

),

final as (

    select
        {{ hash_text("request_id || '|' || metadata_key") }} as request_metadata_id,
        *
    from kept_metadata

)

select * from final
