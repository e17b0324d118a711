{#
    One row per valid invocation record as logged, typed. A record delivered twice appears twice
    here (de-duplication is intermediate work). Latency comes from wherever the operation records
    it: Converse and ConverseStream in outputBodyJson.metrics.latencyMs, streaming InvokeModel in
    the last event's amazon-bedrock-invocationMetrics; InvokeModel logs none.
#}

with

log_lines as (

    select *
    from {{ ref('base_bedrock__log_lines') }}
    where quarantine_reason is null

),

typed as (

    select
        -- ids
        request_id,
        log_record_id,

        -- strings
        coalesce(nullif(account_id, ''), path_account_id) as account_id,
        coalesce(nullif(region, ''), path_region) as region,
        nullif(inference_region, '') as inference_region,
        identity_arn,
        operation,
        model_id as logged_model_id,
        nullif(trim(error_code), '') as error_code,
        schema_version,
        request_metadata_json,
        source_file,
        line_hash,

        -- numerics
        cast(coalesce(input_tokens_text, '0') as bigint) as input_tokens,
        cast(coalesce(output_tokens_text, '0') as bigint) as output_tokens,
        cast(coalesce(cache_read_input_tokens_text, '0') as bigint)
            as cache_read_input_tokens,
        cast(coalesce(cache_write_input_tokens_text, '0') as bigint)
            as cache_write_input_tokens,
        case
            when operation in ('Converse', 'ConverseStream')
                then cast(round(try_cast(converse_latency_ms_text as double)) as bigint)
            when operation = 'InvokeModelWithResponseStream'
                then cast(round(try_cast(stream_latency_ms_text as double)) as bigint)
        end as latency_ms,
        case
            when operation = 'InvokeModelWithResponseStream'
                then cast(round(try_cast(stream_first_byte_latency_ms_text as double)) as bigint)
        end as time_to_first_byte_ms,

        -- booleans
        request_metadata_text is not null as has_request_metadata_field,
        request_metadata_text is not null and request_metadata_json is null
            as has_malformed_request_metadata,

        -- timestamps
        invoked_at,
        delivered_hour_at
    from log_lines

),

final as (

    select
        *,
        error_code is not null as is_error,
        cast(invoked_at as date) as usage_date
    from typed

)

select * from final
