{#
    Extracts many JSON paths from one text column in a single pass and returns them as an array of
    strings, in the order given (read them back with `arr[1]`, `arr[2]`, ... which both engines
    support). Scalars come back as text, objects and arrays as their JSON text, a missing path
    or a JSON null as null.

    Paths use the DuckDB JSONPath spelling: `$.a.b`, `$.a."key-with-dashes"`, and `[#-1]` for the
    last element of an array. The Athena variant rewrites them for Trino.
    Only call this on values known to be JSON objects (see is_json_object): DuckDB raises on
    invalid JSON.
#}
{% macro json_extract_paths(column, paths) %}
    {{ return(adapter.dispatch('json_extract_paths', 'bedrock_tenant_costs')(column, paths)) }}
{% endmacro %}

{% macro duckdb__json_extract_paths(column, paths) %}
    json_extract_string({{ column }}, [
        {%- for path in paths %}
        {{ bedrock_tenant_costs.sql_string_literal(path) }}{{ "," if not loop.last }}
        {%- endfor %}
    ])
{% endmacro %}

{#- The text is parsed once (bound to `parsed_json` by a one-element transform), not once per
    path. json_extract_scalar is null for an object or array on Trino, where DuckDB gives its
    JSON text: such a value falls back to json_format. -#}
{% macro default__json_extract_paths(column, paths) %}
    element_at(transform(array[json_parse({{ column }})], parsed_json -> array[
        {%- for path in paths %}
        {{ bedrock_tenant_costs.trino_json_scalar('parsed_json', path) }}{{ "," if not loop.last }}
        {%- endfor %}
    ]), 1)
{% endmacro %}

{# Trino: no `[#-1]` in JSONPath, and quoted keys are written ["key"]. #}
{% macro trino_json_scalar(column, path) %}
    {%- set trino_path = path | replace('."', '["') | replace('".', '"].') -%}
    {%- if trino_path.endswith('"') -%}{%- set trino_path = trino_path ~ ']' -%}{%- endif -%}
    {%- if '[#-1]' in trino_path -%}
        {%- set array_path, rest = trino_path.split('[#-1]', 1) -%}
        json_extract_scalar(
            element_at(try(cast(json_extract({{ column }}, {{ bedrock_tenant_costs.sql_string_literal(array_path) }}) as array(json))), -1),
            {{ bedrock_tenant_costs.sql_string_literal('$' ~ rest) }}
        )
    {%- else -%}
        {%- set literal = bedrock_tenant_costs.sql_string_literal(trino_path) -%}
        coalesce(
            json_extract_scalar({{ column }}, {{ literal }}),
            nullif(json_format(json_extract({{ column }}, {{ literal }})), 'null')
        )
    {%- endif -%}
{% endmacro %}
