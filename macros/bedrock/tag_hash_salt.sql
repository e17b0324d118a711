{#
    The secret salt of var hashed_tag_keys. It is read by the engine at query time and never
    passes through dbt, so it is in no compiled SQL, no log and no artefact under target/:
      - DuckDB: the file named by the environment variable BEDROCK_COSTS_TAG_HASH_SALT_FILE
        (read with read_text; only its path is in the SQL);
      - Athena: the one-line S3 object under the table <bedrock_raw_schema>.tag_hash_salt, an
        external text table made by `dbt run-operation create_tag_hash_salt_table` (only the
        table's name is in the SQL, and so in Athena's query history).
    The salt is the text of that one line, without its line break.
#}

{#- var hashed_tag_keys as a list of key names, trimmed and lower-cased as tag_key_folded folds
    the keys of the logs; an empty list when nothing is hashed. -#}
{% macro hashed_tag_keys() %}
    {% set configured = var('hashed_tag_keys', []) or [] %}
    {% if configured is string or configured is mapping or configured is not iterable %}
        {{ exceptions.raise_compiler_error(
            "var hashed_tag_keys must be a list of tag keys, e.g. [userId]; got: " ~ configured
        ) }}
    {% endif %}
    {% set keys = [] %}
    {% for key in configured %}
        {% if key is not string or key | trim == '' %}
            {{ exceptions.raise_compiler_error(
                "var hashed_tag_keys: every entry must be a non-blank tag key; got: "
                ~ (key | tojson)
            ) }}
        {% endif %}
        {% if (key | trim | lower) not in keys %}{% do keys.append(key | trim | lower) %}{% endif %}
    {% endfor %}
    {{ return(keys) }}
{% endmacro %}

{#- SQL of a one-row query whose column tag_hash_salt holds the salt (see the top of the file). -#}
{% macro tag_hash_salt_query() %}
    {{ return(adapter.dispatch('tag_hash_salt_query', 'bedrock_tenant_costs')()) }}
{% endmacro %}

{% macro duckdb__tag_hash_salt_query() %}
    {%- set path = bedrock_tenant_costs.tag_hash_salt_file() -%}
    select max(regexp_replace(content, '[\r\n]+$', '')) as tag_hash_salt
    from read_text({{ bedrock_tenant_costs.sql_string_literal(path) }})
{%- endmacro %}

{% macro default__tag_hash_salt_query() %}
    select max(regexp_replace(salt, '[\r\n]+$', '')) as tag_hash_salt
    from {{ bedrock_tenant_costs.tag_hash_salt_relation() }}
    where trim(salt) <> ''
{%- endmacro %}

{#- DuckDB: the path in BEDROCK_COSTS_TAG_HASH_SALT_FILE, checked to be a plain path. -#}
{% macro tag_hash_salt_file() %}
    {% set path = env_var('BEDROCK_COSTS_TAG_HASH_SALT_FILE', '') %}
    {#- while parsing, let the run reach validate_vars, whose errors come first -#}
    {% if path == '' and not execute %}{{ return('') }}{% endif %}
    {% if path == '' %}
        {{ exceptions.raise_compiler_error(
            "var hashed_tag_keys is set, so the hashes need a secret salt: write it to a file "
            ~ "only the runner can read (e.g. `openssl rand -hex 32 > ~/.bedrock-costs-salt; "
            ~ "chmod 600 ~/.bedrock-costs-salt`) and set the environment variable "
            ~ 'BEDROCK_COSTS_TAG_HASH_SALT_FILE' ~ " to its absolute path"
            ~ " (docs/configuration.md, Hashed tag keys)."
        ) }}
    {% endif %}
    {% if modules.re.search("['\\\\*?\\[\\]{}\\x00-\\x1f]", path) %}
        {{ exceptions.raise_compiler_error(
            "BEDROCK_COSTS_TAG_HASH_SALT_FILE must be a plain path, without quotes, backslashes, "
            ~ "control characters or the glob characters * ? [ ] { }; got: " ~ (path | tojson)
        ) }}
    {% endif %}
    {{ return(path) }}
{% endmacro %}

{#- Athena: the salt table, in the Glue database of the raw log table. -#}
{% macro tag_hash_salt_relation() %}
    {{ return(api.Relation.create(
        database=target.database, schema=bedrock_tenant_costs.bedrock_raw_schema(),
        identifier='tag_hash_salt'
    )) }}
{% endmacro %}

{#
    Called by validate_vars at the start of a run when var hashed_tag_keys is set: stops the run,
    before anything is built, when the salt is missing, empty, shorter than 16 characters or (on
    Athena) not exactly one line. Only counts and lengths are queried, never the salt itself.
#}
{% macro assert_tag_hash_salt() %}
    {% if execute and bedrock_tenant_costs.hashed_tag_keys() %}
        {% do adapter.dispatch('assert_tag_hash_salt', 'bedrock_tenant_costs')() %}
    {% endif %}
{% endmacro %}

{% macro duckdb__assert_tag_hash_salt() %}
    {% set path = bedrock_tenant_costs.tag_hash_salt_file() %}
    {% set found = run_query(
        "select count(*) from glob(" ~ bedrock_tenant_costs.sql_string_literal(path) ~ ")"
    ) %}
    {% if found.columns[0].values()[0] == 0 %}
        {{ exceptions.raise_compiler_error(
            "The salt file " ~ (path | tojson) ~ " (environment variable BEDROCK_COSTS_TAG_HASH_SALT_FILE"
            ~ ") does not exist; var hashed_tag_keys needs it"
            ~ " (docs/configuration.md, Hashed tag keys)."
        ) }}
    {% endif %}
    {% set measured = run_query(
        "select coalesce(length(tag_hash_salt), 0) from ("
        ~ bedrock_tenant_costs.duckdb__tag_hash_salt_query() ~ ") as salt"
    ) %}
    {% do bedrock_tenant_costs.assert_tag_hash_salt_length(
        measured.columns[0].values()[0], 1, "the file " ~ (path | tojson)
    ) %}
{% endmacro %}

{% macro default__assert_tag_hash_salt() %}
    {% set relation = bedrock_tenant_costs.tag_hash_salt_relation() %}
    {% set existing = adapter.get_relation(
        database=relation.database, schema=relation.schema, identifier=relation.identifier
    ) %}
    {% if existing is none %}
        {{ exceptions.raise_compiler_error(
            "var hashed_tag_keys is set, but the salt table " ~ relation ~ " does not exist. Put "
            ~ "a secret salt (one line, at least " ~ 16 ~ " characters) in "
            ~ "an S3 object only the dbt runner may read, then run `dbt run-operation "
            ~ "create_tag_hash_salt_table --args '{location: s3://my-secret-bucket/salt/}'` "
            ~ "(docs/configuration.md, Hashed tag keys)."
        ) }}
    {% endif %}
    {% set measured = run_query(
        "select coalesce(min(length(regexp_replace(salt, '[\\r\\n]+$', ''))), 0), count(*) from "
        ~ relation ~ " where trim(salt) <> ''"
    ) %}
    {% do bedrock_tenant_costs.assert_tag_hash_salt_length(
        measured.columns[0].values()[0], measured.columns[1].values()[0],
        "the salt table " ~ relation
    ) %}
{% endmacro %}

{% macro assert_tag_hash_salt_length(length, lines, where) %}
    {% if lines != 1 %}
        {{ exceptions.raise_compiler_error(
            "The salt of var hashed_tag_keys must be one line; " ~ where ~ " holds " ~ lines
            ~ " non-blank lines (docs/configuration.md, Hashed tag keys)."
        ) }}
    {% endif %}
    {% if length < 16 %}
        {{ exceptions.raise_compiler_error(
            "The salt of var hashed_tag_keys in " ~ where ~ " is "
            ~ ("empty" if length == 0 else "only " ~ length ~ " characters long")
            ~ ": refusing to hash with it, since short values (user ids, e-mail addresses) could "
            ~ "be recovered by hashing candidates. Use at least 16"
            ~ " random characters, e.g. `openssl rand -hex 32`"
            ~ " (docs/configuration.md, Hashed tag keys)."
        ) }}
    {% endif %}
{% endmacro %}

{#
    Athena only: creates (or replaces, with replace=true) the salt table over an S3 folder that
    holds one object of one line, the salt. Grant the dbt runner s3:GetObject on that folder and
    nobody else who reads the marts.

        dbt run-operation create_tag_hash_salt_table --target athena \
          --args '{location: s3://my-secret-bucket/bedrock-costs-salt/}'
#}
{% macro create_tag_hash_salt_table(location=none, replace=false) %}
    {% if target.type != 'athena' %}
        {{ exceptions.raise_compiler_error(
            "create_tag_hash_salt_table is for the athena target; on DuckDB set the environment "
            ~ "variable " ~ 'BEDROCK_COSTS_TAG_HASH_SALT_FILE' ~ " to the salt file's path."
        ) }}
    {% endif %}
    {% set folder = (location or '') | string %}
    {% if not bedrock_tenant_costs.is_plain_s3_uri(folder) %}
        {{ exceptions.raise_compiler_error(
            "create_tag_hash_salt_table needs --args '{location: s3://bucket/folder/}', the S3 "
            ~ "folder that holds the one-line salt object, spelled with letters, digits and "
            ~ "! _ . ( ) = + - only; got: "
            ~ (folder | tojson)
        ) }}
    {% endif %}
    {% set folder = folder.rstrip('/') ~ '/' %}
    {% set logs = var('bedrock_logs_s3_uri', none) %}
    {% if logs is not none and (folder.startswith((logs | string).rstrip('/') ~ '/')
        or ((logs | string).rstrip('/') ~ '/').startswith(folder)) %}
        {{ exceptions.raise_compiler_error(
            "The salt folder " ~ folder ~ " overlaps the Bedrock log prefix " ~ logs
            ~ ": keep the salt in a place only the dbt runner can read."
        ) }}
    {% endif %}
    {% set relation = bedrock_tenant_costs.tag_hash_salt_relation() %}
    {% if replace %}
        {% do run_query('drop table if exists `' ~ relation.schema ~ '`.`' ~ relation.identifier ~ '`') %}
    {% endif %}
    {% do run_query('create database if not exists `' ~ relation.schema ~ '`') %}
    {% set ddl %}
create external table if not exists `{{ relation.schema }}`.`{{ relation.identifier }}` (
  `salt` string
)
row format delimited fields terminated by '\001'
stored as textfile
location '{{ folder }}'
    {% endset %}
    {% do run_query(ddl) %}
    {{ log("Created " ~ relation ~ " over " ~ folder, info=true) }}
{% endmacro %}
