{# True when a text value parses as JSON and the document is an object (not an array/scalar). #}
{% macro is_json_object(column) %}
    {{ return(adapter.dispatch('is_json_object', 'bedrock_tenant_costs')(column)) }}
{% endmacro %}

{% macro default__is_json_object(column) %}
    coalesce(try(cast(json_parse({{ column }}) as map(varchar, json))) is not null, false)
{% endmacro %}

{% macro duckdb__is_json_object(column) %}
    {#- a CASE, not AND: DuckDB evaluates both sides of AND and json_type raises on bad JSON #}
    case when json_valid({{ column }}) then json_type({{ column }}) = 'OBJECT' else false end
{% endmacro %}
