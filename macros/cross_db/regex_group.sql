{#
    The text a regular expression's capturing group matched, or null when the expression does
    not match or the group took no part. (DuckDB's regexp_extract gives '' where Trino's gives
    null; both are null here, so an empty match is null too.)
#}
{% macro regex_group(column, pattern, group) %}
    {{ return(adapter.dispatch('regex_group', 'bedrock_tenant_costs')(column, pattern, group)) }}
{% endmacro %}

{% macro duckdb__regex_group(column, pattern, group) %}
    nullif(regexp_extract({{ column }}, {{ bedrock_tenant_costs.sql_string_literal(pattern) }}, {{ group }}), '')
{% endmacro %}

{% macro athena__regex_group(column, pattern, group) %}
    nullif(regexp_extract({{ column }}, {{ bedrock_tenant_costs.sql_string_literal(pattern) }}, {{ group }}), '')
{% endmacro %}

{% macro default__regex_group(column, pattern, group) %}
    {{ exceptions.raise_compiler_error(
        "regex_group supports the duckdb and athena adapters, not " ~ adapter.type() ~ "."
    ) }}
{% endmacro %}

{#-
    A model name in the compact form the model-name seed is matched in (as pricing sync's
    ModelResolver does): lower case, "+" spelled "plus", every character other than a-z and 0-9
    removed, so "Claude 4 Sonnet", "claude-4-sonnet" and "Claude4Sonnet" are one name.
-#}
{% macro compact_model_name(expression) %}
    {{ return(adapter.dispatch('compact_model_name', 'bedrock_tenant_costs')(expression)) }}
{% endmacro %}

{% macro duckdb__compact_model_name(expression) %}
    regexp_replace(replace(lower({{ expression }}), '+', 'plus'), '[^a-z0-9]+', '', 'g')
{% endmacro %}

{% macro athena__compact_model_name(expression) %}
    regexp_replace(replace(lower({{ expression }}), '+', 'plus'), '[^a-z0-9]+', '')
{% endmacro %}

{% macro default__compact_model_name(expression) %}
    {{ exceptions.raise_compiler_error(
        "compact_model_name supports the duckdb and athena adapters, not " ~ adapter.type() ~ "."
    ) }}
{% endmacro %}
