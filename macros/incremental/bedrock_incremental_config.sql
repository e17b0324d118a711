{#
    Incremental configuration per engine, so that models say what they need and not how each
    engine does it. Use as {{ config(**bedrock_incremental_config(...)) }}.

    kind='append_files'  append only; the model itself skips log files it already holds
                         (base_bedrock__log_lines).
    kind='upsert'        one row per unique_key; rows of the run replace earlier versions
                         (DuckDB delete+insert; Athena Iceberg MERGE).
    kind='replace_keys'  several rows per unique_key; a run replaces every row of each key it
                         recomputes (a pre-hook deletes them, then DuckDB delete+insert on
                         unique_key; Athena Iceberg MERGE on row_key, the row's own unique id).
    kind='replace_days'  whole days recomputed: every row of a recomputed usage_date is replaced
                         (a pre-hook deletes the days, so groups that vanished go too; then
                         DuckDB delete+insert on usage_date, Athena Iceberg MERGE on unique_key).

    On Athena every incremental model is an Iceberg table partitioned by `partition_by`, and a
    MERGE only touches target partitions from the earliest one in the new batch (the
    incremental_predicates), so it does not rewrite the whole history. Athena writes at most 100
    partitions per query; when a statement needs more, dbt-athena 1.11 catches
    TOO_MANY_OPEN_PARTITIONS and writes in batches of 100 partitions by itself (tested on the
    local Athena, whose Trino has the same limit).
#}
{% macro bedrock_incremental_config(kind, partition_by, unique_key=none, row_key=none) %}
    {% set common = {'materialized': 'incremental', 'on_schema_change': 'fail'} %}
    {% if target.type == 'athena' %}
        {% do common.update({
            'table_type': 'iceberg',
            'format': 'parquet',
            'write_compression': 'zstd',
            'partitioned_by': [partition_by],
        }) %}
        {% if kind == 'append_files' %}
            {% do common.update({'incremental_strategy': 'append'}) %}
        {% else %}
            {#- dbt renders incremental_predicates once, at parse time, when `this` still has the
                profile's schema (dbt-core #6658): name the schema dbt-athena will really put
                the __dbt_tmp table in, the model's own (or its temp_schema), by the same
                generate_schema_name dbt itself calls. -#}
            {% set tmp_schema = model.config.get('temp_schema') or generate_schema_name(
                model.config.get('schema'), model) %}
            {% set tmp_relation = tmp_schema ~ '.' ~ this.identifier ~ '__dbt_tmp' %}
            {% do common.update({
                'incremental_strategy': 'merge',
                'unique_key': row_key if kind == 'replace_keys' else unique_key,
                'incremental_predicates': [
                    'target.' ~ partition_by ~ ' >= (select min(' ~ partition_by ~ ') from '
                    ~ tmp_relation ~ ')'
                ],
            }) %}
        {% endif %}
    {% else %}
        {% if kind == 'append_files' %}
            {% do common.update({'incremental_strategy': 'append'}) %}
        {% elif kind == 'replace_days' %}
            {% do common.update({'incremental_strategy': 'delete+insert', 'unique_key': partition_by}) %}
        {% else %}
            {% do common.update({'incremental_strategy': 'delete+insert', 'unique_key': unique_key}) %}
        {% endif %}
    {% endif %}
    {% if kind in ['replace_days', 'replace_keys'] %}
        {#- rows that vanish on recomputation (a day without issues any more, a request whose
            kept delivery has other tags) must go too: delete what is recomputed, then write -#}
        {% do common.update({
            'pre_hook': ["{{ bedrock_tenant_costs.delete_recomputed_rows('" ~ kind ~ "') }}"]
        }) %}
    {% endif %}
    {{ return(common) }}
{% endmacro %}

{#
    Pre-hook of the replace_days and replace_keys models: on an incremental run, deletes the rows
    the run recomputes (the days touched by invocations delivered or, for a backfill, made inside
    the window; or the requests whose de-duplicated row is inside it), so that a group or key that
    no longer exists does not survive the upsert. The window is the model's own, computed from the
    same watermark the model's SQL used (the hook runs before the model writes).
#}
{% macro delete_recomputed_rows(kind) %}
    {%- if execute and is_incremental() -%}
        {%- set window = bedrock_tenant_costs.incremental_window('last_delivered_hour_at') -%}
        {%- if window is not none -%}
            {%- if kind == 'replace_days' %}
    delete from {{ this }}
    where usage_date in (
        select usage_date
        from {{ ref('fct_bedrock_invocations') }}
        where {{ bedrock_tenant_costs.touched_by_window(window) }}
    )
            {%- else %}
    delete from {{ this }}
    where request_id in (
        select request_id
        from {{ ref('int_bedrock__invocations_deduplicated') }}
        where {{ bedrock_tenant_costs.touched_by_window(window) }}
    )
            {%- endif -%}
        {%- endif -%}
    {%- endif -%}
{% endmacro %}
