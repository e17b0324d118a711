{#
    Tenant attribution: one row per request id that names a tenant. The tenant is the first
    non-blank value among the requestMetadata keys in var `tenant_id_keys`, in the order listed,
    keys compared case-insensitively (tenantId, TenantID and TENANTID are the same key). Requests
    without any such value get no row here and become `unattributed` downstream.
    has_conflicting_tenant_ids is true when the request's tenant keys carry different values
    (say tenantId=a and tenant_id=b): the first key wins and dq_tenant_attribution_issues lists it.
#}

{%- set tenant_keys = bedrock_tenant_costs.tenant_id_keys() -%}
{%- set tenant_key_literals = [] -%}
{%- for key in tenant_keys -%}
{%- do tenant_key_literals.append(bedrock_tenant_costs.sql_string_literal(key | lower)) -%}
{%- endfor -%}

with

request_metadata as (

    select * from {{ ref('int_bedrock__request_metadata_deduplicated') }}

),

candidates as (

    select
        request_id,
        metadata_key as tenant_id_key,
        metadata_value as tenant_id,
        case metadata_key_normalized
            {%- for literal in tenant_key_literals %}
            when {{ literal }} then {{ loop.index }}
            {%- endfor %}
        end as key_priority
    from request_metadata
    where
        metadata_key_normalized in ({{ tenant_key_literals | join(', ') }})
        and not {{ is_blank_text('metadata_value') }}

),

ranked as (

    select
        *,
        row_number() over (
            partition by request_id
            order by key_priority, tenant_id_key
        ) as candidate_rank,
        min(tenant_id) over (partition by request_id)
        <> max(tenant_id) over (partition by request_id) as has_conflicting_tenant_ids
    from candidates

),

final as (

    select
        request_id,
        tenant_id,
        tenant_id_key,
        has_conflicting_tenant_ids
    from ranked
    where candidate_rank = 1

)

select * from final
