{#
    The CUR 2.0 line items of the newest delivery of every billing period, as text columns named
    as in CUR 2.0 (bedrock_cur_columns) plus product_map_name (the product_name attribute of the
    product map, read here because the map is a MAP in Parquet and JSON text in CSV; null when
    the export has no product column), export_name, billing_period and source_file.
    stg_bedrock_cur__line_items types them.

    Data Exports rewrites a period's manifest
    (`<export>/metadata/BILLING_PERIOD=YYYY-MM/<export>-Manifest.json`) on every refresh and only
    after all of the delivery's files are in place, so the manifest's `dataFiles` are exactly one
    complete delivery: older deliveries of the same month (CREATE_NEW_REPORT keeps them) and files
    without a manifest yet are never read, and no month is summed twice or half read.

    var bedrock_cur_dir unset: no rows (the reconciliation marts are empty, the rest of the
    pipeline unchanged). Athena: the table of source bedrock_cur.line_items.
#}
{% macro bedrock_cur_line_items_relation() %}
    {{ return(adapter.dispatch('bedrock_cur_line_items_relation', 'bedrock_tenant_costs')()) }}
{% endmacro %}

{#- The CUR 2.0 columns read, with whether an export must have them. -#}
{% macro bedrock_cur_columns() %}
    {{- return({
        'bill_billing_period_start_date': true,
        'bill_payer_account_id': true,
        'bill_billing_entity': false,
        'line_item_usage_account_id': true,
        'line_item_usage_start_date': true,
        'line_item_usage_end_date': true,
        'line_item_product_code': true,
        'line_item_usage_type': true,
        'line_item_operation': false,
        'line_item_line_item_type': true,
        'line_item_usage_amount': true,
        'pricing_unit': true,
        'line_item_unblended_cost': true,
        'line_item_net_unblended_cost': false,
        'line_item_resource_id': false,
        'line_item_iam_principal': false,
        'product_product_name': false,
        'product_region_code': false,
        'product': false,
        'resource_tags': false,
    }) -}}
{% endmacro %}

{% macro bedrock_cur_empty_relation() %}
    {%- set columns = [] -%}
    {%- for name in (bedrock_tenant_costs.bedrock_cur_columns().keys() | list)
        + ['product_map_name', 'export_name', 'billing_period', 'source_file'] -%}
        {%- do columns.append('cast(null as varchar) as ' ~ name) -%}
    {%- endfor -%}
    {{- return('(select ' ~ columns | join(', ') ~ ' where 1 = 0)') -}}
{% endmacro %}

{#- The error for an export that lacks a column the reconciliation needs. -#}
{% macro bedrock_cur_check_columns(export_name, present, where) %}
    {%- for name, required in bedrock_tenant_costs.bedrock_cur_columns().items() -%}
        {%- if required and name not in present -%}
            {{ exceptions.raise_compiler_error(
                "CUR export '" ~ export_name ~ "' has no column " ~ name ~ " (" ~ where
                ~ "). Add it to the export's columns (Data Exports, CUR 2.0 table) or choose"
                ~ " another export in var bedrock_cur_dir / bedrock_cur_s3_uri."
            ) }}
        {%- endif -%}
    {%- endfor -%}
{% endmacro %}

{% macro default__bedrock_cur_line_items_relation() %}
    {{ exceptions.raise_compiler_error(
        "bedrock_cur_line_items_relation supports the duckdb and athena adapters, not "
        ~ adapter.type() ~ "."
    ) }}
{% endmacro %}

{% macro duckdb__bedrock_cur_line_items_relation() %}
    {%- set cur_dir = var('bedrock_cur_dir', none) -%}
    {%- if not execute or cur_dir is none or (cur_dir | string | trim) == '' -%}
        {{- return(bedrock_tenant_costs.bedrock_cur_empty_relation()) -}}
    {%- endif -%}
    {%- set cur_dir = (cur_dir | string).rstrip('/') -%}
    {%- set manifest_glob = cur_dir ~ '/*/metadata/BILLING_PERIOD=*/*-Manifest.json' -%}
    {%- set manifest_files = run_query(
        'select file from glob(' ~ bedrock_tenant_costs.sql_string_literal(manifest_glob) ~ ') order by 1'
    ).columns[0].values() -%}
    {%- if manifest_files | length == 0 -%}
        {{- log("bedrock_cur_dir " ~ cur_dir ~ " holds no Data Exports manifest ("
            ~ manifest_glob ~ "): no bill lines read.", info=true) -}}
        {{- return(bedrock_tenant_costs.bedrock_cur_empty_relation()) -}}
    {%- endif -%}
    {%- set on_disk = run_query(
        'select file from glob(' ~ bedrock_tenant_costs.sql_string_literal(cur_dir ~ '/*/data/**') ~ ')'
    ).columns[0].values() | list -%}
    {%- set groups = {} -%}
    {%- for manifest_file in manifest_files -%}
        {%- set found = modules.re.search(
            '/([^/]+)/metadata/BILLING_PERIOD=([0-9]{4}-[0-9]{2})/([^/]+)-Manifest\\.json$', manifest_file
        ) -%}
        {%- if found is none or found.group(1) != found.group(3) -%}
            {{ exceptions.raise_compiler_error(
                "Not a Data Exports manifest path (<export>/metadata/BILLING_PERIOD=YYYY-MM/"
                ~ "<export>-Manifest.json): " ~ manifest_file
            ) }}
        {%- endif -%}
        {%- set export_name, period = found.group(1), found.group(2) -%}
        {%- set data_files = run_query(
            'select unnest(dataFiles) from read_json('
            ~ bedrock_tenant_costs.sql_string_literal(bedrock_tenant_costs.duckdb_glob_escape(manifest_file))
            ~ ", columns = {dataFiles: 'VARCHAR[]'})"
        ).columns[0].values() -%}
        {%- for data_file in data_files -%}
            {%- set inside = modules.re.search(
                '^s3://[^/]+/(?:[^/]+/)*' ~ modules.re.escape(export_name) ~ '/data/BILLING_PERIOD='
                ~ period ~ '/(.+)$', data_file or ''
            ) -%}
            {%- if inside is none or '..' in inside.group(1).split('/') -%}
                {{ exceptions.raise_compiler_error(
                    "Manifest " ~ manifest_file ~ " lists a data file outside its export and period: "
                    ~ data_file
                ) }}
            {%- endif -%}
            {%- set local_file = cur_dir ~ '/' ~ export_name ~ '/data/BILLING_PERIOD=' ~ period
                ~ '/' ~ inside.group(1) -%}
            {%- if local_file not in on_disk -%}
                {{ exceptions.raise_compiler_error(
                    "Manifest " ~ manifest_file ~ " lists " ~ data_file ~ ", which is not on disk at "
                    ~ local_file ~ ": the delivery is incomplete. Fetch it again (bedrock-costs bill fetch)."
                ) }}
            {%- endif -%}
            {%- set file_format = 'parquet' if local_file.endswith('.parquet') else (
                'csv' if local_file.endswith('.csv.gz') or local_file.endswith('.csv') else none) -%}
            {%- if file_format is none -%}
                {{ exceptions.raise_compiler_error(
                    "Manifest " ~ manifest_file ~ " lists " ~ data_file
                    ~ ": only Parquet and (gzip) CSV exports are read."
                ) }}
            {%- endif -%}
            {%- set key = export_name ~ '|' ~ file_format -%}
            {%- if key not in groups -%}
                {%- do groups.update({key: []}) -%}
            {%- endif -%}
            {%- do groups[key].append(bedrock_tenant_costs.sql_string_literal(
                bedrock_tenant_costs.duckdb_glob_escape(local_file)
            )) -%}
        {%- endfor -%}
    {%- endfor -%}
    {%- if groups | length == 0 -%}
        {{- return(bedrock_tenant_costs.bedrock_cur_empty_relation()) -}}
    {%- endif -%}
    {%- set selects = [] -%}
    {%- for key in groups | sort -%}
        {%- set export_name, file_format = key.split('|') -%}
        {%- set reader = (
            'read_parquet([' ~ groups[key] | join(', ') ~ '], filename = true, union_by_name = true,'
            ~ ' hive_partitioning = false)'
            if file_format == 'parquet' else
            'read_csv([' ~ groups[key] | join(', ') ~ '], filename = true, union_by_name = true,'
            ~ ' header = true, all_varchar = true, hive_partitioning = false)'
        ) -%}
        {%- set described = run_query('describe select * from ' ~ reader) -%}
        {%- set types = {} -%}
        {%- for row in described.rows -%}
            {%- do types.update({row[0] | lower: row[1] | upper}) -%}
        {%- endfor -%}
        {%- do bedrock_tenant_costs.bedrock_cur_check_columns(export_name, types, groups[key][0]) -%}
        {%- set columns = [] -%}
        {%- for name in bedrock_tenant_costs.bedrock_cur_columns() -%}
            {%- if name not in types -%}
                {%- do columns.append('cast(null as varchar) as ' ~ name) -%}
            {%- elif types[name].startswith('MAP') or types[name].startswith('STRUCT') -%}
                {%- do columns.append('cast(to_json(' ~ name ~ ') as varchar) as ' ~ name) -%}
            {%- else -%}
                {%- do columns.append('cast(' ~ name ~ ' as varchar) as ' ~ name) -%}
            {%- endif -%}
        {%- endfor -%}
        {%- if 'product' not in types -%}
            {%- do columns.append('cast(null as varchar) as product_map_name') -%}
        {%- elif types['product'].startswith('MAP') -%}
            {%- do columns.append("cast(product['product_name'] as varchar) as product_map_name") -%}
        {%- else -%}
            {#- CSV: the map as JSON text; anything else (blank, not JSON) names no product -#}
            {%- do columns.append(
                "case when json_valid(product) and json_type(product) = 'OBJECT'"
                ~ " then json_extract_string(product, '$.product_name') end as product_map_name"
            ) -%}
        {%- endif -%}
        {%- do selects.append(
            'select ' ~ columns | join(', ')
            ~ ', ' ~ bedrock_tenant_costs.sql_string_literal(export_name) ~ ' as export_name'
            ~ ", regexp_extract(filename, '/data/BILLING_PERIOD=([0-9]{4}-[0-9]{2})/', 1) as billing_period"
            ~ ', filename as source_file from ' ~ reader
        ) -%}
    {%- endfor -%}
    {{- return('(' ~ selects | join(' union all ') ~ ')') -}}
{% endmacro %}

{% macro athena__bedrock_cur_line_items_relation() %}
    {%- set relation = source('bedrock_cur', 'line_items') -%}
    {%- if not execute or (var('bedrock_cur_table', none) or '') | string | trim == '' -%}
        {{- return(bedrock_tenant_costs.bedrock_cur_empty_relation()) -}}
    {%- endif -%}
    {%- set types = {} -%}
    {%- for column in adapter.get_columns_in_relation(relation) -%}
        {%- do types.update({column.name | lower: column.data_type | lower}) -%}
    {%- endfor -%}
    {%- if types | length == 0 -%}
        {{ exceptions.raise_compiler_error(
            "The CUR table " ~ relation ~ " does not exist: run `dbt run-operation"
            ~ " create_bedrock_cur_table` (var bedrock_cur_s3_uri) or point var bedrock_cur_table at"
            ~ " the table Data Exports made."
        ) }}
    {%- endif -%}
    {%- do bedrock_tenant_costs.bedrock_cur_check_columns(relation | string, types, relation | string) -%}
    {%- set columns = [] -%}
    {%- for name in bedrock_tenant_costs.bedrock_cur_columns() -%}
        {%- set data_type = types.get(name) -%}
        {%- if data_type is none -%}
            {%- do columns.append('cast(null as varchar) as ' ~ name) -%}
        {%- elif data_type.startswith('map') or data_type.startswith('row') or data_type.startswith('struct') -%}
            {%- do columns.append('json_format(cast(' ~ name ~ ' as json)) as ' ~ name) -%}
        {%- elif data_type in ('double', 'float', 'real') -%}
            {#- a double as text is 1.0E-5 on Trino, which no decimal cast reads -#}
            {%- do columns.append('cast(cast(' ~ name ~ ' as decimal(38, 15)) as varchar) as ' ~ name) -%}
        {%- else -%}
            {%- do columns.append('cast(' ~ name ~ ' as varchar) as ' ~ name) -%}
        {%- endif -%}
    {%- endfor -%}
    {%- set product_type = types.get('product') or '' -%}
    {%- if product_type.startswith('map') -%}
        {%- do columns.append("element_at(product, 'product_name') as product_map_name") -%}
    {%- elif product_type in ('string', 'varchar') -%}
        {#- a table over CSV: the map as JSON text (json_extract_scalar is null when not JSON) -#}
        {%- do columns.append("json_extract_scalar(product, '$.product_name') as product_map_name") -%}
    {%- else -%}
        {%- do columns.append('cast(null as varchar) as product_map_name') -%}
    {%- endif -%}
    {{- return(
        '(select ' ~ columns | join(', ')
        ~ ", cast(null as varchar) as export_name"
        ~ ", regexp_extract(\"$path\", '/BILLING_PERIOD=([0-9]{4}-[0-9]{2})/', 1) as billing_period"
        ~ ', "$path" as source_file from ' ~ relation ~ ')'
    ) -}}
{% endmacro %}

{#- The text key of a reconciliation bucket: its columns as text, joined by '|' (null as ''). -#}
{% macro bill_bucket_key(columns) %}
    {%- set parts = [] -%}
    {%- for column in columns -%}
        {%- do parts.append("coalesce(cast(" ~ column ~ " as varchar), '')") -%}
    {%- endfor -%}
    {{- return(parts | join(" || '|' || ")) -}}
{% endmacro %}

{#- The join condition of two relations on the same bucket columns. -#}
{% macro bill_bucket_join(left, right, columns) %}
    {%- set conditions = [] -%}
    {%- for column in columns -%}
        {%- do conditions.append(left ~ '.' ~ column ~ ' = ' ~ right ~ '.' ~ column) -%}
    {%- endfor -%}
    {{- return(conditions | join(' and ')) -}}
{% endmacro %}

{#- The columns of a reconciliation bucket: what one CUR usage type on one day means. -#}
{% macro bill_bucket_columns() %}
    {{- return([
        'usage_date', 'usage_account_id', 'region', 'model_id', 'token_class', 'routing_scope',
        'service_tier', 'context_tier',
    ]) -}}
{% endmacro %}

{#- Whether a bucket's billed and logged tokens differ by more than var bill_token_tolerance_share
    of the larger; both arguments are non-null expressions. Shares at 6 places: a share times a
    decimal(38, 15) product keeps 17 integer digits (at 15 places it kept 8, and a bucket 1e8
    tokens apart failed the cast). -#}
{% macro bill_tokens_disagree(billed_tokens, logged_tokens) %}
    abs({{ billed_tokens }} - cast({{ logged_tokens }} as decimal(38, 6))) > cast(
        {{ decimal_literal(var('bill_token_tolerance_share'), 'decimal(38, 6)') }}
        * greatest({{ billed_tokens }}, cast({{ logged_tokens }} as decimal(38, 6)))
        as decimal(38, 6)
    )
{%- endmacro %}
