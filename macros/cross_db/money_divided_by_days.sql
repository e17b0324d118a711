{#
    A money amount divided by a whole number of days, kept as exact decimal money.
    DuckDB turns any decimal division into a double, so it divides whole femto-dollars (1e-15
    USD, the money type's scale) as integers and truncates below that; Athena (Trino) divides
    decimals exactly, rounding at the result's scale.
#}
{% macro money_divided_by_days(money_expression, days_expression) %}
    {{ return(adapter.dispatch('money_divided_by_days', 'bedrock_tenant_costs')(money_expression, days_expression)) }}
{% endmacro %}

{% macro duckdb__money_divided_by_days(money_expression, days_expression) %}
    cast(
        cast(
            cast(cast({{ money_expression }} as {{ bedrock_tenant_costs.money_type() }}) * 1000000000000000 as hugeint)
            // cast({{ days_expression }} as hugeint)
            as decimal(38, 0)
        ) * cast(0.000000000000001 as decimal(38, 15))
        as {{ bedrock_tenant_costs.money_type() }}
    )
{% endmacro %}

{% macro default__money_divided_by_days(money_expression, days_expression) %}
    cast(
        cast({{ money_expression }} as {{ bedrock_tenant_costs.money_type() }})
        / cast({{ days_expression }} as decimal(38, 0))
        as {{ bedrock_tenant_costs.money_type() }}
    )
{% endmacro %}
