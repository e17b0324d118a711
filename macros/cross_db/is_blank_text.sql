{# True when a text value is null, empty or only whitespace (spaces, tabs, CR, LF). #}
{% macro is_blank_text(column) %}
    {{ return(adapter.dispatch('is_blank_text', 'bedrock_tenant_costs')(column)) }}
{% endmacro %}

{% macro default__is_blank_text(column) %}
    ({{ column }} is null or trim({{ column }}) = '')
{% endmacro %}

{% macro duckdb__is_blank_text(column) %}
    ({{ column }} is null or trim({{ column }}, ' ' || chr(9) || chr(10) || chr(13)) = '')
{% endmacro %}
