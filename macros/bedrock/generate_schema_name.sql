{#
    The schema (Glue database) of a model or seed: <target schema>_<custom schema>, dbt's own
    rule, so the athena target writes bedrock_costs_staging, bedrock_costs_marts, ...

    On Athena a target that is not a production one (var athena_production_targets, default
    ['athena']) writes under a prefix of its own, <prefix>_<target schema>_<custom schema>: a
    developer or a CI run on the athena_dev target never writes the production tables, even with
    ATHENA_SCHEMA left at its default. The prefix is env var BEDROCK_COSTS_SCHEMA_PREFIX, else
    dev_<USER>, folded to lower-case letters, digits and underscores (a Glue name).
    DuckDB is one file per user: its schemas are never prefixed.
#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- set base = target.schema if custom_schema_name is none
        else target.schema ~ '_' ~ (custom_schema_name | trim) -%}
    {%- if target.type == 'athena' and target.name not in var('athena_production_targets', ['athena']) -%}
        {{ bedrock_tenant_costs.non_production_schema_prefix() }}_{{ base }}
    {%- else -%}
        {{ base }}
    {%- endif -%}
{%- endmacro %}

{#- The prefix of a non-production Athena target's schemas (see generate_schema_name). -#}
{% macro non_production_schema_prefix() -%}
    {%- set prefix = env_var('BEDROCK_COSTS_SCHEMA_PREFIX', '') | trim
        or 'dev_' ~ env_var('USER', 'developer') -%}
    {{- modules.re.sub('[^a-z0-9_]+', '_', prefix | lower).strip('_') or 'dev' -}}
{%- endmacro %}
