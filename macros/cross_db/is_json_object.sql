{#
    True when a text value parses as JSON and the document is an object (not an array/scalar).
    Pass `is_valid_json`, an expression already known to hold is_valid_json(column), to spare
    DuckDB a second validation of every line; Athena's single try(json_parse(...)) needs none.
#}
{% macro is_json_object(column, is_valid_json=none) %}
    {{ return(adapter.dispatch('is_json_object', 'bedrock_tenant_costs')(column, is_valid_json)) }}
{% endmacro %}

{% macro default__is_json_object(column, is_valid_json=none) %}
    coalesce(try(cast(json_parse({{ column }}) as map(varchar, json))) is not null, false)
{% endmacro %}

{% macro duckdb__is_json_object(column, is_valid_json=none) %}
    {#- a CASE, not AND: DuckDB evaluates both sides of AND and json_type raises on bad JSON #}
    case
        when {{ is_valid_json or 'json_valid(' ~ column ~ ')' }}
            then json_type({{ column }}) = 'OBJECT'
        else false
    end
{% endmacro %}
