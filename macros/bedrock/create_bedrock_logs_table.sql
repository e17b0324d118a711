{#
    Athena only: creates (or replaces, with replace=true) the external table that the source
    bedrock.invocation_logs_raw reads, over the Bedrock log prefix in var bedrock_logs_s3_uri.

        dbt run-operation create_bedrock_logs_table --target athena \
          --vars '{bedrock_logs_s3_uri: s3://my-log-bucket/bedrock, bedrock_log_accounts: [111122223333],
                   bedrock_log_regions: [us-east-1, eu-west-1]}'

    - One string column per line (TEXTFILE, field delimiter \001, which valid JSON never holds):
      a malformed line reaches the quarantine instead of breaking the query or vanishing, as it
      would with the JSON SerDe.
    - Partition projection on the path (account, Region, day YYYY/MM/DD): no crawler, no MSCK
      REPAIR, and a predicate on log_day prunes what Athena lists and reads. A partition is a
      day folder; Athena reads the hour folders below it (as it reads every sub-folder of a
      location). Days, not hours: a first build or full refresh lists days x accounts x Regions
      since var bedrock_log_first_hour, 24 times fewer than hours, which keeps a long history far
      from Athena's 1,000,000 partitions per scan (checked at creation, see below).
    - The data/ side objects under each hour are excluded by the models ("$path" filter); the
      permission-check object sits outside every projected location.
#}
{% macro create_bedrock_logs_table(replace=false) %}
    {% if target.type != 'athena' %}
        {{ exceptions.raise_compiler_error(
            "create_bedrock_logs_table is for the athena target; the local target reads "
            ~ "files from var bedrock_logs_dir directly."
        ) }}
    {% endif %}
    {% set ddl = bedrock_tenant_costs.bedrock_logs_table_ddl() %}
    {% set raw_schema = bedrock_tenant_costs.bedrock_raw_schema() %}
    {% do bedrock_tenant_costs.assert_dbt_writes_outside_logs() %}
    {% if replace %}
        {% do run_query('drop table if exists `' ~ raw_schema ~ '`.`invocation_logs_raw`') %}
    {% endif %}
    {% do run_query('create database if not exists `' ~ raw_schema ~ '`') %}
    {% do run_query(ddl) %}
    {{ log("Created " ~ raw_schema ~ ".invocation_logs_raw over "
        ~ bedrock_tenant_costs.bedrock_logs_location(), info=true) }}
{% endmacro %}

