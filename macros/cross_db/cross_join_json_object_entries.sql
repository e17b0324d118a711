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

{% macro default__cross_join_json_object_entries(column, key_alias, value_alias) %}
    cross join unnest(
        coalesce(try(cast(json_parse({{ column }}) as map(varchar, varchar))), map())
    ) as object_entries ({{ key_alias }}, {{ value_alias }})
{% endmacro %}
