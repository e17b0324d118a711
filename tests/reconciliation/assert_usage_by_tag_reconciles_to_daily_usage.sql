{#
    Each tag key partitions a tenant's day: for every UTC day, tenant and tag key in
    fct_tenant_daily_usage_by_tag, the rows of that key (its null-valued row included) add up to
    the tenant's day in fct_tenant_daily_usage. Returns the day/tenant/key groups that differ.
#}

{%- set measures = reconciliation_measures() -%}

with

tag_totals as (

    select
        {%- for name, expression in measures %}
        sum({{ name }}) as {{ name }},
        {%- endfor %}
        usage_date,
        tenant_id,
        tag_key
    from {{ ref('fct_tenant_daily_usage_by_tag') }}
    group by usage_date, tenant_id, tag_key

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
    tag_totals.usage_date,
    tag_totals.tenant_id,
    tag_totals.tag_key
from tag_totals
left join daily_totals
    on
        tag_totals.usage_date = daily_totals.usage_date
        and tag_totals.tenant_id = daily_totals.tenant_id
where
    daily_totals.usage_date is null
    {%- for name, expression in measures %}
    or tag_totals.{{ name }} <> daily_totals.{{ name }}
    {%- endfor %}
