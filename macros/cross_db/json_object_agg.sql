{# Aggregates key/value text pairs into one JSON object text with keys in sorted order. #}
{% macro json_object_agg(key_expression, value_expression) %}
    {{ return(adapter.dispatch('json_object_agg', 'bedrock_tenant_costs')(key_expression, value_expression)) }}
{% endmacro %}

{% macro duckdb__json_object_agg(key_expression, value_expression) %}
    cast(to_json(map(
        list({{ key_expression }} order by {{ key_expression }}),
        list({{ value_expression }} order by {{ key_expression }})
    )) as varchar)
{% endmacro %}

{% macro default__json_object_agg(key_expression, value_expression) %}
    json_format(cast(map_agg({{ key_expression }}, {{ value_expression }}) as json))
{% endmacro %}
