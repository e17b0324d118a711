{#
    Parses an RFC 3339 / ISO 8601 timestamp that carries a zone designator (`Z` or `+hh:mm`) and
    returns it as a timestamp without time zone in UTC. Anything else (no zone, not a timestamp)
    gives null, never an error and never a guess in the session's time zone.
#}
{% macro parse_iso8601_utc(column) %}
    {{ return(adapter.dispatch('parse_iso8601_utc', 'bedrock_tenant_costs')(column)) }}
{% endmacro %}

{% macro duckdb__parse_iso8601_utc(column) %}
    case
        when regexp_full_match({{ column }}, '\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:?\d{2})')
            then cast(timezone('UTC', try_cast({{ column }} as timestamptz)) as timestamp)
    end
{% endmacro %}

{#- from_iso8601_timestamp alone would accept a zone-less or date-only text (reading it in the
    session's zone), refuse a space for the T, and cut the digits below a millisecond: the same
    pattern as on DuckDB decides what is a timestamp, and the nanosecond variant parses it. -#}
{% macro default__parse_iso8601_utc(column) %}
    case
        when regexp_like({{ column }}, '\A\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:?\d{2})\z')
            then try(cast(
                from_iso8601_timestamp_nanos(replace({{ column }}, ' ', 'T')) at time zone 'UTC'
                as timestamp(6)
            ))
    end
{% endmacro %}
