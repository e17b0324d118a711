{#
    Predicate on the raw log source that keeps only record files and, for an incremental run,
    only the delivery hours inside `window` (see incremental_window). It works on the file path
    itself, so engines skip the other files without opening them: DuckDB prunes files by a filter
    on `filename`; Athena prunes partitions by the projected `log_day` partition column.
#}
{% macro raw_log_window_filter(window) %}
    {{ return(adapter.dispatch('raw_log_window_filter', 'bedrock_tenant_costs')(window)) }}
{% endmacro %}

{% macro duckdb__raw_log_window_filter(window) %}
    {%- if window is none -%}
        (1 = 1)
    {%- else -%}
        {%- set hour_of_file = "regexp_extract(filename, '/([0-9]{4}/[0-9]{2}/[0-9]{2}/[0-9]{2})/[^/]+$', 1)" -%}
        ({{ hour_of_file }} >= '{{ bedrock_tenant_costs.log_hour_text(window.start) }}'
        {%- if window.end is not none %}
        and {{ hour_of_file }} < '{{ bedrock_tenant_costs.log_hour_text(window.end) }}'
        {%- endif -%})
    {%- endif -%}
{% endmacro %}

{#- A record file sits directly in its hour folder (.../YYYY/MM/DD/HH/<file>); Bedrock's data/
    side objects are one folder deeper. Anchored at the end of "$path" (the whole s3:// URI), so
    that a bucket or prefix with a folder named data keeps its records. The window prunes the
    projected log_day partitions (whole days) and then keeps exactly its hours by the path. -#}
{% macro default__raw_log_window_filter(window) %}
    {%- set hour_of_path = "regexp_extract(\"$path\", '/([0-9]{4}/[0-9]{2}/[0-9]{2}/[0-9]{2})/[^/]+$', 1)" -%}
    (regexp_like("$path", '/[0-9]{4}/[0-9]{2}/[0-9]{2}/[0-9]{2}/[^/]+$')
    {%- if window is not none %}
    and log_day >= '{{ bedrock_tenant_costs.log_hour_text(window.start)[:10] }}'
    and {{ hour_of_path }} >= '{{ bedrock_tenant_costs.log_hour_text(window.start) }}'
    {%- if window.end is not none %}
    {%- set end_hour = bedrock_tenant_costs.log_hour_text(window.end) %}
    {#- an end at midnight excludes its whole day; any later hour needs that day's partition #}
    and log_day {{ '<' if end_hour.endswith('/00') else '<=' }} '{{ end_hour[:10] }}'
    and {{ hour_of_path }} < '{{ end_hour }}'
    {%- endif %}
    {%- endif -%})
{% endmacro %}

{# 'YYYY-MM-DD HH:MM:SS' -> 'YYYY/MM/DD/HH', the spelling of the hour in the log path. #}
{% macro log_hour_text(timestamp_text) %}
    {{- return(timestamp_text[0:4] ~ '/' ~ timestamp_text[5:7] ~ '/' ~ timestamp_text[8:10] ~ '/' ~ timestamp_text[11:13]) -}}
{% endmacro %}
