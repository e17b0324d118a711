{#
    A select of one row per calendar day from first_day to last_day (both 'YYYY-MM-DD', both
    included), in one date column named date_day. DuckDB has generate_series over timestamps;
    Athena (Trino) unnests sequence(), which allows at most 10,000 elements (about 27 years).
#}
{% macro day_series(first_day, last_day) %}
    {{ return(adapter.dispatch('day_series', 'bedrock_tenant_costs')(first_day, last_day)) }}
{% endmacro %}

{% macro duckdb__day_series(first_day, last_day) %}
    select cast(day_start as date) as date_day
    from generate_series(
        cast('{{ first_day }}' as date), cast('{{ last_day }}' as date), interval 1 day
    ) as days (day_start)
{% endmacro %}

{% macro default__day_series(first_day, last_day) %}
    select cast(day_start as date) as date_day
    from unnest(
        sequence(cast('{{ first_day }}' as date), cast('{{ last_day }}' as date), interval '1' day)
    ) as days (day_start)
{% endmacro %}
