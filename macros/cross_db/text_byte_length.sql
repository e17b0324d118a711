{# The length of a text value in bytes of its UTF-8 encoding (not in characters). #}
{% macro text_byte_length(expression) %}
    {{ return(adapter.dispatch('text_byte_length', 'bedrock_tenant_costs')(expression)) }}
{% endmacro %}

{% macro duckdb__text_byte_length(expression) %}strlen({{ expression }}){% endmacro %}

{% macro default__text_byte_length(expression) %}length(to_utf8({{ expression }})){% endmacro %}
