{# Lower-case hex SHA-256 of a text value. #}
{% macro sha256_hex(expression) %}
    {{ return(adapter.dispatch('sha256_hex', 'bedrock_tenant_costs')(expression)) }}
{% endmacro %}

{% macro duckdb__sha256_hex(expression) %}sha256({{ expression }}){% endmacro %}

{% macro default__sha256_hex(expression) %}lower(to_hex(sha256(to_utf8({{ expression }})))){% endmacro %}
