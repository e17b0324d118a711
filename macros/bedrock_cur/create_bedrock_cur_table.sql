{#
    Athena only: creates (or replaces, with replace=true) the external table of source
    bedrock_cur.line_items over a CUR 2.0 export in Parquet, var bedrock_cur_s3_uri
    (s3://<bucket>/<prefix>/<export-name>/), named by var bedrock_cur_table in var
    bedrock_cur_schema (default: bedrock_raw_schema).

        dbt run-operation create_bedrock_cur_table --target athena \
          --vars '{bedrock_cur_s3_uri: s3://my-billing/cur/cur2/, bedrock_cur_table: bedrock_cur}'

    The table reads every file under data/ (every BILLING_PERIOD folder; the period of a line is
    read from its file's path), not partitioned: a CUR export is small beside the logs, and
    Athena's month-interval projection has no Trino equivalent to test it on. The export must
    be set to overwrite its deliveries
    (S3OutputConfigurations.Overwrite = OVERWRITE_REPORT), so that a refreshed month's files
    replace the old ones. With CREATE_NEW_REPORT each delivery stays in its own folder and the
    table would read them all: use `bedrock-costs bill fetch` (which reads the manifest) and the
    local target for such an export. Only the scalar columns the reconciliation reads are
    declared, with the map product (map<string,string>, read for its product_name); not the map
    resource_tags, which is not read yet. Parquet is read by column name, so the export may hold
    more.
#}
{% macro create_bedrock_cur_table(replace=false) %}
    {% if target.type != 'athena' %}
        {{ exceptions.raise_compiler_error(
            "create_bedrock_cur_table is for the athena target; the local target reads the "
            ~ "export's files from var bedrock_cur_dir directly."
        ) }}
    {% endif %}
    {% set uri = var('bedrock_cur_s3_uri', none) %}
    {% if not bedrock_tenant_costs.is_plain_s3_uri(uri) %}
        {{ exceptions.raise_compiler_error(
            "var bedrock_cur_s3_uri must be the S3 folder of a CUR 2.0 export, e.g. "
            ~ "s3://my-billing/cur/cur2/ (the folder that holds data/ and metadata/), spelled with "
            ~ "letters, digits and ! _ . ( ) = + - only; got: " ~ (uri | tojson)
        ) }}
    {% endif %}
    {% set schema = var('bedrock_cur_schema') or bedrock_tenant_costs.bedrock_raw_schema() %}
    {% set table = var('bedrock_cur_table') or 'bedrock_cur' %}
    {% for name, value in [('bedrock_cur_schema', schema), ('bedrock_cur_table', table)] %}
        {% if not modules.re.fullmatch('[a-z0-9_]{1,255}', value | string) %}
            {{ exceptions.raise_compiler_error(
                "var " ~ name ~ " must be a Glue name: lower-case letters, digits and underscores; got: "
                ~ (value | tojson)
            ) }}
        {% endif %}
    {% endfor %}
    {% set location = (uri | string).rstrip('/') ~ '/data/' %}
    {% set types = {
        'bill_billing_period_start_date': 'timestamp', 'line_item_usage_start_date': 'timestamp',
        'line_item_usage_end_date': 'timestamp', 'line_item_usage_amount': 'double',
        'line_item_unblended_cost': 'double', 'line_item_net_unblended_cost': 'double',
        'product': 'map<string,string>',
    } %}
    {#- the map resource_tags is not read yet: not declared (null) -#}
    {% set columns = [] %}
    {% for name in bedrock_tenant_costs.bedrock_cur_columns() if name != 'resource_tags' %}
        {% do columns.append('  `' ~ name ~ '` ' ~ types.get(name, 'string')) %}
    {% endfor %}
    {% set ddl %}
create external table if not exists `{{ schema }}`.`{{ table }}` (
{{ columns | join(',\n') }}
)
stored as parquet
location '{{ location }}'
    {% endset %}
    {% if replace %}
        {% do run_query('drop table if exists `' ~ schema ~ '`.`' ~ table ~ '`') %}
    {% endif %}
    {% do run_query('create database if not exists `' ~ schema ~ '`') %}
    {% do run_query(ddl) %}
    {{ log("Created " ~ schema ~ "." ~ table ~ " over " ~ location, info=true) }}
{% endmacro %}
