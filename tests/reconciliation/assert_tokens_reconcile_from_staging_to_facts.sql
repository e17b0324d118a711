{#
    Tokens are neither lost nor duplicated between staging and the facts: per UTC day, the tokens
    of every logged delivery equal the facts' tokens times their delivery count (for records whose
    deliveries agree), and the distinct request ids equal the fact rows. Returns the days that differ.
#}

with

conflicting_requests as (

    select request_id
    from {{ ref('fct_bedrock_invocations') }}
    where has_conflicting_deliveries

),

staged as (

    select
        invocations.usage_date,
        count(distinct invocations.request_id) as request_count,
        sum(input_tokens) as input_tokens,
        sum(output_tokens) as output_tokens,
        sum(cache_read_input_tokens) as cache_read_input_tokens,
        sum(cache_write_input_tokens) as cache_write_input_tokens
    from {{ ref('stg_bedrock__invocations') }} as invocations
    where
        not exists (
            select 1
            from conflicting_requests
            where conflicting_requests.request_id = invocations.request_id
        )
    group by invocations.usage_date

),

facts as (

    select
        usage_date,
        count(*) as request_count,
        sum(input_tokens * delivery_count) as input_tokens,
        sum(output_tokens * delivery_count) as output_tokens,
        sum(cache_read_input_tokens * delivery_count) as cache_read_input_tokens,
        sum(cache_write_input_tokens * delivery_count) as cache_write_input_tokens
    from {{ ref('fct_bedrock_invocations') }}
    where not has_conflicting_deliveries
    group by usage_date

)

select
    coalesce(staged.usage_date, facts.usage_date) as usage_date,
    staged.request_count as staged_request_count,
    facts.request_count as fact_request_count
from staged
full outer join facts
    on staged.usage_date = facts.usage_date
where
    staged.usage_date is null
    or facts.usage_date is null
    or staged.request_count <> facts.request_count
    or staged.input_tokens <> facts.input_tokens
    or staged.output_tokens <> facts.output_tokens
    or staged.cache_read_input_tokens <> facts.cache_read_input_tokens
    or staged.cache_write_input_tokens <> facts.cache_write_input_tokens
