{#
    The Bedrock lines of the AWS bill (CUR 2.0, newest delivery of each billing period), typed,
    with the usage type read into its parts. One row per CUR line item.

    A line is Bedrock's when its product code is AmazonBedrock or AmazonBedrockService, its
    product is an "(Amazon Bedrock Edition)" (models billed through AWS Marketplace), or its
    resource is a Bedrock ARN.

    line_item_usage_type comes in three observed families (docs/bill-reconciliation.md):
      native       {REGION}-{BillingModelName}-{class}[-{modifier}...]  USE1-Claude4.6Sonnet-input-tokens,
                   USE1-Nova2.0Lite-input-tokens-flex-cross-region-global, USE1-moonshotai.kimi-k2.5-input
                   (bedrock-mantle usage types have this shape too, with -mantle in the model name)
      marketplace  {REGION}-MP:{REGION}_{Component}[_{modifier}...]-Units  USW2-MP:USW2_InputTokenCount-Units;
                   the model is only in the resource id or the product name
    Modifiers may stand before or after the class and in any order. A usage type of neither
    shape keeps null parts and is listed in dq_unmapped_bill_lines with its cost; so does a
    native one whose model name would hold a class word (cache, input, output, tokens): a class
    spelled in a way this model does not know, which must not be read as a model name.
-#}

{%- set modifiers = 'cross-region-global|global|batch|flex|priority|standard|long-context|latency-optimized' -%}
{%- set native_classes = (
    'cache-read-input-token-count|cache-write-1h-input-token-count|cache-write-input-token-count'
    ~ '|cache-read-input-tokens|cache-write-1h-input-tokens|cache-write-input-tokens'
    ~ '|cache-read-tokens|cache-write-1h-tokens|cache-write-tokens'
    ~ '|text-input-tokens|text-output-tokens|input-tokens|output-tokens|input|output'
) -%}
{%- set native = (
    '^([A-Z]+[0-9]*)-(.+?)((?:-(?:' ~ modifiers ~ '))*)-(' ~ native_classes ~ ')((?:-(?:'
    ~ modifiers ~ '))*)$'
) -%}
{%- set native_model_name = regex_group('usage_type', native, 2) -%}
{%- set class_words = '(.*-)?(cache|input|output|tokens?)(-.*)?' -%}
{%- set marketplace = (
    '^([A-Z]+[0-9]*)-MP:[A-Z]+[0-9]*_(InputTokenCount|OutputTokenCount|CacheReadInputTokenCount'
    ~ '|CacheWrite1hInputTokenCount|CacheWriteInputTokenCount|input_tokens|output_tokens'
    ~ '|cache_read_tokens|cache_write_tokens_1h|cache_write_tokens)'
    ~ '((?:_(?:Global|global|Batch|batch|Flex|flex|Priority|priority|long_ctx|standard))*)-Units$'
) -%}

with

-- depends_on: {{ source('bedrock_cur', 'line_items') }}
cur_line_items as (

    select * from {{ bedrock_cur_line_items_relation() }}

),

typed as (

    select
        export_name,
        source_file,
        -- the BILLING_PERIOD=YYYY-MM folder of the file, else the line's own period start
        coalesce(
            try_cast(billing_period || '-01' as date),
            try_cast(substr(trim(bill_billing_period_start_date), 1, 10) as date)
        ) as billing_period,
        trim(bill_payer_account_id) as payer_account_id,
        trim(bill_billing_entity) as billing_entity,
        trim(line_item_usage_account_id) as usage_account_id,
        try_cast(replace(substr(trim(line_item_usage_start_date), 1, 19), 'T', ' ') as {{ timestamp_type() }})
            as usage_start_at,
        try_cast(replace(substr(trim(line_item_usage_end_date), 1, 19), 'T', ' ') as {{ timestamp_type() }})
            as usage_end_at,
        trim(line_item_product_code) as product_code,
        trim(line_item_usage_type) as usage_type,
        trim(line_item_operation) as usage_operation,
        trim(line_item_line_item_type) as line_item_type,
        try_cast(trim(line_item_usage_amount) as {{ money_type() }}) as usage_amount,
        trim(pricing_unit) as pricing_unit,
        try_cast(trim(line_item_unblended_cost) as {{ money_type() }}) as unblended_cost_usd,
        try_cast(trim(line_item_net_unblended_cost) as {{ money_type() }}) as net_unblended_cost_usd,
        trim(line_item_resource_id) as resource_id,
        trim(line_item_iam_principal) as iam_principal,
        -- the product name, or (an export without product_product_name) the product map's
        coalesce(nullif(trim(product_product_name), ''), nullif(trim(product_map_name), '')) as product_name,
        lower(trim(product_region_code)) as product_region_code
    from cur_line_items

),

bedrock_lines as (

    select
        *,
        -- the usage type when it reads as the native family with a model name free of class words
        case
            when
                not coalesce({{ regex_full_match(native_model_name, class_words) }}, false)
                then usage_type
        end as native_usage_type
    from typed
    where
        product_code in ('AmazonBedrock', 'AmazonBedrockService')
        or product_name like '%(Amazon Bedrock Edition)'
        or resource_id like 'arn:aws%:bedrock:%'

),

parsed as (

    select
        *,
        coalesce(
            {{ regex_group('native_usage_type', native, 1) }},
            {{ regex_group('usage_type', marketplace, 1) }}
        ) as usage_type_region_prefix,
        case
            when {{ regex_group('usage_type', marketplace, 1) }} is not null then 'marketplace'
            when {{ regex_group('native_usage_type', native, 1) }} is not null then 'native'
        end as usage_type_family,
        {{ regex_group('native_usage_type', native, 2) }} as billing_model_name,
        lower(coalesce(
            {{ regex_group('native_usage_type', native, 4) }},
            {{ regex_group('usage_type', marketplace, 2) }}
        )) as token_class_text,
        lower(coalesce(
            {{ regex_group('native_usage_type', native, 3) }} || {{ regex_group('native_usage_type', native, 5) }},
            {{ regex_group('native_usage_type', native, 3) }},
            {{ regex_group('native_usage_type', native, 5) }},
            {{ regex_group('usage_type', marketplace, 3) }},
            ''
        )) as modifiers_text,
        {{ regex_group('resource_id', '^arn:aws[a-z-]*:bedrock:[^:]*::foundation-model/(.+)$', 1) }}
            as resource_model_id,
        trim(replace(product_name, '(Amazon Bedrock Edition)', '')) as product_model_name,
        case
            when line_item_type in ('Usage', 'DiscountedUsage', 'SavingsPlanCoveredUsage') then 'usage'
            else 'adjustment'
        end as line_kind
    from bedrock_lines

),

final as (

    select
        -- strings
        export_name,
        payer_account_id,
        billing_entity,
        usage_account_id,
        product_code,
        usage_type,
        usage_operation,
        line_item_type,
        line_kind,
        pricing_unit,
        resource_id,
        iam_principal,
        product_name,
        product_region_code,
        usage_type_family,
        usage_type_region_prefix,
        billing_model_name,
        resource_model_id,
        product_model_name,
        case
            when token_class_text is null then null
            when token_class_text like '%cache%read%' then 'cache_read'
            when token_class_text like '%cache%1h%' then 'cache_write_1h'
            when token_class_text like '%cache%write%' then 'cache_write_5m'
            when token_class_text like '%output%' then 'output'
            else 'input'
        end as token_class,
        case
            when token_class_text is null then null
            when modifiers_text like '%global%' then 'global'
            else 'regional'
        end as routing_scope,
        case
            when token_class_text is null then null
            when modifiers_text like '%batch%' then 'batch'
            when modifiers_text like '%flex%' then 'flex'
            when modifiers_text like '%priority%' then 'priority'
            when modifiers_text like '%latency%optimized%' then 'latency_optimized'
            else 'standard'
        end as service_tier,
        case
            when token_class_text is null then null
            when modifiers_text like '%long%' then 'long_context'
            else 'standard'
        end as context_tier,
        -- tokens per unit of pricing_unit (Marketplace "Units" are 1M tokens)
        case
            when lower(pricing_unit) = 'units' and usage_type_family = 'marketplace' then 1000000
            when lower(pricing_unit) in ('1k tokens', 'thousand tokens') then 1000
            when lower(pricing_unit) in ('1m tokens', 'million tokens') then 1000000
            when lower(pricing_unit) in ('tokens', 'token') then 1
        end as tokens_per_unit,
        source_file,

        -- numbers
        usage_amount,
        unblended_cost_usd,
        net_unblended_cost_usd,

        -- booleans
        -- (an adjustment, such as a tax line, may have no usage amount)
        (
            usage_start_at is not null and unblended_cost_usd is not null
            and (usage_amount is not null or line_kind = 'adjustment')
        ) as is_readable,

        -- dates and timestamps
        billing_period,
        cast(usage_start_at as date) as usage_date,
        usage_start_at,
        usage_end_at
    from parsed

)

select * from final
