{# The requestMetadata key/values of the delivery kept for each request id (one row per key). #}

with

request_metadata as (

    select * from {{ ref('stg_bedrock__request_metadata') }}

),

kept_deliveries as (

    select
        request_id,
        log_record_id
    from {{ ref('int_bedrock__invocations_deduplicated') }}

),

kept_metadata as (

    select distinct
        request_metadata.request_id,
        request_metadata.metadata_key,
        request_metadata.metadata_key_normalized,
        request_metadata.metadata_value,
        request_metadata.is_in_spec
    from request_metadata
    inner join kept_deliveries
        on
            request_metadata.log_record_id = kept_deliveries.log_record_id
            and request_metadata.request_id = kept_deliveries.request_id

)

select * from kept_metadata
