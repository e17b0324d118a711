{#
    Incremental configuration per engine, so that models say what they need and not how each
    engine does it. Use as {{ config(**bedrock_incremental_config(...)) }}.

    kind='append_files'  append only; the model itself skips log files it already holds
                         (base_bedrock__log_lines).
    kind='upsert'        one row per unique_key; rows of the run replace earlier versions
                         (DuckDB delete+insert; Athena Iceberg MERGE).
    kind='replace_keys'  several rows per unique_key; a run replaces every row of each key it
                         recomputes (DuckDB delete+insert on unique_key; Athena Iceberg MERGE
                         on row_key, the row's own unique id).
    kind='replace_days'  whole days recomputed: every row of a recomputed usage_date is replaced
                         (DuckDB delete+insert on usage_date; Athena Iceberg MERGE on unique_key,
                         which is safe because a day's groups only ever gain invocations).

    On Athena every incremental model is an Iceberg table partitioned by `partition_by`, and a
    MERGE only touches target partitions from the earliest one in the new batch (the
    incremental_predicates), so it does not rewrite the whole history. Athena writes at most 100
    partitions per query: var athena_force_batch makes dbt-athena write partition by partition
    (for a first build or full refresh over more than 100 days of logs).
#}
{% macro bedrock_incremental_config(kind, partition_by, unique_key=none, row_key=none) %}
    {% set common = {'materialized': 'incremental', 'on_schema_change': 'fail'} %}
    {% if target.type == 'athena' %}
        {% do common.update({
            'table_type': 'iceberg',
            'format': 'parquet',
            'write_compression': 'zstd',
            'partitioned_by': [partition_by],
            'force_batch': var('athena_force_batch'),
        }) %}
        {% if kind == 'append_files' %}
            {% do common.update({'incremental_strategy': 'append'}) %}
        {% else %}
            {% set tmp_relation = this.schema ~ '.' ~ this.identifier ~ '__dbt_tmp' %}
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
    {{ return(common) }}
{% endmacro %}
