{#
    The bill's callers against the logs' callers: one row per usage day, usage account and IAM
    principal that either side has, for the billing periods whose bill carries IAM principal
    data (line_item_iam_principal, with the export's "Include caller identity" option; without
    it this mart is empty).

    The bill names the principal of each usage line; the invocation logs name it in
    identity.arn, beside the tenant. A gateway that assumes a role per tenant (the session name,
    or the role, is the tenant) makes the bill carry the tenant: such a principal's logged calls
    all belong to one tenant. principal_status:
      one_tenant       billed, and its logged calls that day are one tenant's (logged_tenant_id);
      several_tenants  billed, and its logged calls are several tenants' (a shared role: the bill
                       cannot tell them apart; the logs' tags can);
      not_logged       billed, without a logged call that day (a caller without invocation
                       logging, a lost log file, batch jobs);
      not_billed       logged calls without a billed line of that principal that day.
#}

with

bill_lines as (

    select * from {{ ref('int_bedrock_cur__usage_lines_resolved') }}

),

invocations as (

    select * from {{ ref('fct_bedrock_invocations') }}

),

periods_with_principals as (

    select distinct billing_period
    from bill_lines
    where iam_principal is not null and iam_principal <> ''

),

billed_principals as (

    select
        bill_lines.usage_date,
        bill_lines.usage_account_id,
        bill_lines.iam_principal,
        count(*) as billed_line_count,
        cast(sum(bill_lines.billed_cost_usd) as {{ money_type() }}) as billed_cost_usd
    from bill_lines
    where
        bill_lines.mapping_status <> 'adjustment'
        and bill_lines.iam_principal is not null
        and bill_lines.iam_principal <> ''
    group by 1, 2, 3

),

logged_principals as (

    select
        invocations.usage_date,
        invocations.account_id as usage_account_id,
        invocations.identity_arn as iam_principal,
        count(*) as logged_invocation_count,
        count(distinct invocations.tenant_id) as logged_tenant_count,
        min(invocations.tenant_id) as first_tenant_id
    from invocations
    inner join periods_with_principals
        on cast(date_trunc('month', invocations.usage_date) as date) = periods_with_principals.billing_period
    where invocations.identity_arn is not null
    group by 1, 2, 3

),

joined as (

    select
        coalesce(billed_principals.usage_date, logged_principals.usage_date) as usage_date,
        coalesce(billed_principals.usage_account_id, logged_principals.usage_account_id)
            as usage_account_id,
        coalesce(billed_principals.iam_principal, logged_principals.iam_principal)
            as iam_principal,
        coalesce(billed_principals.billed_line_count, 0) as billed_line_count,
        coalesce(billed_principals.billed_cost_usd, cast(0 as {{ money_type() }}))
            as billed_cost_usd,
        coalesce(logged_principals.logged_invocation_count, 0) as logged_invocation_count,
        coalesce(logged_principals.logged_tenant_count, 0) as logged_tenant_count,
        case
            when logged_principals.logged_tenant_count = 1 then logged_principals.first_tenant_id
        end as logged_tenant_id,
        case
            when billed_principals.usage_date is null then 'not_billed'
            when logged_principals.usage_date is null then 'not_logged'
            when logged_principals.logged_tenant_count = 1 then 'one_tenant'
            else 'several_tenants'
        end as principal_status
    from billed_principals
    full outer join logged_principals
        on
            billed_principals.usage_date = logged_principals.usage_date
            and billed_principals.usage_account_id = logged_principals.usage_account_id
            and billed_principals.iam_principal = logged_principals.iam_principal

),

final as (

    select
        {{ hash_text(bill_bucket_key(['usage_date', 'usage_account_id', 'iam_principal'])) }}
            as bill_principal_id,
        *
    from joined

)

select
    {{ columns_cast_to_contract() }}
from final
