{#
    The quotient of two whole numbers (decimal(38, 0) or integers), truncated toward zero, as
    decimal(38, 0): exact on both engines. DuckDB divides 128-bit integers (a decimal division
    would give a double); Trino subtracts the remainder first, so its exact decimal division has
    nothing to round.
#}
{% macro whole_quotient(numerator, denominator) %}
    {{ return(adapter.dispatch('whole_quotient', 'bedrock_tenant_costs')(numerator, denominator)) }}
{% endmacro %}

{% macro duckdb__whole_quotient(numerator, denominator) %}
    cast(cast({{ numerator }} as hugeint) // cast({{ denominator }} as hugeint) as decimal(38, 0))
{% endmacro %}

{% macro athena__whole_quotient(numerator, denominator) %}
    cast(
        (
            cast({{ numerator }} as decimal(38, 0))
            - mod(cast({{ numerator }} as decimal(38, 0)), cast({{ denominator }} as decimal(38, 0)))
        ) / cast({{ denominator }} as decimal(38, 0))
        as decimal(38, 0)
    )
{% endmacro %}

{% macro default__whole_quotient(numerator, denominator) %}
    {{ exceptions.raise_compiler_error(
        "whole_quotient supports the duckdb and athena adapters, not " ~ adapter.type() ~ "."
    ) }}
{% endmacro %}

{#- A money amount in whole femto-dollars (1e-15 USD, the money type's scale): exact. -#}
{% macro money_in_femto_usd(money_expression) %}
    cast(
        cast({{ money_expression }} as {{ bedrock_tenant_costs.money_type() }})
        * {{ bedrock_tenant_costs.femto_per_usd() }}
        as decimal(38, 0)
    )
{%- endmacro %}

{#- Femto-dollars in one dollar, as a decimal(38, 0) literal. -#}
{% macro femto_per_usd() %}cast(1000000000000000 as decimal(38, 0)){% endmacro %}

{#- A token count (decimal(38, 6) at most: billed quantities can be fractional) in whole
    millionths of a token: exact. -#}
{% macro micro_tokens(tokens_expression) %}
    cast(
        cast({{ tokens_expression }} as decimal(38, 6)) * cast(1000000 as decimal(38, 0))
        as decimal(38, 0)
    )
{%- endmacro %}

{#- Whole femto-dollars as money. -#}
{% macro femto_usd_as_money(femto_expression) %}
    cast(
        cast({{ femto_expression }} as decimal(38, 0)) * cast('0.000000000000001' as decimal(38, 15))
        as {{ bedrock_tenant_costs.money_type() }}
    )
{%- endmacro %}
