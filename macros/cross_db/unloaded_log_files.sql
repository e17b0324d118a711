{#
    A CTE body counting the non-blank raw lines in log files that base_bedrock__log_lines never
    loaded and that lie before `window` (the delivery hours the raw-line reconciliation re-reads
    anyway). Such a file is one delivered so late that its hour had already left the lookback of
    every run since: its lines would otherwise be lost silently. Files holding only blank lines
    (never rows of the base table) count 0, as they should.

    DuckDB lists the files on disk (glob, without opening them), subtracts the files the base
    table holds, and reads only what is left, by a filter on `filename` that prunes every other
    file. Athena cannot list objects without reading them, so the check is not made there: run
    the full reconciliation now and then with var reconcile_full_history (see docs/operations.md).
#}
{% macro unloaded_log_lines(window) %}
    {{ return(adapter.dispatch('unloaded_log_lines', 'bedrock_tenant_costs')(window)) }}
{% endmacro %}

{% macro default__unloaded_log_lines(window) %}
    select cast(0 as bigint) as unloaded_line_count
{% endmacro %}

{% macro duckdb__unloaded_log_lines(window) %}
    {%- set unloaded = [] -%}
    {%- if execute and window is not none -%}
        {%- set hour_of_file = "regexp_extract(file, '/([0-9]{4}/[0-9]{2}/[0-9]{2}/[0-9]{2})/[^/]+$', 1)" -%}
        {%- set files = run_query(
            "select file from glob("
            ~ bedrock_tenant_costs.sql_string_literal(bedrock_tenant_costs.duckdb_log_glob()) ~ ")"
            ~ " where " ~ hour_of_file ~ " < '" ~ bedrock_tenant_costs.log_hour_text(window.start) ~ "'"
            ~ " except select distinct source_file from " ~ ref('base_bedrock__log_lines')
        ) -%}
        {%- for file in files.columns[0].values() -%}
            {%- do unloaded.append(bedrock_tenant_costs.sql_string_literal(file)) -%}
        {%- endfor -%}
    {%- endif -%}
    {%- if unloaded | length == 0 %}
    select cast(0 as bigint) as unloaded_line_count
    {%- else %}
    select count(*) as unloaded_line_count
    from {{ source('bedrock', 'invocation_logs_raw') }}
    where
        filename in ({{ unloaded | join(', ') }})
        and not {{ bedrock_tenant_costs.is_blank_text('line') }}
    {%- endif %}
{% endmacro %}
