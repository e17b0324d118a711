{#
    A money amount divided by a whole number of days, kept as exact decimal money, rounded half
    away from zero at the money type's scale (1e-15 USD) on both engines.
    DuckDB turns any decimal division into a double, so it divides whole femto-dollars as
    integers, rounding as Trino does: sign(a) * ((2 |a| + b) // 2b). Athena (Trino) divides
    decimals exactly and rounds that way itself.
#}
{% macro money_divided_by_days(money_expression, days_expression) %}
    {{ return(adapter.dispatch('money_divided_by_days', 'bedrock_tenant_costs')(money_expression, days_expression)) }}
{% endmacro %}

{% macro duckdb__money_divided_by_days(money_expression, days_expression) %}
    {%- set femto = 'cast(' ~ bedrock_tenant_costs.money_in_femto_usd(money_expression) ~ ' as hugeint)' -%}
    {%- set days = 'cast(' ~ days_expression ~ ' as hugeint)' -%}
    {{ bedrock_tenant_costs.femto_usd_as_money(
        'sign(' ~ femto ~ ') * ((2 * abs(' ~ femto ~ ') + ' ~ days ~ ') // (2 * ' ~ days ~ '))'
    ) }}
{% endmacro %}

{% macro default__money_divided_by_days(money_expression, days_expression) %}
    cast(
        cast({{ money_expression }} as {{ bedrock_tenant_costs.money_type() }})
        / cast({{ days_expression }} as decimal(38, 0))
        as {{ bedrock_tenant_costs.money_type() }}
    )
{% endmacro %}
