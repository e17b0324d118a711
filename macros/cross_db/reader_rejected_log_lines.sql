{#
    Lines the log reader itself cannot decode (bytes that are not UTF-8, a line over the reader's
    maximum size) must become quarantine rows too, not stop the run or vanish.

    On DuckDB the source's read_csv keeps going past such a line and records it in two temporary
    tables of the connection (store_rejects: `bedrock_log_line_rejects`, with the file and line
    number, and `bedrock_log_line_reject_scans`). base_bedrock__log_lines empties them before it
    reads (pre-hook) and, after it has written the readable lines, inserts one quarantined row
    per rejected line (post-hook). The row's log_record_id is the object key and line number, so
    a rerun or a later run reading the same file again never inserts it twice.

    DuckDB's reader does not even record a line longer than its buffer (32 MiB), or a file that
    is one such line: those lines vanish from the read. reader_lost_lines_quarantine finds them.

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
        when {{ bedrock_tenant_costs.text_byte_length(column) }} > 16777216 then 'line_too_long'
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
    insert into {{ relation }} ({{ bedrock_tenant_costs.reader_quarantine_columns() }})
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
        {#- the reader keeps only the start of a line over its maximum: its size is not known #}
        case
            when error_type <> 'LINE SIZE OVER MAXIMUM' then strlen(csv_line)
        end as line_bytes,
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
        {{ bedrock_tenant_costs.log_line_times() }}
    from located
    where not exists (
        select 1
        from {{ relation }} as existing
        where existing.log_record_id = located.log_record_id
    )
    {%- endif %}
{% endmacro %}

{#
    Lines DuckDB's log reader lost without a trace (longer than its 32 MiB buffer), quarantined as
    line_too_long. A second reader that has no line limit, read_json_objects, counts the lines of
    each file this run read (invalid lines included, as null objects; blank lines not); where it
    counts more than the table holds for the file (its rows plus the reader's rejects), the
    difference are lost lines. The n-th lost line of a file takes the size of the file's n-th
    largest JSON object over 16 MiB (lost lines are the longest), or none (null) when there is no
    such object: a lost line that is not JSON (Bedrock writes nothing else) has no known size.

    Only files of at least 8 KiB compressed are counted again: gzip compresses at most about
    1,032:1, so a smaller file cannot hold a line of 16 MiB (measured: 40 MiB of one character
    compress to 40,801 bytes). Limits: a file whose lone carriage returns split lines for DuckDB
    (not for JSON) can hide as many lost lines as it has such returns; a line over
    read_json_objects' maximum_object_size (64 MiB) stops the run with DuckDB's error, which names
    the file. That size bounds the reader's buffers (DuckDB allocates about twice it per file
    read): at 2 GiB a full build failed at memory_limit 2GB (make bench, 2M invocations).
#}
{% macro reader_lost_lines_quarantine(relation) %}
    {{ return(adapter.dispatch('reader_lost_lines_quarantine', 'bedrock_tenant_costs')(relation)) }}
{% endmacro %}

{% macro default__reader_lost_lines_quarantine(relation) %}{% endmacro %}

{% macro duckdb__reader_lost_lines_quarantine(relation) %}
    {%- set path_pattern = bedrock_tenant_costs.log_path_pattern() -%}
    {%- set files = [] -%}
    {%- if execute and run_query(
        "select count(*) from duckdb_tables() where database_name = 'temp'"
        ~ " and table_name = 'bedrock_log_files_read'"
    ).columns[0].values()[0] == 1 -%}
        {%- for file in run_query(
            "select source_file from temp.main.bedrock_log_files_read"
            ~ " where compressed_bytes >= 8192 order by 1"
        ).columns[0].values() -%}
            {%- do files.append(bedrock_tenant_costs.sql_string_literal(
                bedrock_tenant_costs.duckdb_glob_escape(file)
            )) -%}
        {%- endfor -%}
    {%- endif -%}
    {%- if files %}
    insert into {{ relation }} ({{ bedrock_tenant_costs.reader_quarantine_columns() }})
    with

    objects as (

        select
            filename as source_file,
            json::varchar as object_text
        from read_json_objects(
            [{{ files | join(', ') }}],
            format = 'newline_delimited', ignore_errors = true,
            maximum_object_size = 67108864, filename = true
        )

    ),

    counted as (

        select
            source_file,
            count(*) as counted_lines
        from objects
        group by source_file

    ),

    held as (

        select
            source_file,
            count(*) as held_lines
        from {{ relation }}
        where source_file in (select source_file from counted)
        group by source_file

    ),

    lost_counts as (

        select
            counted.source_file,
            counted.counted_lines - coalesce(held.held_lines, 0) as lost_lines
        from counted
        left join held
            on counted.source_file = held.source_file
        where counted.counted_lines > coalesce(held.held_lines, 0)

    ),

    lost_slots as (

        select
            source_file,
            unnest(range(1, lost_lines + 1)) as slot
        from lost_counts

    ),

    {#- the lost lines are the longest: over 16 MiB, as the reader counts them -#}
    long_objects as (

        select
            source_file,
            object_text,
            row_number() over (
                partition by source_file order by strlen(object_text) desc
            ) as size_rank
        from objects
        where strlen(object_text) > 16777216

    ),

    lost as (

        select
            lost_slots.source_file,
            lost_slots.slot,
            long_objects.object_text,
            {%- for part in ['account_id', 'region', 'year', 'month', 'day', 'hour'] %}
            regexp_extract(lost_slots.source_file, '{{ path_pattern }}', {{ loop.index }})
                as path_{{ part }},
            {%- endfor %}
            {{ bedrock_tenant_costs.hash_text(
                "regexp_extract(lost_slots.source_file, '(AWSLogs/.*)$', 1)"
                ~ " || '|lost line ' || cast(lost_slots.slot as varchar)"
            ) }} as log_record_id
        from lost_slots
        left join long_objects
            on
                lost_slots.source_file = long_objects.source_file
                and lost_slots.slot = long_objects.size_rank

    )

    select
        log_record_id,
        source_file,
        coalesce({{ bedrock_tenant_costs.hash_text('object_text') }}, log_record_id) as line_hash,
        strlen(object_text) as line_bytes,
        path_account_id,
        path_region,
        path_year,
        path_month,
        path_day,
        path_hour,
        'line_too_long' as quarantine_reason,
        {{ bedrock_tenant_costs.quarantine_preview('object_text') }} as raw_line_preview,
        {{ bedrock_tenant_costs.log_line_times() }}
    from lost
    where not exists (
        select 1
        from {{ relation }} as existing
        where existing.log_record_id = lost.log_record_id
    )
    {%- endif %}
{% endmacro %}

{#- The columns a reader hook fills in a quarantine row of the base table, in insert order. -#}
{% macro reader_quarantine_columns() -%}
    log_record_id, source_file, line_hash, line_bytes, path_account_id, path_region,
        path_year, path_month, path_day, path_hour, quarantine_reason, raw_line_preview,
        delivered_hour_at, log_date, loaded_at
{%- endmacro %}

{#- The last columns of every base row, parsed or quarantined: the delivery hour and day from the
    path parts path_year .. path_hour, and the load time. -#}
{% macro log_line_times() %}
        try_cast(
            path_year || '-' || path_month || '-' || path_day || ' ' || path_hour || ':00:00'
            as {{ bedrock_tenant_costs.timestamp_type() }}
        ) as delivered_hour_at,
        try_cast(path_year || '-' || path_month || '-' || path_day as date) as log_date,
        {{ bedrock_tenant_costs.run_started_at_timestamp() }} as loaded_at
{%- endmacro %}
