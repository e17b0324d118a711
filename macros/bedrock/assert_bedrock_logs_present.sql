{#
    Stops a run early, with an error that says what to do, when the local target has no log files
    to read. DuckDB would otherwise fail deep inside the first model with "No files found".
#}
{% macro assert_bedrock_logs_present() %}
    {{ return(adapter.dispatch('assert_bedrock_logs_present', 'bedrock_tenant_costs')()) }}
{% endmacro %}

{% macro default__assert_bedrock_logs_present() %}
    {#- Athena reads the external table over S3 (create_bedrock_logs_table). Before anything runs:
        dbt must never write under the log prefix, and the table is created on request. -#}
    {% if execute and var('bedrock_logs_s3_uri', none) is not none %}
        {% do bedrock_tenant_costs.assert_dbt_writes_outside_logs() %}
        {% if var('create_raw_table_on_run_start') %}
            {% do bedrock_tenant_costs.create_bedrock_logs_table() %}
        {% endif %}
    {% endif %}
{% endmacro %}

{% macro duckdb__assert_bedrock_logs_present() %}
    {% if execute %}
        {% set logs_dir = var('bedrock_logs_dir') %}
        {% set pattern = logs_dir ~ '/AWSLogs/*/BedrockModelInvocationLogs/*/*/*/*/*/*.json.gz' %}
        {% set found = run_query(
            "select count(*) from glob(" ~ bedrock_tenant_costs.sql_string_literal(pattern) ~ ")"
        ) %}
        {% if found.columns[0].values()[0] == 0 %}
            {{ exceptions.raise_compiler_error(
                "No Bedrock invocation log files found in bedrock_logs_dir '" ~ logs_dir
                ~ "' (looked for " ~ pattern ~ "). Create sample logs with "
                ~ "`bedrock-costs sample-logs --out " ~ logs_dir ~ "` (or `make sample-logs`), "
                ~ "or point the var at your logs: --vars '{bedrock_logs_dir: /path/to/logs}'."
            ) }}
        {% endif %}
    {% endif %}
{% endmacro %}
