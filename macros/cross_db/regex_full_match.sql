{# True when the whole text matches the regular expression (RE2 / Java syntax subset). #}
{% macro regex_full_match(column, pattern) %}
    {{ return(adapter.dispatch('regex_full_match', 'bedrock_tenant_costs')(column, pattern)) }}
{% endmacro %}

{% macro duckdb__regex_full_match(column, pattern) %}
    regexp_full_match({{ column }}, {{ bedrock_tenant_costs.sql_string_literal(pattern) }})
{% endmacro %}

{#- \A and \z, not ^ and $: in Trino's regular expressions $ also matches before a final
    newline, so "123\n" would pass a whole-number check and then fail the cast -#}
{% macro default__regex_full_match(column, pattern) %}
    regexp_like({{ column }}, {{ bedrock_tenant_costs.sql_string_literal('\\A(?:' ~ pattern ~ ')\\z') }})
{% endmacro %}
