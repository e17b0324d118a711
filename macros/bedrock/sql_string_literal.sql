{#
    Renders a Python/Jinja string as a SQL string literal, doubling single quotes. Used only for
    configuration values (vars), never for values read from the logs.
#}
{% macro sql_string_literal(value) %}
    {{- return("'" ~ (value | string | replace("'", "''")) ~ "'") -}}
{% endmacro %}
