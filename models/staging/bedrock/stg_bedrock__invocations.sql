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
        source_file,
        line_hash,

        -- numerics
        cast(coalesce(input_tokens_text, '0') as bigint) as input_tokens,
        cast(coalesce(output_tokens_text, '0') as bigint) as output_tokens,
        cast(coalesce(cache_read_input_tokens_text, '0') as bigint)
            as cache_read_input_tokens,
        cast(coalesce(cache_write_input_tokens_text, '0') as bigint)
            as cache_write_input_tokens,
        {#- the 1-hour share of cache writes is only in bodies, spelled per operation #}
        case
            when operation = 'InvokeModel'
                then try_cast(native_cache_write_1h_tokens_text as bigint)
            when operation = 'InvokeModelWithResponseStream'
                then try_cast(stream_cache_write_1h_tokens_text as bigint)
            when
                operation in ('Converse', 'ConverseStream')
                and converse_cache_detail_1_ttl is not null
                then coalesce(
                    case
                        when converse_cache_detail_1_ttl = '1h'
                            then try_cast(converse_cache_detail_1_tokens_text as bigint)
                    end,
                    case
                        when converse_cache_detail_2_ttl = '1h'
                            then try_cast(converse_cache_detail_2_tokens_text as bigint)
                    end,
                    0
                )
        end as body_cache_write_1h_input_tokens,
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
        {#- `default` is what Converse calls the standard tier #}
        coalesce(
            nullif(lower(coalesce(output_service_tier, input_service_tier)), 'default'),
            'standard'
        ) as service_tier,
        coalesce(output_service_tier, input_service_tier) is not null as is_service_tier_logged,
        {#- the tags themselves are in stg_bedrock__request_metadata, not carried here #}
        has_request_metadata_field,
        has_request_metadata_field and request_metadata_json is null
            as has_malformed_request_metadata,
        coalesce(has_repeated_metadata_key, false) as has_repeated_metadata_key,

        -- timestamps
        invoked_at,
        delivered_hour_at
    from log_lines

),

derived as (

    select
        *,
        error_code is not null as is_error,
        cast(invoked_at as date) as usage_date,
        {#- bodies off or offloaded: the split is unknown; all writes count at the 5-minute rate #}
        cache_write_input_tokens = 0 or body_cache_write_1h_input_tokens is not null
            as is_cache_write_split_known,
        case
            when cache_write_input_tokens = 0 then 0
            else least(coalesce(body_cache_write_1h_input_tokens, 0), cache_write_input_tokens)
        end as cache_write_1h_input_tokens
    from typed

),

final as (

    select
        *,
        cache_write_input_tokens - cache_write_1h_input_tokens as cache_write_5m_input_tokens
    from derived

)

select * from final
