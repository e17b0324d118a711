{#
    A join clause that turns a column holding a JSON object (as text) into one row per entry, with
    the entry's key and value (as text) in the two named columns. Rows whose object is null or
    empty produce no entries. Values that are not strings come back as their JSON text.
#}
{% macro cross_join_json_object_entries(column, key_alias, value_alias) %}
    {{ return(adapter.dispatch('cross_join_json_object_entries', 'bedrock_tenant_costs')(column, key_alias, value_alias)) }}
{% endmacro %}

{% macro duckdb__cross_join_json_object_entries(column, key_alias, value_alias) %}
    cross join lateral (
        select
            entry.key as {{ key_alias }},
            entry.value as {{ value_alias }}
        from (
            select unnest(map_entries(try_cast(cast({{ column }} as json) as map(varchar, varchar)))) as entry
        )
    ) as object_entries
{% endmacro %}

{#- Trino cannot cast a JSON object or array to varchar, so a map(varchar, varchar) cast fails
    as a whole when one value is not a scalar, and every tag of the request (its tenant too)
    would be lost. Cast to map(varchar, json), then give each value as DuckDB does: a string as
    itself, any other value as its JSON text, a JSON null as null. -#}
{% macro default__cross_join_json_object_entries(column, key_alias, value_alias) %}
    cross join unnest(
        transform_values(
            coalesce(try(cast(json_parse({{ column }}) as map(varchar, json))), map()),
            (entry_key, entry_value) -> coalesce(
                json_extract_scalar(entry_value, '$'), nullif(json_format(entry_value), 'null')
            )
        )
    ) as object_entries ({{ key_alias }}, {{ value_alias }})
{% endmacro %}
