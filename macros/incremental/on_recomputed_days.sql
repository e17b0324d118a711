{#
    The predicate that keeps the invocations of every UTC day an incremental run recomputes
    whole: every day touched by an invocation delivered (or, for a backfill, made) inside the
    window. True on a full build. `invocations` is the relation (or import CTE) of
    fct_bedrock_invocations that the model reads; the predicate filters `column`, a UTC day
    (usage_date of the invocations, or of other rows keyed by the same days).
#}
{% macro on_recomputed_days(invocations, window, column='usage_date') %}
    {%- if window is none -%}
        (1 = 1)
    {%- else -%}
        {{ column }} in (
            select recomputed.usage_date
            from {{ invocations }} as recomputed
            where {{ bedrock_tenant_costs.touched_by_window(
                window, 'recomputed.last_delivered_hour_at', 'recomputed.invoked_at'
            ) }}
        )
    {%- endif -%}
{% endmacro %}
