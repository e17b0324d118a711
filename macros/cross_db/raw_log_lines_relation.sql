{#
    What a model reads the raw lines of a window from: the source, or on DuckDB only the log
    files of the window's hours (minus those `loaded_relation` already holds, when given).
    base_bedrock__log_lines reads its new files this way; the raw-line reconciliation re-reads
    the files of the latest load this way.

    DuckDB reads a glob by opening every file that matches it, and a filter on `filename` prunes
    little: re-reading the lookback days to find one new day of files cost more than the new
    day itself. So an incremental run lists the files of the window's hours (glob, without
    opening them), subtracts those the table already holds, and reads exactly the rest: the
    source's own read_csv(...) with its glob replaced by that list, so the reader options stay
    defined once (in _bedrock__sources.yml). Athena prunes by the log_hour partitions instead,
    and the model's anti-join on source_file keeps either way exact.

    With record_files (base_bedrock__log_lines only), DuckDB also keeps the files this read
    covers, with their compressed sizes, in the connection's temporary table
    bedrock_log_files_read, for the post-hook that finds lines the reader lost
    (reader_lost_lines_quarantine).
#}
{% macro raw_log_lines_relation(logs, window, loaded_relation, record_files=false) %}
    {{ return(adapter.dispatch('raw_log_lines_relation', 'bedrock_tenant_costs')(
        logs, window, loaded_relation, record_files
    )) }}
{% endmacro %}

{% macro default__raw_log_lines_relation(logs, window, loaded_relation, record_files=false) %}
    {{- return(logs) -}}
{% endmacro %}

{% macro duckdb__raw_log_lines_relation(logs, window, loaded_relation, record_files=false) %}
    {%- set reader = logs | string -%}
    {%- if not execute -%}
        {{- return(reader) -}}
    {%- endif -%}
    {%- if window is none -%}
        {#- (a unit test's source is a CTE of fixture rows: no files) -#}
        {%- if record_files and reader.strip().startswith('read_csv(') -%}
            {%- do bedrock_tenant_costs.record_log_files_read(
                bedrock_tenant_costs.sql_string_literal(bedrock_tenant_costs.duckdb_log_glob())
            ) -%}
        {%- endif -%}
        {{- return(reader) -}}
    {%- endif -%}
    {%- set glob_pattern = bedrock_tenant_costs.duckdb_log_glob() -%}
    {%- set hour_of_file = "regexp_extract(file, '/([0-9]{4}/[0-9]{2}/[0-9]{2}/[0-9]{2})/[^/]+$', 1)" -%}
    {%- set files = run_query(
        "select file from glob(" ~ bedrock_tenant_costs.sql_string_literal(glob_pattern) ~ ")"
        ~ " where " ~ hour_of_file ~ " >= '" ~ bedrock_tenant_costs.log_hour_text(window.start) ~ "'"
        ~ (" and " ~ hour_of_file ~ " < '" ~ bedrock_tenant_costs.log_hour_text(window.end) ~ "'"
           if window.end is not none else "")
        ~ (" except select distinct source_file from " ~ loaded_relation
           ~ " where " ~ bedrock_tenant_costs.timestamp_in_window('delivered_hour_at', window)
           if loaded_relation is not none else "")
        ~ " order by 1"
    ).columns[0].values() -%}
    {%- set literals = [] -%}
    {%- for file in files -%}
        {%- do literals.append(bedrock_tenant_costs.sql_string_literal(
            bedrock_tenant_costs.duckdb_glob_escape(file)
        )) -%}
    {%- endfor -%}
    {%- if record_files -%}
        {%- do bedrock_tenant_costs.record_log_files_read(
            '[' ~ literals | join(', ') ~ ']' if literals else none
        ) -%}
    {%- endif -%}
    {%- if files | length == 0 -%}
        {{- return("(select cast(null as varchar) as line, cast(null as varchar) as filename where 1 = 0)") -}}
    {%- endif -%}
    {{- return(modules.re.sub(
        "^read_csv\\('[^']*'", "read_csv([" ~ literals | join(', ') | replace('\\', '\\\\') ~ "]",
        reader.strip(), count=1
    )) -}}
{% endmacro %}

{#- DuckDB: the temporary table bedrock_log_files_read (source_file, compressed_bytes) of the
    files `files` names (a glob or a list literal; none: no file), listed without reading them. -#}
{% macro record_log_files_read(files) %}
    {%- if files is none -%}
        {%- do run_query(
            "create or replace temp table bedrock_log_files_read"
            ~ " (source_file varchar, compressed_bytes bigint)"
        ) -%}
    {%- else -%}
        {%- do run_query(
            "create or replace temp table bedrock_log_files_read as"
            ~ " select filename as source_file, size as compressed_bytes from read_blob(" ~ files ~ ")"
        ) -%}
    {%- endif -%}
{% endmacro %}

{#- A file path as a DuckDB glob that matches that one file only. read_csv glob-expands every
    element of a file list, so a log file literally named `*.json.gz` (or with `?` or `[`) would
    read the other files of its folder a second time. In a glob a character class of one
    character matches that character: `[` becomes `[[]`, `*` `[*]` and `?` `[?]` (`[` first,
    so the brackets added for the others stay as they are). DuckDB reports the file's real
    name in `filename`. -#}
{% macro duckdb_glob_escape(path) %}
    {{- return(path | replace('[', '[[]') | replace('*', '[*]') | replace('?', '[?]')) -}}
{% endmacro %}

{# The glob the DuckDB source reads, taken from the source's own read_csv('<glob>', ...). #}
{% macro duckdb_log_glob() %}
    {%- set reader = source('bedrock', 'invocation_logs_raw') | string -%}
    {%- set found = modules.re.match("^\\s*read_csv\\('([^']*)'", reader) -%}
    {%- if found is none -%}
        {{ exceptions.raise_compiler_error(
            "The DuckDB log source must read read_csv('<glob>', ...); got: " ~ reader[:200]
        ) }}
    {%- endif -%}
    {{- return(found.group(1)) -}}
{% endmacro %}

{#- The folder or S3 prefix holding AWSLogs/ that this run reads, spelled as the paths of the
    files it reads begin (source_file up to AWSLogs/): the DuckDB glob's, or the S3 URI. -#}
{% macro log_root() %}
    {{ return(adapter.dispatch('log_root', 'bedrock_tenant_costs')()) }}
{% endmacro %}

{% macro duckdb__log_root() %}
    {%- set glob_pattern = bedrock_tenant_costs.duckdb_log_glob() -%}
    {{- return(glob_pattern[:glob_pattern.index('AWSLogs/')]) -}}
{% endmacro %}

{% macro default__log_root() %}
    {{- return((var('bedrock_logs_s3_uri') or '') | string | trim('/') ~ '/') -}}
{% endmacro %}
