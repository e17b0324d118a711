{#
    The validated list of requestMetadata keys that name the tenant (var `tenant_id_keys`). Stops
    the run with a clear message when the var is not a non-empty list of non-empty strings.
#}
{% macro tenant_id_keys() %}
    {% set keys = var('tenant_id_keys') %}
    {% if keys is string or keys is mapping or keys is not iterable or keys | length == 0 %}
        {{ exceptions.raise_compiler_error(
            "var tenant_id_keys must be a non-empty list of requestMetadata keys, e.g. "
            ~ "['tenantId', 'tenant_id']; got: " ~ keys
        ) }}
    {% endif %}
    {% for key in keys %}
        {% if key is not string or key | trim == '' %}
            {{ exceptions.raise_compiler_error(
                "var tenant_id_keys must hold non-empty strings; got: " ~ keys
            ) }}
        {% endif %}
    {% endfor %}
    {{ return(keys) }}
{% endmacro %}
