{#
    The path of the log file a raw line came from. DuckDB's read_csv adds a `filename` column;
    Athena exposes the same fact as the "$path" pseudo-column of the external table.
#}
{% macro log_line_source_file() %}
    {{ return(adapter.dispatch('log_line_source_file', 'bedrock_tenant_costs')()) }}
{% endmacro %}

{% macro default__log_line_source_file() %}"$path"{% endmacro %}

{% macro duckdb__log_line_source_file() %}filename{% endmacro %}
