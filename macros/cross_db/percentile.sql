{#
    The p-th percentile (0..1) of a numeric expression as an aggregate, as a double: the exact
    continuous percentile (linear interpolation between the two nearest ranks, as DuckDB's
    quantile_cont and PostgreSQL's percentile_cont define it). Both engines compute it with the
    same arithmetic over the sorted values, so that DuckDB and Athena give the same bits: Trino's
    approx_percentile has a rank error and does not interpolate, so it is not used.
    With n values sorted as s[1..n], r = (n - 1) * p:
        s[floor(r) + 1] + (s[ceil(r) + 1] - s[floor(r) + 1]) * (r - floor(r))
    It holds every value of a group in memory once (a sort, as quantile_cont does).
#}
{% macro percentile(expression, fraction) %}
    {{ return(adapter.dispatch('percentile', 'bedrock_tenant_costs')(expression, fraction)) }}
{% endmacro %}

{% macro percentile_of_sorted(values, length, fraction) %}
    {%- set rank = '((' ~ length ~ ' - 1) * cast(' ~ fraction ~ ' as double))' -%}
    {%- set low = values ~ '[cast(floor(' ~ rank ~ ') as bigint) + 1]' -%}
    {%- set high = values ~ '[cast(ceil(' ~ rank ~ ') as bigint) + 1]' -%}
    {{- low ~ ' + (' ~ high ~ ' - ' ~ low ~ ') * (' ~ rank ~ ' - floor(' ~ rank ~ '))' -}}
{% endmacro %}

{% macro duckdb__percentile(expression, fraction) %}
    list_transform(
        [list_sort(list(cast({{ expression }} as double)) filter (where {{ expression }} is not null))],
        lambda sorted_values: {{ bedrock_tenant_costs.percentile_of_sorted('sorted_values', 'len(sorted_values)', fraction) }}
    )[1]
{% endmacro %}

{% macro default__percentile(expression, fraction) %}
    element_at(transform(
        array[array_sort(array_agg(cast({{ expression }} as double)) filter (where {{ expression }} is not null))],
        sorted_values -> {{ bedrock_tenant_costs.percentile_of_sorted('sorted_values', 'cardinality(sorted_values)', fraction) }}
    ), 1)
{% endmacro %}

{#
    The median of a decimal expression as an aggregate, exact in decimal: the middle value, or the
    two middle values added and halved (times decimal 0.5, then rounded half up to the scale of
    `result_type`, as both engines round a decimal cast).
#}
{% macro median_decimal(expression, result_type) %}
    {{ return(adapter.dispatch('median_decimal', 'bedrock_tenant_costs')(expression, result_type)) }}
{% endmacro %}

{% macro duckdb__median_decimal(expression, result_type) %}
    cast(list_transform(
        [list_sort(list({{ expression }}) filter (where {{ expression }} is not null))],
        lambda sorted_values: (
            sorted_values[(len(sorted_values) + 1) // 2] + sorted_values[len(sorted_values) // 2 + 1]
        ) * cast('0.5' as decimal(2, 1))
    )[1] as {{ result_type }})
{% endmacro %}

{% macro default__median_decimal(expression, result_type) %}
    cast(element_at(transform(
        array[array_sort(array_agg({{ expression }}) filter (where {{ expression }} is not null))],
        sorted_values -> (
            sorted_values[(cardinality(sorted_values) + 1) / 2]
            + sorted_values[cardinality(sorted_values) / 2 + 1]
        ) * cast('0.5' as decimal(2, 1))
    ), 1) as {{ result_type }})
{% endmacro %}
