{#
    The select list of a mart with contract: every column of the model's YAML, in YAML order,
    cast to its declared data_type (timestamps to the engine's mart timestamp type). The cast
    pins the physical type on every engine (e.g. Iceberg's timestamp(6) on Athena), so the
    contract holds by construction, and the YAML stays the single place that names the columns.
#}
{% macro columns_cast_to_contract() %}
    {#- a unit test has no view of the tested model's YAML columns (its graph is empty): it
        selects the final CTE's columns as they are and compares the ones it names -#}
    {%- if execute and model.resource_type == 'unit_test' -%}
        {{ return('*') }}
    {%- endif -%}
    {%- set columns = model.columns.values() | list -%}
    {%- if execute and columns | length == 0 -%}
        {{ exceptions.raise_compiler_error(
            "columns_cast_to_contract needs the model's columns declared in YAML: " ~ model.name
        ) }}
    {%- endif -%}
    {%- for column in columns %}
        {%- set data_type = column.data_type | lower -%}
        {%- if data_type == 'timestamp' -%}
            {%- set data_type = bedrock_tenant_costs.timestamp_type() -%}
        {%- endif %}
        cast({{ column.name }} as {{ data_type }}) as {{ column.name }}{{ "," if not loop.last }}
    {%- endfor -%}
{% endmacro %}