{#
    var bedrock_raw_schema, checked: it is written into DDL as an identifier, so it must be a
    Glue database name (lower-case letters, digits and underscores, at most 255 characters).
#}
{% macro bedrock_raw_schema() %}
    {% set name = var('bedrock_raw_schema') | string %}
    {% if not modules.re.fullmatch('[a-z0-9_]{1,255}', name) %}
        {{ exceptions.raise_compiler_error(
            "var bedrock_raw_schema must be a Glue database name: lower-case letters, digits and "
            ~ "underscores, at most 255 characters; got: " ~ (name | tojson)
        ) }}
    {% endif %}
    {{ return(name) }}
{% endmacro %}

{#
    s3://bucket/prefix/AWSLogs/ from var bedrock_logs_s3_uri (the prefix Bedrock was given). It is
    written into DDL as a string literal and a location template, so it is held to a bucket name
    and the key characters AWS calls safe, without quotes, `$`, braces, blanks or `//`.
#}
{% macro bedrock_logs_location() %}
    {% set uri = var('bedrock_logs_s3_uri', none) %}
    {% if not bedrock_tenant_costs.is_plain_s3_uri(uri) %}
        {{ exceptions.raise_compiler_error(
            "var bedrock_logs_s3_uri must be the S3 prefix Bedrock delivers logs to, e.g. "
            ~ "s3://my-log-bucket/bedrock (the folder that holds AWSLogs/), spelled with letters, "
            ~ "digits and ! _ . ( ) = + - only; got: " ~ (uri | tojson)
        ) }}
    {% endif %}
    {% set prefix = (uri | string).rstrip('/') %}
    {% if prefix.endswith('/AWSLogs') %}{% set prefix = prefix[:-8] %}{% endif %}
    {{ return(prefix ~ '/AWSLogs/') }}
{% endmacro %}

{#
    True when uri is s3://bucket or s3://bucket/folder/..., with a valid bucket name and keys made
    only of the characters AWS calls safe (letters, digits and ! _ . ( ) = + -): nothing that could
    end a SQL string literal, start a location template or glob, or hide a blank or `//`.
#}
{% macro is_plain_s3_uri(uri) %}
    {{ return(uri is not none and modules.re.fullmatch(
        's3://[a-z0-9][a-z0-9.-]{1,61}[a-z0-9](/[A-Za-z0-9!_.()=+-]+)*/?', uri | string
    ) is not none) }}
{% endmacro %}

{# A validated, comma-separated list var of plain identifiers (accounts, Regions). #}
{% macro projection_values(name, pattern) %}
    {% set values = var(name, []) %}
    {% if values is string or values is not iterable or values | length == 0 %}
        {{ exceptions.raise_compiler_error("var " ~ name ~ " must be a non-empty list; got: " ~ values) }}
    {% endif %}
    {% for value in values %}
        {% if not modules.re.fullmatch(pattern, value | string) %}
            {{ exceptions.raise_compiler_error("var " ~ name ~ ": not a valid value: " ~ value) }}
        {% endif %}
    {% endfor %}
    {{ return(values | join(',')) }}
{% endmacro %}

{% macro bedrock_logs_table_ddl() %}
    {% set location = bedrock_tenant_costs.bedrock_logs_location() %}
    {% set accounts = bedrock_tenant_costs.projection_values('bedrock_log_accounts', '[0-9]{12}') %}
    {% set regions = bedrock_tenant_costs.projection_values('bedrock_log_regions', '[a-z]{2}(-[a-z]+)+-[0-9]') %}
    {% set first_hour = var('bedrock_log_first_hour') | string %}
    {% if not modules.re.fullmatch('[0-9]{4}/[0-9]{2}/[0-9]{2}/[0-9]{2}', first_hour) %}
        {{ exceptions.raise_compiler_error("var bedrock_log_first_hour must look like 2024/01/01/00; got: " ~ first_hour) }}
    {% endif %}
    {% set first_day = first_hour[:10] %}
    {% do bedrock_tenant_costs.assert_projection_within_athena_limit(
        first_day, accounts.split(',') | length, regions.split(',') | length) %}
    {% set ddl %}
create external table if not exists `{{ bedrock_tenant_costs.bedrock_raw_schema() }}`.`invocation_logs_raw` (
  `line` string
)
partitioned by (`log_account` string, `log_region` string, `log_day` string)
row format delimited fields terminated by '\001'
stored as textfile
location '{{ location }}'
tblproperties (
  'projection.enabled' = 'true',
  'projection.log_account.type' = 'enum',
  'projection.log_account.values' = '{{ accounts }}',
  'projection.log_region.type' = 'enum',
  'projection.log_region.values' = '{{ regions }}',
  'projection.log_day.type' = 'date',
  'projection.log_day.format' = 'yyyy/MM/dd',
  'projection.log_day.range' = '{{ first_day }},NOW',
  'projection.log_day.interval' = '1',
  'projection.log_day.interval.unit' = 'DAYS',
  'storage.location.template' = '{{ location }}${log_account}/BedrockModelInvocationLogs/${log_region}/${log_day}/'
)
    {% endset %}
    {{ return(ddl) }}
{% endmacro %}

{#
    Athena reads at most 1,000,000 partitions in one scan, and a first build, a full refresh or a
    full reconciliation scans every projected one: days since the first day x accounts x Regions.
    Refuse a table that would exceed a tenth of that today (a year later it still fits), naming
    the var to change. (https://docs.aws.amazon.com/athena/latest/ug/service-limits.html)
#}
{% macro assert_projection_within_athena_limit(first_day, account_count, region_count, limit=100000) %}
    {% set start = modules.datetime.datetime.strptime(first_day, '%Y/%m/%d').date() %}
    {% set days = (modules.datetime.date.today() - start).days + 1 %}
    {% set partitions = days * account_count * region_count %}
    {% if partitions > limit %}
        {{ exceptions.raise_compiler_error(
            "The raw log table would project " ~ partitions ~ " partitions (" ~ days ~ " days since "
            ~ first_day ~ " x " ~ account_count ~ " accounts x " ~ region_count ~ " Regions); a "
            ~ "first build scans them all and Athena reads at most 1,000,000 per scan. Set var "
            ~ "bedrock_log_first_hour to the first hour Bedrock delivered logs, or split accounts "
            ~ "and Regions over several tables."
        ) }}
    {% endif %}
    {{ return(partitions) }}
{% endmacro %}

{#
    dbt-athena deletes a table's S3 location when it rebuilds it. Stop before anything runs if
    the target's data or staging location could overlap the Bedrock log prefix.
#}
{% macro assert_dbt_writes_outside_logs() %}
    {% set logs = bedrock_tenant_costs.bedrock_logs_location() %}
    {% set log_root = logs[:-8].rstrip('/') %}
    {% for name in ['s3_data_dir', 's3_staging_dir', 's3_tmp_table_dir'] %}
        {% set location = target.get(name) %}
        {% if location %}
            {% set location = (location | string).rstrip('/') ~ '/' %}
            {% if location.startswith(log_root ~ '/') or (log_root ~ '/').startswith(location) %}
                {{ exceptions.raise_compiler_error(
                    "Refusing to run: " ~ name ~ " (" ~ location ~ ") overlaps the Bedrock log "
                    ~ "prefix (" ~ log_root ~ "/). dbt-athena deletes table locations on rebuilds; "
                    ~ "give dbt its own bucket or prefix."
                ) }}
            {% endif %}
        {% endif %}
    {% endfor %}
{% endmacro %}
