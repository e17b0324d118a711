{# True when a text value parses as JSON (any JSON value). #}
{% macro is_valid_json(column) %}
    {{ return(adapter.dispatch('is_valid_json', 'bedrock_tenant_costs')(column)) }}
{% endmacro %}

{% macro default__is_valid_json(column) %}
    coalesce(try(json_parse({{ column }})) is not null, false)
{% endmacro %}

{% macro duckdb__is_valid_json(column) %}
    coalesce(json_valid({{ column }}), false)
{% endmacro %}
