{# The JSON text of the object at `path`, or null when the path is absent or not an object. #}
{% macro json_object_at(column, path) %}
    {{ return(adapter.dispatch('json_object_at', 'bedrock_tenant_costs')(column, path)) }}
{% endmacro %}

{% macro duckdb__json_object_at(column, path) %}
    case
        when json_type({{ column }}, {{ bedrock_tenant_costs.sql_string_literal(path) }}) = 'OBJECT'
            then cast(json_extract({{ column }}, {{ bedrock_tenant_costs.sql_string_literal(path) }}) as varchar)
    end
{% endmacro %}

{#- json_extract keeps the object's text as written. A key written twice must not lose the object
    (every tag of the request): json_parse of that text keeps each key's last value, as DuckDB's
    variant does. The object test is on the text, not a cast to a map: Trino rewrites
    cast(json_parse(x) as map) into a parse of x itself, which refuses the repeated key. -#}
{% macro default__json_object_at(column, path) %}
    {%- set extracted = "json_format(json_extract(" ~ column ~ ", "
        ~ bedrock_tenant_costs.sql_string_literal(path) ~ "))" -%}
    case
        when substr({{ extracted }}, 1, 1) = '{' then json_format(json_parse({{ extracted }}))
    end
{% endmacro %}
