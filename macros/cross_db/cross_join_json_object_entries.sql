{#
    A join clause that turns a column holding a JSON object (as text) into one row per entry, with
    the entry's key and value (as text) in the two named columns. Rows whose object is null or
    empty produce no entries. Values that are not strings come back as their JSON text, a JSON
    null as null. A key written twice gives one entry with its last value, as JSON parsers do
    (Trino's json_parse keeps the last one), never the loss of the whole object.
#}
{% macro cross_join_json_object_entries(column, key_alias, value_alias) %}
    {{ return(adapter.dispatch('cross_join_json_object_entries', 'bedrock_tenant_costs')(column, key_alias, value_alias)) }}
{% endmacro %}

{#- json_each keeps every entry, duplicates too (a cast to a map fails as a whole on a repeated
    key, and every tag of the request, its tenant too, would be lost): keep each key's last. -#}
{% macro duckdb__cross_join_json_object_entries(column, key_alias, value_alias) %}
    cross join lateral (
        select
            entry.key as {{ key_alias }},
            case
                when entry.type = 'VARCHAR' then entry.value ->> '$'
                when entry.type <> 'NULL' then cast(entry.value as varchar)
            end as {{ value_alias }}
        from json_each({{ column }}) as entry
        qualify row_number() over (partition by entry.key order by entry.id desc) = 1
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
