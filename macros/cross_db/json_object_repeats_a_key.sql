{#
    True when the JSON object at `path` of `column` writes one of its keys more than once (null
    when there is no object there). Such a key keeps its last value (cross_join_json_object_entries),
    and the request is flagged in dq_daily_attribution.
#}
{% macro json_object_repeats_a_key(column, path) %}
    {{ return(adapter.dispatch('json_object_repeats_a_key', 'bedrock_tenant_costs')(column, path)) }}
{% endmacro %}

{#- json_keys lists the keys as written, a repeated one every time -#}
{% macro duckdb__json_object_repeats_a_key(column, path) %}
    {%- set keys = "json_keys(" ~ column ~ ", " ~ bedrock_tenant_costs.sql_string_literal(path) ~ ")" -%}
    case
        when json_type({{ column }}, {{ bedrock_tenant_costs.sql_string_literal(path) }}) = 'OBJECT'
            then len({{ keys }}) > len(list_distinct({{ keys }}))
    end
{% endmacro %}

{#- Trino has no list of an object's keys as written. json_extract keeps the text as written and
    json_parse keeps each key once, so the object repeats a key exactly when its text holds more
    key tokens (a JSON string followed by a colon; nested keys count on both sides alike) than
    its parsed form. Strings are matched whole from their opening quote, so no colon inside a
    value is taken for a key. -#}
{% macro default__json_object_repeats_a_key(column, path) %}
    {%- set written = "json_format(json_extract(" ~ column ~ ", "
        ~ bedrock_tenant_costs.sql_string_literal(path) ~ "))" -%}
    case
        when substr({{ written }}, 1, 1) = '{'
            then regexp_count({{ written }}, '"(?:[^"\\]|\\.)*"\s*:')
            > regexp_count(json_format(json_parse({{ written }})), '"(?:[^"\\]|\\.)*"\s*:')
    end
{% endmacro %}
