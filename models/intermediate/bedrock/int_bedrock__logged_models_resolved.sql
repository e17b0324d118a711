{#
    Model resolution: one row per distinct modelId as logged, resolved to the base model that
    prices it and to its routing scope.
      - foundation-model ARNs and inference-profile ARNs are stripped to their resource id;
      - the system inference-profile prefixes us. eu. apac. jp. au. us-gov. ca. in. are `geo`,
        global. is `global`; a plain model id is `in_region`;
      - application inference profiles are opaque: the seed bedrock_application_inference_profiles
        maps a profile id to its base model, routing scope and optionally a tenant; an unmapped
        profile stays unpriced and visible;
      - provisioned-throughput models are billed per model unit-hour, not per token.
#}

{%- set arn_pattern = '^arn:[^:]*:bedrock:[^:]*:[^:]*:([^/]+)/(.+)$' -%}
{%- set geo_prefix_pattern = '^(us-gov|us|eu|apac|jp|au|ca|in|global)[.]' -%}

with

logged_models as (

    select distinct logged_model_id
    from {{ ref('int_bedrock__invocations_deduplicated') }}

),

application_profiles as (

    select
        lower(trim(application_profile_id)) as application_profile_id,
        lower(trim(model_id)) as model_id,
        trim(routing_scope) as routing_scope,
        nullif(trim(tenant_id), '') as tenant_id
    from {{ ref('bedrock_application_inference_profiles') }}

),

arn_parts as (

    select
        logged_model_id,
        lower(trim(logged_model_id)) as normalized_model_id,
        nullif(regexp_extract(lower(trim(logged_model_id)), '{{ arn_pattern }}', 1), '')
            as arn_resource_type,
        nullif(regexp_extract(lower(trim(logged_model_id)), '{{ arn_pattern }}', 2), '')
            as arn_resource_id
    from logged_models

),

classified as (

    select
        logged_model_id,
        arn_resource_id,
        case
            when arn_resource_type is null and normalized_model_id like 'arn:%' then 'other_arn'
            when arn_resource_type is null then 'model_id'
            when arn_resource_type = 'foundation-model' then 'foundation_model_arn'
            when arn_resource_type = 'inference-profile' then 'inference_profile_arn'
            when arn_resource_type = 'application-inference-profile'
                then 'application_inference_profile_arn'
            when arn_resource_type = 'provisioned-model' then 'provisioned_model_arn'
            else 'other_arn'
        end as model_id_form,
        case
            when arn_resource_type is null and normalized_model_id not like 'arn:%'
                then normalized_model_id
            when arn_resource_type in ('foundation-model', 'inference-profile')
                then arn_resource_id
        end as profile_or_model_id
    from arn_parts

),

prefixed as (

    select
        *,
        nullif(regexp_extract(profile_or_model_id, '{{ geo_prefix_pattern }}', 1), '')
            as inference_profile_prefix
    from classified

),

mapped as (

    select
        prefixed.*,
        application_profiles.application_profile_id,
        application_profiles.model_id as application_profile_model_id,
        application_profiles.routing_scope as application_profile_routing_scope,
        application_profiles.tenant_id as application_profile_tenant_id
    from prefixed
    left join application_profiles
        on
            prefixed.model_id_form = 'application_inference_profile_arn'
            and prefixed.arn_resource_id = application_profiles.application_profile_id

),

final as (

    select
        logged_model_id,
        case
            when application_profile_id is not null then application_profile_model_id
            when inference_profile_prefix is null then profile_or_model_id
            else substr(profile_or_model_id, length(inference_profile_prefix) + 2)
        end as model_id,
        model_id_form,
        inference_profile_prefix,
        case
            when application_profile_id is not null then application_profile_routing_scope
            when model_id_form = 'application_inference_profile_arn' then 'application_profile'
            when model_id_form = 'provisioned_model_arn' then 'provisioned'
            when profile_or_model_id is null then 'unknown'
            when inference_profile_prefix = 'global' then 'global'
            when inference_profile_prefix is not null then 'geo'
            else 'in_region'
        end as routing_scope,
        application_profile_tenant_id,
        model_id_form <> 'provisioned_model_arn' as is_token_priced
    from mapped

)

select * from final
