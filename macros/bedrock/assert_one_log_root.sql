{#
    An incremental run of base_bedrock__log_lines stops when the newest lines it holds were read
    from another log folder (or S3 prefix) than this run reads: pointed at another folder, the
    run would otherwise add that folder's logs to the same marts, or (the same folder spelled
    another way) read every file again. One database holds one log root; the message says how
    to build the other one.
#}
{% macro assert_one_log_root(relation, window) %}
    {% if not execute or window is none %}{{ return('') }}{% endif %}
    {% set root = bedrock_tenant_costs.log_root() %}
    {% set held = run_query(
        "select distinct regexp_extract(source_file, '^(.*?)AWSLogs/', 1) from " ~ relation
        ~ " where log_date >= cast('" ~ window.start[:10] ~ "' as date)"
        ~ " order by 1 limit 3"
    ).columns[0].values() %}
    {% set others = [] %}
    {% for held_root in held %}
        {% if held_root != root %}{% do others.append(held_root | tojson) %}{% endif %}
    {% endfor %}
    {% if others %}
        {{ exceptions.raise_compiler_error(
            "This database holds logs read from " ~ (others | join(', ')) ~ ", but this run reads "
            ~ (root | tojson) ~ ". One database holds one log folder: build the other folder "
            ~ "into a database of its own (BEDROCK_COSTS_DUCKDB_PATH=target/<name>.duckdb, or "
            ~ "another Athena schema), read the same folder spelled as before, or rebuild this "
            ~ "one from the new folder with --full-refresh."
        ) }}
    {% endif %}
    {{ return('') }}
{% endmacro %}
