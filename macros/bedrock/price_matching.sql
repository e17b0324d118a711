{#
    Which price rows apply to a call, and which of them wins: the one rule that both pricing
    (int_bedrock__invocations_priced) and the catalog test (every offering has exactly one price)
    use, so that what the test proves is what prices the invocations.

    `call` is a relation alias with model_id, region, region_partition, region_group,
    routing_scope, service_tier, context_tier and usage_date; `price` one of
    int_pricing__model_prices. A price row applies when
      - the model is the same;
      - its region is the call's Region, or the call's geography (us, eu, apac, ..., us-gov:
        seed bedrock_regions), or `*` for every commercial Region (partition aws; GovCloud and
        China have prices of their own);
      - its routing scope is the call's or `*`; service and context tier are the call's exactly;
      - the call's UTC date is within [effective_from, effective_to).
#}
{% macro bedrock_price_applies(call, price) %}
    {{ call }}.model_id = {{ price }}.model_id
    and (
        {{ price }}.region = {{ call }}.region
        or {{ price }}.region = {{ call }}.region_group
        or ({{ price }}.region = '*' and {{ call }}.region_partition = 'aws')
    )
    and ({{ price }}.routing_scope = {{ call }}.routing_scope or {{ price }}.routing_scope = '*')
    and {{ price }}.service_tier = {{ call }}.service_tier
    and {{ price }}.context_tier = {{ call }}.context_tier
    and {{ call }}.usage_date >= {{ price }}.effective_from
    and ({{ price }}.effective_to is null or {{ call }}.usage_date < {{ price }}.effective_to)
{% endmacro %}

{#
    How specific an applying price row is, lower wins: an exact Region beats a geography, which
    beats `*`; then an exact routing scope beats `*`. Two applying rows with the same value are a
    catalog error (the catalog test fails on them).
#}
{% macro bedrock_price_specificity(call, price) %}
    (
        case
            when {{ price }}.region = {{ call }}.region then 0
            when {{ price }}.region = '*' then 4
            else 2
        end
        + case when {{ price }}.routing_scope = '*' then 1 else 0 end
    )
{% endmacro %}
