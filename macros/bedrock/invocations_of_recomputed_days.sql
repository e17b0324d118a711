{#
    Two import CTEs for the daily marts, `days_in_window` (when there is a window) and
    `invocations`: the rows of fct_bedrock_invocations on every UTC day that an incremental run
    recomputes whole, i.e. every day touched by an invocation delivered (or, for a backfill,
    made) inside the window; all rows on a full build. Ends with a comma: more CTEs follow.
#}
{% macro invocations_of_recomputed_days(window) %}
{% if window is not none %}
days_in_window as (

    select distinct usage_date
    from {{ ref('fct_bedrock_invocations') }}
    where
        {{ bedrock_tenant_costs.timestamp_in_window('last_delivered_hour_at', window) }}
        or {{ bedrock_tenant_costs.timestamp_in_window('invoked_at', window) }}

),

{% endif %}
invocations as (

    select invocations.*
    from {{ ref('fct_bedrock_invocations') }} as invocations
    {%- if window is not none %}
    inner join days_in_window
        on invocations.usage_date = days_in_window.usage_date
    {%- endif %}

),
{% endmacro %}
