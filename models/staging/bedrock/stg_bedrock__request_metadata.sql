{#
    requestMetadata unnested: one row per key/value pair of every valid log record. Keys and
    values are untrusted client input: they are carried as data, never used to build SQL.
    The values of the keys in var hashed_tag_keys (e.g. a user id) arrive here already hashed:
    base_bedrock__log_lines replaces them in the JSON before it stores it.

    A table, appended incrementally with the lines of every new load of base_bedrock__log_lines,
    so the JSON is unnested once per line, not once per consumer and run. The lines taken are
    exactly those loaded after the newest load already here (every line while it is empty),
    whatever their delivery hour (a backfill loads old hours), so a run killed in between loses
    nothing. The filter on loaded_at
    prunes by column statistics (DuckDB zone maps, Iceberg file metrics).
#}

{{ config(**bedrock_incremental_config('append_files', partition_by='log_date')) }}

{#- the lines of loads newer than any here; every line while this is empty (max() is null) -#}
{%- set loaded_after_this_table = '(1 = 1)' if not is_incremental() else
    "loaded_at > coalesce((select max(loaded_at) from " ~ this ~ "), cast('1970-01-01 00:00:00' as "
    ~ timestamp_type() ~ "))" -%}

with

log_lines as (

    select
        log_record_id,
        request_id,
        request_metadata_json,
        delivered_hour_at,
        log_date,
        loaded_at
    from {{ ref('base_bedrock__log_lines') }}
    where
        quarantine_reason is null
        and request_metadata_json is not null
        and {{ loaded_after_this_table }}

),

entries as (

    select
        log_lines.log_record_id,
        log_lines.request_id,
        log_lines.delivered_hour_at,
        log_lines.log_date,
        log_lines.loaded_at,
        object_entries.metadata_key,
        object_entries.metadata_value
    from log_lines
    {{ cross_join_json_object_entries('log_lines.request_metadata_json', 'metadata_key', 'metadata_value') }}

),

final as (

    select
        log_record_id,
        request_id,
        metadata_key,
        lower(metadata_key) as metadata_key_normalized,
        {#- Bedrock's documented limits: key 1-256, value 0-256 chars of this class #}
        (
            {{ regex_full_match('metadata_key', '[a-zA-Z0-9\\s:_@$#=/+,.-]{1,256}') }}
            and {{ regex_full_match("coalesce(metadata_value, '')", '[a-zA-Z0-9\\s:_@$#=/+,.-]{0,256}') }}
        ) as is_in_spec,
        metadata_value,
        delivered_hour_at,
        log_date,
        loaded_at
    from entries

)

select * from final
