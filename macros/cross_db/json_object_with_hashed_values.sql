{#
    The JSON object text in `column` with the value of every key in `hashed_keys` replaced by
    'sha256:' and the lower-case hex SHA-256 of `salt` (a SQL expression) followed by the value,
    the value taken as cross_join_json_object_entries gives it (a string as itself, any other
    value as its JSON text; a JSON null stays null). Other entries are kept as they are. A null
    column stays null, an empty object stays an empty object.

    hashed_keys is a list of trimmed, lower-case key names (see the hashed_tag_keys macro); a key
    of the object matches after the same folding (tag_key_folded), so `userId `, `USERID` and
    `userId` are all hashed.
#}
{% macro json_object_with_hashed_values(column, hashed_keys, salt) %}
    {{ return(adapter.dispatch('json_object_with_hashed_values', 'bedrock_tenant_costs')(column, hashed_keys, salt)) }}
{% endmacro %}

{#- json_each gives the entries in the order written, a repeated key twice (as it gives them to
    cross_join_json_object_entries, which keeps the last one); the object is written back in that
    order. (json_group_object is a macro in DuckDB 2.0 and takes no ORDER BY.) -#}
{% macro duckdb__json_object_with_hashed_values(column, hashed_keys, salt) %}
    {%- set literals = [] -%}
    {%- for key in hashed_keys -%}{%- do literals.append(bedrock_tenant_costs.sql_string_literal(key)) -%}{%- endfor -%}
    case
        when {{ column }} is not null then coalesce((
            select
                '{' || string_agg(
                    cast(to_json(entry.key) as varchar) || ':' || cast(case
                        when {{ bedrock_tenant_costs.tag_key_folded('entry.key') }} in ({{ literals | join(', ') }})
                            then coalesce(to_json('sha256:' || {{ bedrock_tenant_costs.sha256_hex(
                                salt ~ " || case when entry.type = 'VARCHAR' then entry.value ->> '$'"
                                ~ " when entry.type <> 'NULL' then cast(entry.value as varchar) end"
                            ) }}), 'null')
                        else entry.value
                    end as varchar),
                    ',' order by entry.id
                ) || '}'
            from json_each({{ column }}) as entry
        ), '{}')
    end
{% endmacro %}

{#- The column is json_object_at's text (json_parse'd, so no key is repeated): the cast to
    map(varchar, json) holds. The salt is captured by the lambda from the enclosing row. -#}
{% macro default__json_object_with_hashed_values(column, hashed_keys, salt) %}
    {%- set literals = [] -%}
    {%- for key in hashed_keys -%}{%- do literals.append(bedrock_tenant_costs.sql_string_literal(key)) -%}{%- endfor -%}
    json_format(cast(transform_values(
        try(cast(json_parse({{ column }}) as map(varchar, json))),
        (entry_key, entry_value) -> case
            when {{ bedrock_tenant_costs.tag_key_folded('entry_key') }} in ({{ literals | join(', ') }})
                then cast('sha256:' || {{ bedrock_tenant_costs.sha256_hex(
                    salt ~ " || coalesce(json_extract_scalar(entry_value, '$'),"
                    ~ " nullif(json_format(entry_value), 'null'))"
                ) }} as json)
            else entry_value
        end
    ) as json))
{% endmacro %}

{#
    A tag key folded for matching against configured key names: lower case, without leading or
    trailing whitespace (the ASCII whitespace Bedrock's key pattern allows: space, tab, LF, VT,
    FF, CR).
#}
{% macro tag_key_folded(expression) %}
    {{ return(adapter.dispatch('tag_key_folded', 'bedrock_tenant_costs')(expression)) }}
{% endmacro %}

{% macro duckdb__tag_key_folded(expression) -%}
    lower(regexp_replace({{ expression }}, '^[\t\n\x0B\f\r ]+|[\t\n\x0B\f\r ]+$', '', 'g'))
{%- endmacro %}

{% macro default__tag_key_folded(expression) -%}
    lower(regexp_replace({{ expression }}, '^[\t\n\x0B\f\r ]+|[\t\n\x0B\f\r ]+$', ''))
{%- endmacro %}
