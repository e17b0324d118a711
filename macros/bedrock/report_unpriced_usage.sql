{#
    on-run-end: when this run built dq_unpriced_usage and it holds rows, prints what needs a
    price: each model, Region, routing scope and tier with its unpriced invocations and days, and
    how to add the price. The marts are all written by then; the test
    assert_unpriced_share_within_limit (on dq_unpriced_usage only, so it skips nothing) is what
    fails the run when a day's unpriced share is over var max_unpriced_share. Model ids and
    Regions come from the logs: they are printed JSON-quoted, so control characters show as
    escapes and cannot rewrite the terminal.
#}
{% macro report_unpriced_usage(results) %}
    {% set relation = bedrock_tenant_costs.relation_built_in_run(results, 'dq_unpriced_usage') %}
    {% if relation is none %}{{ return('') }}{% endif %}
    {% set rows = run_query(
        'select model_id, region, routing_scope, service_tier, context_tier, pricing_status,'
        ~ ' sum(invocation_count), cast(min(usage_date) as varchar),'
        ~ ' cast(max(usage_date) as varchar)'
        ~ ' from ' ~ relation
        ~ ' group by model_id, region, routing_scope, service_tier, context_tier, pricing_status'
        ~ ' order by 7 desc, 1, 2 limit 21'
    ).rows %}
    {% if rows | length == 0 %}{{ return('') }}{% endif %}
    {% set lines = [
        'Unpriced usage (cost left null, never $0; listed in ' ~ relation ~ '):'
    ] %}
    {% for row in rows[:20] %}
        {% do lines.append(
            '  ' ~ row[6] ~ ' invocations of ' ~ (row[0] | tojson) ~ ' in ' ~ (row[1] | tojson)
            ~ ' (scope ' ~ (row[2] | tojson) ~ ', tier ' ~ (row[3] | tojson) ~ ', context '
            ~ (row[4] | tojson) ~ ', ' ~ row[5] ~ ') on ' ~ row[7]
            ~ ('' if row[7] == row[8] else ' .. ' ~ row[8])
        ) %}
    {% endfor %}
    {% if rows | length > 20 %}
        {% do lines.append('  ... and more: select * from ' ~ relation) %}
    {% endif %}
    {% do lines.append(
        'To price them: add a row per model, Region and scope to seeds/bedrock_model_prices.csv'
        ~ ' (docs/pricing.md, "Changing a price"), then dbt seed --select bedrock_model_prices and'
        ~ " dbt build --vars '{backfill_from: <first day>, backfill_to: <last day>}'."
    ) %}
    {% do log(lines | join('\n'), info=True) %}
    {{ return('') }}
{% endmacro %}

{#- The relation of model `name` when this run built it successfully and it exists, else none
    (also when dbt only parses). -#}
{% macro relation_built_in_run(results, name) %}
    {% if not execute %}{{ return(none) }}{% endif %}
    {% for result in results %}
        {% if result.node.name == name and result.status == 'success' %}
            {{ return(adapter.get_relation(
                database=result.node.database, schema=result.node.schema,
                identifier=result.node.alias)) }}
        {% endif %}
    {% endfor %}
    {{ return(none) }}
{% endmacro %}
