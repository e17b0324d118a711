{#
    Runs at on-run-start: stops the run, before anything is built, when a var passed with --vars
    is unknown (a typo would otherwise be ignored silently) or when a var has the wrong type.
#}
{% macro validate_vars() %}
    {% set known = [
        'bedrock_logs_dir', 'tenant_id_keys', 'unattributed_tenant_id', 'hashed_tag_keys',
        'quarantine_preview_chars',
        'max_unpriced_share', 'max_unattributed_share', 'lookback_days', 'backfill_from',
        'backfill_to', 'bedrock_logs_s3_uri', 'bedrock_log_accounts', 'bedrock_log_regions',
        'bedrock_log_first_hour', 'bedrock_raw_schema', 'create_raw_table_on_run_start',
        'max_days_per_build', 'freshness_warn_after_hours', 'freshness_error_after_hours',
        'anomaly_multiplier', 'anomaly_window_days', 'anomaly_min_baseline_days',
        'anomaly_min_cost_usd', 'reconcile_full_history',
        'bedrock_cur_dir', 'bedrock_cur_s3_uri', 'bedrock_cur_schema', 'bedrock_cur_table',
        'bill_token_tolerance_share', 'bill_cost_tolerance_share', 'bill_cost_tolerance_usd',
        'max_bill_difference_share', 'athena_production_targets',
    ] %}
    {% set passed = invocation_args_dict.get('vars') or {} %}
    {% if passed is string %}{% set passed = fromyaml(passed) or {} %}{% endif %}
    {% set removed = {
        'athena_force_batch': "dbt-athena 1.11 writes partition by partition by itself when "
            ~ "Athena refuses more than 100 partitions in one query (tested on the local Athena)",
        'long_context_threshold_tokens': "long-context pricing is a rule per model now: "
            ~ "each model's threshold is a row of seeds/bedrock_long_context_rules.csv "
            ~ "(only Claude Sonnet 4 and 4.5 bill a long-context premium on Bedrock)",
        'tag_hash_salt': "a var is written in clear into target/, logs/ and the query text; "
            ~ "the salt of hashed_tag_keys is read at run time instead: on DuckDB from the file "
            ~ "named by the environment variable BEDROCK_COSTS_TAG_HASH_SALT_FILE, on Athena "
            ~ "from the table made by `dbt run-operation create_tag_hash_salt_table` "
            ~ "(docs/configuration.md, Hashed tag keys). Keep the same salt to keep the same hashes",
    } %}
    {% for name in passed %}
        {% if name in removed %}
            {{ exceptions.raise_compiler_error(
                "var '" ~ name ~ "' was removed: " ~ removed[name] ~ ". Drop it from your --vars."
            ) }}
        {% elif name not in known %}
            {{ exceptions.raise_compiler_error(
                "Unknown var '" ~ name ~ "' in --vars. Known vars: " ~ (known | join(', '))
                ~ " (see docs/configuration.md)."
            ) }}
        {% endif %}
    {% endfor %}
    {#- the folder is written into read_csv('<folder>/AWSLogs/...') as a SQL string and a glob -#}
    {% set logs_dir = var('bedrock_logs_dir', '') | string %}
    {% if modules.re.search("['\\\\*?\\[\\]{}\\x00-\\x1f]", logs_dir) %}
        {{ exceptions.raise_compiler_error(
            "var bedrock_logs_dir must not contain quotes, backslashes, control characters or "
            ~ "the glob characters * ? [ ] { }; got: " ~ (logs_dir | tojson)
            ~ ". Move or link the logs to a plain path."
        ) }}
    {% endif %}
    {% set production_targets = var('athena_production_targets', ['athena']) %}
    {% if production_targets is string or production_targets is not iterable
        or production_targets | reject('string') | list | length > 0 %}
        {{ exceptions.raise_compiler_error(
            "var athena_production_targets must be a list of target names, e.g. [athena]; got: "
            ~ (production_targets | tojson)
        ) }}
    {% endif %}
    {% do bedrock_tenant_costs.bedrock_raw_schema() %}
    {% if var('bedrock_logs_s3_uri', none) is not none %}
        {% do bedrock_tenant_costs.bedrock_logs_location() %}
    {% endif %}
    {% do bedrock_tenant_costs.tenant_id_keys() %}
    {% do bedrock_tenant_costs.lookback_days() %}
    {% set cur_dir = var('bedrock_cur_dir', '') or '' %}
    {% if modules.re.search("['\\\\*?\\[\\]{}\\x00-\\x1f]", cur_dir | string) %}
        {{ exceptions.raise_compiler_error(
            "var bedrock_cur_dir must not contain quotes, backslashes, control characters or "
            ~ "the glob characters * ? [ ] { }; got: " ~ (cur_dir | tojson)
        ) }}
    {% endif %}
    {% for name in [
        'max_unpriced_share', 'max_unattributed_share', 'bill_token_tolerance_share',
        'bill_cost_tolerance_share', 'max_bill_difference_share',
    ] %}
        {% set value = var(name) %}
        {% if value is not number or value < 0 or value > 1 %}
            {{ exceptions.raise_compiler_error(
                "var " ~ name ~ " must be a share between 0 and 1; got: " ~ value
            ) }}
        {% endif %}
    {% endfor %}
    {% for name, minimum in [
        ('quarantine_preview_chars', 0),
        ('anomaly_window_days', 1), ('anomaly_min_baseline_days', 0),
    ] %}
        {% set value = var(name) %}
        {% if value is not number or value != value | int or value < minimum %}
            {{ exceptions.raise_compiler_error(
                "var " ~ name ~ " must be a whole number >= " ~ minimum ~ "; got: " ~ value
            ) }}
        {% endif %}
    {% endfor %}
    {% set max_days = var('max_days_per_build', none) %}
    {% if max_days is not none and (max_days is not number or max_days != max_days | int
        or max_days < 1) %}
        {{ exceptions.raise_compiler_error(
            "var max_days_per_build must be empty (no bound) or a whole number of days >= 1; got: "
            ~ max_days
        ) }}
    {% endif %}
    {% for name in ['anomaly_multiplier', 'anomaly_min_cost_usd', 'bill_cost_tolerance_usd'] %}
        {% set value = var(name) %}
        {% if value is not number or value < 0 %}
            {{ exceptions.raise_compiler_error(
                "var " ~ name ~ " must be a number >= 0; got: " ~ value
            ) }}
        {% endif %}
    {% endfor %}
    {% if var('anomaly_min_baseline_days') > var('anomaly_window_days') %}
        {{ exceptions.raise_compiler_error(
            "var anomaly_min_baseline_days (" ~ var('anomaly_min_baseline_days')
            ~ ") cannot exceed var anomaly_window_days (" ~ var('anomaly_window_days') ~ ")"
        ) }}
    {% endif %}
    {#- set in a project file rather than --vars: the same refusal -#}
    {% if var('tag_hash_salt', none) is not none %}
        {{ exceptions.raise_compiler_error(
            "var 'tag_hash_salt' was removed: " ~ removed['tag_hash_salt']
            ~ ". Drop it from dbt_project.yml and your vars files."
        ) }}
    {% endif %}
    {#- a list of keys, and a salt that exists and is long enough (only its length is read) -#}
    {% do bedrock_tenant_costs.hashed_tag_keys() %}
    {% do bedrock_tenant_costs.assert_tag_hash_salt() %}
{% endmacro %}
