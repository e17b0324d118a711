{#
    The settings a day's tenants are computed with, as one JSON text that dq_daily_attribution
    records for every day it recomputes: the tenant keys in priority order (trimmed and
    lower-cased, as they are compared) and the unattributed tenant id. These are the settings a
    backfill applies; hashed_tag_keys and the salt are not recorded here, because staging keeps
    what it hashed when it first read a line (a change of them needs a full refresh). The test
    assert_days_computed_with_current_settings and report_settings_drift compare each day's
    record with this run's, so a one-off --vars override cannot leave days that disagree unseen.
#}
{% macro attribution_settings() %}
    {% set tenant_keys = [] %}
    {% for key in bedrock_tenant_costs.tenant_id_keys() %}
        {% do tenant_keys.append(key | trim | lower) %}
    {% endfor %}
    {% set settings = {
        'tenant_id_keys': tenant_keys,
        'unattributed_tenant_id': var('unattributed_tenant_id'),
    } %}
    {{ return(tojson(settings, sort_keys=True)) }}
{% endmacro %}

{#
    on-run-end: when this run built dq_daily_attribution and some days were computed with other
    settings than this run's, names them (grouped by the settings they were computed with) and
    says how to make them agree. The test assert_days_computed_with_current_settings is what
    fails the run.
#}
{% macro report_settings_drift(results) %}
    {% set relation = bedrock_tenant_costs.relation_built_in_run(results, 'dq_daily_attribution') %}
    {% if relation is none %}{{ return('') }}{% endif %}
    {% set current = bedrock_tenant_costs.attribution_settings() %}
    {% set rows = run_query(
        'select attribution_settings, count(*), cast(min(usage_date) as varchar),'
        ~ ' cast(max(usage_date) as varchar)'
        ~ ' from ' ~ relation
        ~ ' where attribution_settings <> ' ~ bedrock_tenant_costs.sql_string_literal(current)
        ~ ' group by attribution_settings order by 3'
    ).rows %}
    {% if rows | length == 0 %}{{ return('') }}{% endif %}
    {% set lines = [
        'Days computed with other settings than this run (' ~ current ~ '), so their tenants'
        ~ ' disagree with the days computed now:'
    ] %}
    {% for row in rows %}
        {% do lines.append(
            '  ' ~ row[1] ~ ' day(s) from ' ~ row[2] ~ ' to ' ~ row[3] ~ ' computed with ' ~ row[0]
        ) %}
    {% endfor %}
    {% do lines.append(
        'Keep the settings you want in dbt_project.yml (Athena: vars/prod.yml), not in a one-off'
        ~ ' --vars, then recompute those days with them: dbt build --vars'
        ~ " '{backfill_from: " ~ rows[0][2] ~ ', backfill_to: ' ~ (rows | map(attribute=3) | max)
        ~ "}'."
    ) %}
    {% do log(lines | join('\n'), info=True) %}
    {{ return('') }}
{% endmacro %}
