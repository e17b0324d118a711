{# Money in USD: exact decimal, 15 places (a token can cost 8.75e-12 USD), never float. #}
{% macro money_type() %}decimal(38, 15){% endmacro %}

{# Prices in USD per 1M tokens as stored in the price seed. #}
{% macro price_per_million_type() %}decimal(38, 9){% endmacro %}

{#
    USD for a token count at a price per 1M tokens, exact: the price is shifted by 1e-6 by
    multiplying with a typed decimal (dividing a decimal gives a float on DuckDB, and a bare
    0.000001 is a double on Athena).
#}
{% macro tokens_cost_usd(tokens, usd_per_million) %}
    cast(
        cast({{ tokens }} as decimal(38, 0))
        * (cast({{ usd_per_million }} as {{ bedrock_tenant_costs.price_per_million_type() }}) * cast('0.000001' as decimal(38, 6)))
        as {{ bedrock_tenant_costs.money_type() }}
    )
{% endmacro %}

{#
    A number from a var as a typed decimal literal: Athena reads a bare `1.5` as a double, so
    money never meets one. `value` must be a number (validate_vars checks the vars it is used for).
#}
{% macro decimal_literal(value, type='decimal(38, 15)') %}
    {%- if value is not number -%}
        {{ exceptions.raise_compiler_error("decimal_literal needs a number; got: " ~ value) }}
    {%- endif -%}
    cast('{{ value }}' as {{ type }})
{%- endmacro %}

{# Factors of the price rules (e.g. 1.10 for a 10 % regional premium), exact. #}
{% macro price_multiplier_type() %}decimal(12, 6){% endmacro %}

{#-
    The sum of a money column over a group, or null when any row of the group is null: an
    estimate with an unpriced part is unknown, never a partial sum (sum() would skip the nulls).
-#}
{% macro money_sum_when_complete(column) %}
    case
        when count({{ column }}) = count(*)
            then cast(sum({{ column }}) as {{ bedrock_tenant_costs.money_type() }})
    end
{%- endmacro %}
