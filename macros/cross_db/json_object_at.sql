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

{% macro default__json_object_at(column, path) %}
    case
        when try(cast(json_extract({{ column }}, {{ bedrock_tenant_costs.sql_string_literal(path) }}) as map(varchar, json))) is not null
            then json_format(json_extract({{ column }}, {{ bedrock_tenant_costs.sql_string_literal(path) }}))
    end
{% endmacro %}
