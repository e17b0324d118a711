{#
    One row per non-blank raw line of the Bedrock logs, parsed once.

    Every field the pipeline needs is pulled out of the JSON in a single multi-path extraction,
    so no later model or test touches the raw files again. Each line gets a quarantine_reason
    (null for a valid invocation record); lines the reader cannot decode at all get theirs from
    the post-hook (see reader_rejects_quarantine). Prompt and response bodies are never selected: only the
    few body fields that carry facts (latency, the 1-hour share of cache writes, the service tier)
    are extracted, and the preview of a quarantined line stops before the first body key and
    before requestMetadata.

    requestMetadata is stored only as JSON object text, and with var hashed_tag_keys set the value
    of each of those keys (matched trimmed and case-insensitively) is replaced there, before the
    table stores it, by 'sha256:' + SHA-256(salt + value). The salt is read by the engine at run
    time (tag_hash_salt_query), so it is in no SQL text; the raw requestMetadata text is not kept.
#}

{{ config(**bedrock_incremental_config('append_files', partition_by='log_date')) }}

{#- lines the reader cannot decode (not UTF-8, too long) are quarantined by these hooks -#}
{{ config(
    pre_hook="{{ bedrock_tenant_costs.reader_rejects_reset() }}",
    post_hook=[
        "{{ bedrock_tenant_costs.reader_rejects_quarantine(this) }}",
        "{{ bedrock_tenant_costs.reader_lost_lines_quarantine(this) }}",
    ],
) }}

{#- the delivery hours to read: all of them, the lookback window of an incremental run, or the
    backfill days (also on a first build: a history built in chunks) -#}
{% set window = log_read_window() %}
{#- one database, one log root: stop before reading another folder into the same marts -#}
{% if is_incremental() %}{% do assert_one_log_root(this, window) %}{% endif %}

{%- set fields = [
    ('schema_type', 'schemaType'),
    ('schema_version', 'schemaVersion'),
    ('timestamp_text', 'timestamp'),
    ('account_id', 'accountId'),
    ('region', 'region'),
    ('request_id', 'requestId'),
    ('identity_arn', 'identity.arn'),
    ('operation', 'operation'),
    ('model_id', 'modelId'),
    ('inference_region', 'inferenceRegion'),
    ('error_code', 'errorCode'),
    ('request_metadata_text', 'requestMetadata'),
    ('input_tokens_text', 'input.inputTokenCount'),
    ('cache_read_input_tokens_text', 'input.cacheReadInputTokenCount'),
    ('cache_write_input_tokens_text', 'input.cacheWriteInputTokenCount'),
    ('output_tokens_text', 'output.outputTokenCount'),
    ('converse_latency_ms_text', 'output.outputBodyJson.metrics.latencyMs'),
    ('stream_latency_ms_text',
        'output.outputBodyJson[#-1]."amazon-bedrock-invocationMetrics".invocationLatency'),
    ('stream_first_byte_latency_ms_text',
        'output.outputBodyJson[#-1]."amazon-bedrock-invocationMetrics".firstByteLatency'),
    ('native_cache_write_1h_tokens_text',
        'output.outputBodyJson.usage.cache_creation.ephemeral_1h_input_tokens'),
    ('stream_cache_write_1h_tokens_text',
        'output.outputBodyJson[0].message.usage.cache_creation.ephemeral_1h_input_tokens'),
    ('converse_cache_detail_1_ttl', 'output.outputBodyJson.usage.cacheDetails[0].ttl'),
    ('converse_cache_detail_1_tokens_text',
        'output.outputBodyJson.usage.cacheDetails[0].inputTokens'),
    ('converse_cache_detail_2_ttl', 'output.outputBodyJson.usage.cacheDetails[1].ttl'),
    ('converse_cache_detail_2_tokens_text',
        'output.outputBodyJson.usage.cacheDetails[1].inputTokens'),
    ('output_service_tier', 'output.outputBodyJson.serviceTier.type'),
    ('input_service_tier', 'input.inputBodyJson.serviceTier.type'),
] -%}
{%- set paths = [] -%}
{%- for name, path in fields -%}{%- do paths.append('$.' ~ path) -%}{%- endfor -%}
{%- set token_fields = [
    'input_tokens_text',
    'output_tokens_text',
    'cache_read_input_tokens_text',
    'cache_write_input_tokens_text',
] -%}
{%- set path_pattern = log_path_pattern() -%}
{%- set hashed_keys = bedrock_tenant_costs.hashed_tag_keys() -%}

with

raw_lines as (

    select
        line as raw_line,
        {{ log_line_source_file() }} as source_file
    from {{ raw_log_lines_relation(
        source('bedrock', 'invocation_logs_raw'),
        window,
        this if is_incremental() else none,
        record_files=true,
    ) }}
    where {{ raw_log_window_filter(window) }}

),

loaded_files as (

    {# a log file is immutable once delivered: skip the files this table already holds #}
    {% if is_incremental() -%}
    select distinct source_file
    from {{ this }}
    where {{ timestamp_in_window('delivered_hour_at', window) }}
    {%- else -%}
    select cast(null as varchar) as source_file
    where 1 = 0
    {%- endif %}

),

non_blank_lines as (

    select *
    from raw_lines
    where not {{ is_blank_text('raw_line') }}

),

new_lines as (

    select non_blank_lines.*
    from non_blank_lines
    left join loaded_files
        on non_blank_lines.source_file = loaded_files.source_file
    where loaded_files.source_file is null

),

classified as (

    select
        raw_line,
        source_file,
        {{ hash_text('raw_line') }} as line_hash,
        {{ text_byte_length('raw_line') }} as line_bytes,
        {{ line_decoding_problem('raw_line') }} as decoding_problem,
        {{ is_valid_json('raw_line') }} as is_valid_json
    from new_lines

),

classified_objects as (

    select
        *,
        {{ is_json_object('raw_line', is_valid_json='is_valid_json') }} as is_json_object
    from classified

),

extracted as (

    select
        *,
        case
            when is_json_object then {{ json_extract_paths('raw_line', paths) }}
        end as field_values,
        case
            when is_json_object
                then {{ json_object_at('raw_line', '$.requestMetadata') }}
        end as logged_request_metadata_json,
        case
            when is_json_object
                then {{ json_object_repeats_a_key('raw_line', '$.requestMetadata') }}
        end as has_repeated_metadata_key
    from classified_objects

),
{% if hashed_keys %}

tag_hash_salt as (

    {{ bedrock_tenant_costs.tag_hash_salt_query() }}

),
{% endif %}

protected as (

    select
        extracted.*,
        {%- if hashed_keys %}
        {{ bedrock_tenant_costs.json_object_with_hashed_values(
            'extracted.logged_request_metadata_json', hashed_keys, 'tag_hash_salt.tag_hash_salt'
        ) }} as request_metadata_json
        {%- else %}
        extracted.logged_request_metadata_json as request_metadata_json
        {%- endif %}
    from extracted
    {%- if hashed_keys %}
    cross join tag_hash_salt
    {%- endif %}

),

renamed as (

    select
        -- files and lines
        raw_line,
        source_file,
        line_hash,
        line_bytes,
        {%- for part in ['account_id', 'region', 'year', 'month', 'day', 'hour'] %}
        regexp_extract(source_file, '{{ path_pattern }}', {{ loop.index }}) as path_{{ part }},
        {%- endfor %}
        -- record fields as logged (text), in the order of `fields`
        {%- for name, path in fields %}
        field_values[{{ loop.index }}] as {{ name }},
        {%- endfor %}
        request_metadata_json,
        has_repeated_metadata_key,
        decoding_problem,
        is_valid_json,
        is_json_object
    from protected

),

timestamped as (

    select
        *,
        {{ parse_iso8601_utc('timestamp_text') }} as invoked_at
    from renamed

),

validated as (

    select
        *,
        case
            when decoding_problem is not null then decoding_problem
            when not is_valid_json then 'invalid_json'
            when not is_json_object then 'not_a_json_object'
            when schema_type is not null and schema_type <> 'ModelInvocationLog'
                then 'unexpected_schema_type'
            when request_id is null or trim(request_id) = '' then 'missing_request_id'
            when timestamp_text is null then 'missing_timestamp'
            when invoked_at is null then 'invalid_timestamp'
            when model_id is null or trim(model_id) = '' then 'missing_model_id'
            {%- for name in token_fields %}
            when not {{ regex_full_match("coalesce(" ~ name ~ ", '0')", '[0-9]{1,15}') }}
                then 'invalid_token_count'
            {%- endfor %}
        end as quarantine_reason
    from timestamped

),

previewed as (

    select
        *,
        case
            when quarantine_reason is not null then {{ quarantine_preview('raw_line') }}
        end as raw_line_preview
    from validated

),

final as (

    select
        {#- the object key from AWSLogs/ on: the same on disk and on S3, wherever the logs live #}
        {{ hash_text("regexp_extract(source_file, '(AWSLogs/.*)$', 1) || '|' || line_hash") }}
            as log_record_id,
        source_file,
        line_hash,
        line_bytes,
        path_account_id,
        path_region,
        path_year,
        path_month,
        path_day,
        path_hour,
        quarantine_reason,
        raw_line_preview,
        {%- for name, path in fields if name != 'request_metadata_text' %}
        {{ name }},
        {%- endfor %}
        {#- the field's text is raw tags: only whether it is there is kept #}
        request_metadata_text is not null as has_request_metadata_field,
        request_metadata_json,
        has_repeated_metadata_key,
        invoked_at,
        {{ log_line_times() }}
    from previewed

)

select * from final
