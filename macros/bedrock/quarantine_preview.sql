{#
    The preview kept of a quarantined line: its first var quarantine_preview_chars characters,
    cut before the first prompt or response body key so that no body text ever leaves staging.
#}
{% macro quarantine_preview(line_expression) %}
    {%- set preview_chars = var('quarantine_preview_chars') | int -%}
    substr(
        {{ line_expression }},
        1,
        least(
            {{ preview_chars }},
            coalesce(nullif(strpos({{ line_expression }}, '"inputBodyJson"'), 0) - 1, {{ preview_chars }}),
            coalesce(nullif(strpos({{ line_expression }}, '"outputBodyJson"'), 0) - 1, {{ preview_chars }})
        )
    )
{%- endmacro %}

{# The path of a log file, as a regex: groups account, Region, year, month, day and hour. #}
{% macro log_path_pattern() %}
    {{- return('/AWSLogs/([^/]+)/BedrockModelInvocationLogs/([^/]+)/([0-9]{4})/([0-9]{2})/([0-9]{2})/([0-9]{2})/[^/]+$') -}}
{% endmacro %}
