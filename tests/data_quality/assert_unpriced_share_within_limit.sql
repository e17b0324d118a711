{#
    Fails for every UTC day on which more than var max_unpriced_share of the invocations with
    tokens could not be priced (dq_unpriced_usage lists them; any unpriced usage at all already
    raises a warning). A missing price must be added to the seed, not ignored.
#}

{%- set max_share = var('max_unpriced_share') -%}
{%- if max_share is not number or max_share < 0 or max_share > 1 -%}
    {{ exceptions.raise_compiler_error(
        "var max_unpriced_share must be a share between 0 and 1; got: " ~ max_share
    ) }}
{%- endif -%}

with

daily as (

    select
        usage_date,
        sum(case when is_priced then 0 else 1 end) as unpriced_invocation_count,
        sum(case when total_tokens > 0 then 1 else 0 end) as billable_invocation_count
    from {{ ref('fct_bedrock_invocations') }}
    group by usage_date

)

select
    usage_date,
    unpriced_invocation_count,
    billable_invocation_count
from daily
where unpriced_invocation_count > {{ max_share }} * billable_invocation_count
