{# Lower-case hex MD5 of a text value: a stable fingerprint for lines and surrogate keys. #}
{% macro hash_text(expression) %}
    {{ return(adapter.dispatch('hash_text', 'bedrock_tenant_costs')(expression)) }}
{% endmacro %}

{% macro duckdb__hash_text(expression) %}md5({{ expression }}){% endmacro %}

{% macro default__hash_text(expression) %}lower(to_hex(md5(to_utf8({{ expression }})))){% endmacro %}
