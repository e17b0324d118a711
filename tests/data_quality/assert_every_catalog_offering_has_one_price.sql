{#
    The price catalog is complete and unambiguous: for every (model, Region, routing scope,
    service tier) that seed bedrock_model_offerings claims, for every context tier the model can
    bill (long_context where it has a long-context rule), and on every day a price or rule of the
    model starts or ends within the offering, exactly one price row of int_pricing__model_prices
    applies at the best specificity. Pricing uses the same two macros, so this is the rule that
    prices the invocations. Returns one row per check that finds no price or a tie.
#}

with

offerings as (

    select * from {{ ref('stg_pricing__bedrock_model_offerings') }}

),

regions as (

    select * from {{ ref('stg_pricing__bedrock_regions') }}

),

prices as (

    select * from {{ ref('int_pricing__model_prices') }}

),

long_context_rules as (

    select * from {{ ref('stg_pricing__bedrock_long_context_rules') }}

),

offered_regions as (

    select
        offerings.model_id,
        regions.region,
        regions.aws_partition as region_partition,
        regions.region_group,
        offerings.routing_scope,
        offerings.service_tier,
        offerings.available_from,
        offerings.available_to
    from offerings
    inner join regions
        on
            offerings.regions = regions.region
            or offerings.regions = regions.region_group
            or (offerings.regions = '*' and regions.aws_partition = 'aws')

),

boundary_days as (

    select
        model_id,
        effective_from as check_date
    from prices
    union
    select
        model_id,
        effective_to as check_date
    from prices
    where effective_to is not null
    union
    select
        model_id,
        effective_from as check_date
    from long_context_rules
    union
    select
        model_id,
        available_from as check_date
    from offerings

),

context_tiers as (

    select distinct
        model_id,
        'long_context' as context_tier,
        effective_from,
        effective_to
    from long_context_rules

),

checks as (

    select
        offered_regions.model_id,
        offered_regions.region,
        offered_regions.region_partition,
        offered_regions.region_group,
        offered_regions.routing_scope,
        offered_regions.service_tier,
        'standard' as context_tier,
        boundary_days.check_date as usage_date
    from offered_regions
    inner join boundary_days
        on
            offered_regions.model_id = boundary_days.model_id
            and offered_regions.available_from <= boundary_days.check_date
            and (
                offered_regions.available_to is null
                or offered_regions.available_to > boundary_days.check_date
            )

),

checks_with_context as (

    select * from checks

    union all

    select
        checks.model_id,
        checks.region,
        checks.region_partition,
        checks.region_group,
        checks.routing_scope,
        checks.service_tier,
        context_tiers.context_tier,
        checks.usage_date
    from checks
    inner join context_tiers
        on
            checks.model_id = context_tiers.model_id
            and checks.usage_date >= context_tiers.effective_from
            and (context_tiers.effective_to is null or checks.usage_date < context_tiers.effective_to)
    {#- batch jobs are not logged and never long; the premium applies to on-demand tiers #}
    where checks.service_tier <> 'batch'

),

candidates as (

    select
        checks_with_context.model_id,
        checks_with_context.region,
        checks_with_context.routing_scope,
        checks_with_context.service_tier,
        checks_with_context.context_tier,
        checks_with_context.usage_date,
        prices.price_id,
        {{ bedrock_price_specificity('checks_with_context', 'prices') }} as specificity
    from checks_with_context
    inner join prices
        on {{ bedrock_price_applies('checks_with_context', 'prices') }}

),

best as (

    select
        model_id,
        region,
        routing_scope,
        service_tier,
        context_tier,
        usage_date,
        min(specificity) as specificity
    from candidates
    group by 1, 2, 3, 4, 5, 6

),

winners as (

    select
        best.model_id,
        best.region,
        best.routing_scope,
        best.service_tier,
        best.context_tier,
        best.usage_date,
        count(*) as winning_rows
    from best
    inner join candidates
        on
            best.model_id = candidates.model_id
            and best.region = candidates.region
            and best.routing_scope = candidates.routing_scope
            and best.service_tier = candidates.service_tier
            and best.context_tier = candidates.context_tier
            and best.usage_date = candidates.usage_date
            and best.specificity = candidates.specificity
    group by 1, 2, 3, 4, 5, 6

),

final as (

    select
        checks_with_context.model_id,
        checks_with_context.region,
        checks_with_context.routing_scope,
        checks_with_context.service_tier,
        checks_with_context.context_tier,
        checks_with_context.usage_date,
        coalesce(winners.winning_rows, 0) as winning_rows,
        case
            when winners.winning_rows is null then 'no price row applies'
            else 'several price rows tie at the best specificity'
        end as problem
    from checks_with_context
    left join winners
        on
            checks_with_context.model_id = winners.model_id
            and checks_with_context.region = winners.region
            and checks_with_context.routing_scope = winners.routing_scope
            and checks_with_context.service_tier = winners.service_tier
            and checks_with_context.context_tier = winners.context_tier
            and checks_with_context.usage_date = winners.usage_date
    where coalesce(winners.winning_rows, 0) <> 1

)

select * from final
