{#
    fct_tenant_daily_usage holds exactly the invocations of fct_bedrock_invocations: per UTC day
    and tenant, every count, token class and cost component adds up to the cent (exactly, in
    decimals). Returns the tenant-days that differ or exist on one side only.
#}

{%- set measures = reconciliation_measures() -%}

with

invocation_totals as (

    select
        {%- for name, expression in measures %}
        {{ expression }} as {{ name }},
        {%- endfor %}
        usage_date,
        tenant_id
    from {{ ref('fct_bedrock_invocations') }}
    group by usage_date, tenant_id

),

daily_totals as (

    select
        {%- for name, expression in measures %}
        sum({{ name }}) as {{ name }},
        {%- endfor %}
        usage_date,
        tenant_id
    from {{ ref('fct_tenant_daily_usage') }}
    group by usage_date, tenant_id

)

select
    coalesce(invocation_totals.usage_date, daily_totals.usage_date) as usage_date,
    coalesce(invocation_totals.tenant_id, daily_totals.tenant_id) as tenant_id
from invocation_totals
full outer join daily_totals
    on
        invocation_totals.usage_date = daily_totals.usage_date
        and invocation_totals.tenant_id = daily_totals.tenant_id
where
    invocation_totals.usage_date is null
    or daily_totals.usage_date is null
    {%- for name, expression in measures %}
    or invocation_totals.{{ name }} <> daily_totals.{{ name }}
    {%- endfor %}
