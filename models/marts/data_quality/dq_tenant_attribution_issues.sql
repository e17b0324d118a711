{#
    Invocations whose tenant attribution should not be trusted blindly, one row per UTC day,
    tenant, calling identity and issue:
      principal_not_allowed    the tenant has rows in the tenant_allowed_principals seed and the
                               identity ARN that made the call matches none of them (or the
                               call has no identity);
      conflicting_tenant_keys  the request's tenant keys carry different values;
      profile_tenant_mismatch  the tagged tenant differs from the tenant of the mapped
                               application inference profile;
      lookalike_tenant_id      another tenant id differs from this one only by case,
                               surrounding whitespace, invisible or look-alike characters
                               (macro tenant_id_skeleton), e.g. `acme-corp`, `acme-corp ` and
                               `аcme-corp` with a Cyrillic а: one customer split in two, or
                               one tenant posing as another. Both spellings are listed.
    Empty in a healthy pipeline; a warning test fires when it is not.

    Allow-list patterns are values, never SQL: `*` becomes LIKE's `%`, and LIKE's own wildcards
    and the escape character are escaped, so a pattern matches literally otherwise.
    Incremental like the daily marts: every day touched by the window is recomputed whole.
#}

{{ config(**bedrock_incremental_config(
    'replace_days', partition_by='usage_date', unique_key='tenant_attribution_issue_id'
)) }}

{% set window = incremental_window('last_delivered_hour_at') %}

with

fct_bedrock_invocations as (

    select * from {{ ref('fct_bedrock_invocations') }}

),

-- the invocations of every UTC day this run recomputes whole (all of them on a full build)
invocations as (

    select *
    from fct_bedrock_invocations
    where {{ on_recomputed_days('fct_bedrock_invocations', window) }}

),

allowed_principals as (

    select * from {{ ref('tenant_allowed_principals') }}

),

tenants as (

    select * from {{ ref('dim_tenants') }}

),

tenant_skeletons as (

    select
        tenant_id,
        {{ tenant_id_skeleton('tenant_id') }} as tenant_skeleton
    from tenants

),

lookalike_tenants as (

    select tenant_skeletons.tenant_id
    from tenant_skeletons
    inner join tenant_skeletons as other_tenants
        on
            tenant_skeletons.tenant_skeleton = other_tenants.tenant_skeleton
            and tenant_skeletons.tenant_id <> other_tenants.tenant_id
    group by tenant_skeletons.tenant_id

),

like_patterns as (

    select
        tenant_id,
        replace(
            replace(
                replace(replace(principal_arn_pattern, '!', '!!'), '%', '!%'),
                '_', '!_'
            ),
            '*', '%'
        ) as principal_like_pattern
    from allowed_principals

),

principal_checks as (

    select
        invocations.request_id,
        max(
            case
                when invocations.identity_arn like like_patterns.principal_like_pattern escape '!'
                    then 1
                else 0
            end
        ) as is_allowed
    from invocations
    inner join like_patterns
        on invocations.tenant_id = like_patterns.tenant_id
    group by invocations.request_id

),

issues as (

    select
        invocations.*,
        'principal_not_allowed' as issue_type
    from invocations
    inner join principal_checks
        on invocations.request_id = principal_checks.request_id
    where principal_checks.is_allowed = 0

    union all

    select
        invocations.*,
        invocations.tenant_attribution_conflict as issue_type
    from invocations
    where invocations.tenant_attribution_conflict is not null

    union all

    select
        invocations.*,
        'lookalike_tenant_id' as issue_type
    from invocations
    inner join lookalike_tenants
        on invocations.tenant_id = lookalike_tenants.tenant_id

),

daily_issues as (

    select
        usage_date,
        tenant_id,
        coalesce(identity_arn, 'unknown') as identity_arn,
        issue_type,
        cast(count(*) as bigint) as invocation_count,
        cast(coalesce(sum(total_cost_usd), 0) as {{ money_type() }}) as total_cost_usd,
        min(invoked_at) as first_invoked_at,
        max(invoked_at) as last_invoked_at,
        max(last_delivered_hour_at) as last_delivered_hour_at
    from issues
    group by usage_date, tenant_id, identity_arn, issue_type

),

final as (

    select
        {{ hash_text(
            "cast(usage_date as varchar) || '|' || tenant_id || '|' || identity_arn"
            ~ " || '|' || issue_type"
        ) }} as tenant_attribution_issue_id,
        *
    from daily_issues

)

select
    {{ columns_cast_to_contract() }}
from final
