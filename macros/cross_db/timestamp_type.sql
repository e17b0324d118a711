{#
    The timestamp type of the marts. Athena's Iceberg tables need microsecond precision
    (timestamp(6)); DuckDB's timestamp is already microseconds.
#}
{% macro timestamp_type() %}
    {{ return(adapter.dispatch('timestamp_type', 'bedrock_tenant_costs')()) }}
{% endmacro %}

{% macro default__timestamp_type() %}timestamp(6){% endmacro %}

{% macro duckdb__timestamp_type() %}timestamp{% endmacro %}
