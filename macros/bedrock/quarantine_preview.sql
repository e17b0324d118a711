{#
    The preview kept of a quarantined line: its first var quarantine_preview_chars characters,
    cut before the first prompt or response body key and before the "requestMetadata" key, so
    that no body text and no tag value (hashed keys included) ever leaves staging. It is also cut
    before the first backslash: a JSON escape can spell any key (`"\u0069nputBodyJson"`), and
    no line Bedrock writes has one before those keys.
#}
{% macro quarantine_preview(line_expression) %}
    {%- set preview_chars = var('quarantine_preview_chars') | int -%}
    {#- chr(92) is the backslash: written as a literal, some SQL lexers read it as an escape #}
    {%- set cuts = [
        "'\"inputBodyJson\"'", "'\"outputBodyJson\"'", "'\"requestMetadata\"'", 'chr(92)'
    ] -%}
    substr(
        {{ line_expression }},
        1,
        least(
            {{ preview_chars }}
            {%- for cut in cuts %},
            coalesce(nullif(strpos({{ line_expression }}, {{ cut }}), 0) - 1, {{ preview_chars }})
            {%- endfor %}
        )
    )
{%- endmacro %}

{# The path of a log file, as a regex: groups account, Region, year, month, day and hour. #}
{% macro log_path_pattern() %}
    {{- return('/AWSLogs/([^/]+)/BedrockModelInvocationLogs/([^/]+)/([0-9]{4})/([0-9]{2})/([0-9]{2})/([0-9]{2})/[^/]+$') -}}
{% endmacro %}
