{#
    The p-th percentile (0..1) of a numeric expression as an aggregate. DuckDB computes it exactly
    (linear interpolation); Athena uses approx_percentile (Trino's q-digest, error about 1%).
#}
{% macro percentile(expression, fraction) %}
    {{ return(adapter.dispatch('percentile', 'bedrock_tenant_costs')(expression, fraction)) }}
{% endmacro %}

{% macro duckdb__percentile(expression, fraction) %}
    quantile_cont({{ expression }}, {{ fraction }})
{% endmacro %}

{% macro default__percentile(expression, fraction) %}
    approx_percentile({{ expression }}, {{ fraction }})
{% endmacro %}
