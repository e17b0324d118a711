{#
    Lines the log reader itself cannot decode (bytes that are not UTF-8, a line over the reader's
    maximum size) must become quarantine rows too, not stop the run or vanish.

    On DuckDB the source's read_csv keeps going past such a line and records it in two temporary
    tables of the connection (store_rejects: `bedrock_log_line_rejects`, with the file and line
    number, and `bedrock_log_line_reject_scans`). base_bedrock__log_lines empties them before it
    reads (pre-hook) and, after it has written the readable lines, inserts one quarantined row
    per rejected line (post-hook). The row's log_record_id is the object key and line number, so
    a rerun or a later run reading the same file again never inserts it twice.

    On Athena the text reader neither fails nor skips such a line: it passes the bytes through
    (measured on Trino 476; Athena's own reader is not documented on this). So both hooks are
    empty there, and line_decoding_problem quarantines the same lines for the same reasons in
    the model itself: bytes that are not UTF-8 (`invalid_utf8`) and lines over DuckDB's 16 MiB
    reader limit (`line_too_long`). Athena fails a query on a line over 32 MB (its row limit):
    such a line stops the run, with Athena's error, and cannot be quarantined there.
#}
{#- The quarantine reasons of lines the reader skipped (so they are no rows of the source), as a
    SQL list for `in`: DuckDB's reject list; none on Athena. -#}
{% macro reader_skipped_line_reasons() %}
    {{ return(adapter.dispatch('reader_skipped_line_reasons', 'bedrock_tenant_costs')()) }}
{% endmacro %}

{% macro duckdb__reader_skipped_line_reasons() %}
    {{- return("('invalid_utf8', 'line_too_long', 'unreadable_line')") -}}
{% endmacro %}

{% macro default__reader_skipped_line_reasons() %}
    {{- return("(cast(null as varchar))") -}}
{% endmacro %}

{% macro line_decoding_problem(column) %}
    {{ return(adapter.dispatch('line_decoding_problem', 'bedrock_tenant_costs')(column)) }}
{% endmacro %}

{#- DuckDB's reader has already taken such lines out (see above): nothing to find here -#}
{% macro duckdb__line_decoding_problem(column) %}cast(null as varchar){% endmacro %}

{#- from_utf8 replaces every invalid sequence by U+FFFD, so a line that is not valid UTF-8
    differs from its own round trip -#}
{% macro default__line_decoding_problem(column) %}
    case
        when length(to_utf8({{ column }})) > 16777216 then 'line_too_long'
        when from_utf8(to_utf8({{ column }})) <> {{ column }} then 'invalid_utf8'
    end
{% endmacro %}

{% macro reader_rejects_reset() %}
    {{ return(adapter.dispatch('reader_rejects_reset', 'bedrock_tenant_costs')()) }}
{% endmacro %}

{% macro default__reader_rejects_reset() %}{% endmacro %}

{% macro duckdb__reader_rejects_reset() %}
    drop table if exists temp.main.bedrock_log_line_rejects;
    drop table if exists temp.main.bedrock_log_line_reject_scans;
{% endmacro %}

{% macro reader_rejects_quarantine(relation) %}
    {{ return(adapter.dispatch('reader_rejects_quarantine', 'bedrock_tenant_costs')(relation)) }}
{% endmacro %}

{% macro default__reader_rejects_quarantine(relation) %}{% endmacro %}

{% macro duckdb__reader_rejects_quarantine(relation) %}
    {%- set path_pattern = bedrock_tenant_costs.log_path_pattern() -%}
    {%- set rejects_exist = run_query(
        "select count(*) from duckdb_tables() where database_name = 'temp'"
        ~ " and table_name in ('bedrock_log_line_rejects', 'bedrock_log_line_reject_scans')"
    ).columns[0].values()[0] if execute else 0 -%}
    {%- if rejects_exist == 2 %}
    insert into {{ relation }} (
        log_record_id, source_file, line_hash, path_account_id, path_region, path_year,
        path_month, path_day, path_hour, quarantine_reason, raw_line_preview, delivered_hour_at,
        log_date, loaded_at
    )
    with

    rejected as (

        select
            scans.file_path as source_file,
            errors.line as line_number,
            errors.error_type,
            errors.csv_line
        from temp.main.bedrock_log_line_rejects as errors
        inner join temp.main.bedrock_log_line_reject_scans as scans
            on errors.scan_id = scans.scan_id and errors.file_id = scans.file_id

    ),

    distinct_rejected as (

        select distinct * from rejected

    ),

    located as (

        select
            *,
            {%- for part in ['account_id', 'region', 'year', 'month', 'day', 'hour'] %}
            regexp_extract(source_file, '{{ path_pattern }}', {{ loop.index }}) as path_{{ part }},
            {%- endfor %}
            {{ bedrock_tenant_costs.hash_text(
                "regexp_extract(source_file, '(AWSLogs/.*)$', 1) || '|line ' || cast(line_number as varchar)"
            ) }} as log_record_id
        from distinct_rejected

    )

    select
        log_record_id,
        source_file,
        {{ bedrock_tenant_costs.hash_text('csv_line') }} as line_hash,
        path_account_id,
        path_region,
        path_year,
        path_month,
        path_day,
        path_hour,
        case error_type
            when 'INVALID ENCODING' then 'invalid_utf8'
            when 'LINE SIZE OVER MAXIMUM' then 'line_too_long'
            else 'unreadable_line'
        end as quarantine_reason,
        {{ bedrock_tenant_costs.quarantine_preview('csv_line') }} as raw_line_preview,
        try_cast(
            path_year || '-' || path_month || '-' || path_day || ' ' || path_hour || ':00:00'
            as {{ bedrock_tenant_costs.timestamp_type() }}
        ) as delivered_hour_at,
        try_cast(path_year || '-' || path_month || '-' || path_day as date) as log_date,
        {{ bedrock_tenant_costs.run_started_at_timestamp() }} as loaded_at
    from located
    where not exists (
        select 1
        from {{ relation }} as existing
        where existing.log_record_id = located.log_record_id
    )
    {%- endif %}
{% endmacro %}
