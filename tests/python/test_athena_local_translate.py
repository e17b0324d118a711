"""The local Athena's translation rules, one test each (tools/athena_local/translate.py).

These run without an engine; that each translated statement really executes on Trino is shown by
tests/python/test_athena_local.py, which runs everything dbt-athena sends.
"""

from __future__ import annotations

import pytest

from athena_local.glue_ddl import external_table_input
from athena_local.translate import (
    backquotes,
    ctas_properties,
    decimal_literals,
    name_parts,
    optimize,
    translate,
    vacuum,
)


def test_hive_ddl_backquotes_become_double_quotes_but_not_inside_strings() -> None:
    assert (
        backquotes("drop table if exists `s`.`t` -- 'a`b'")
        == 'drop table if exists "s"."t" -- \'a`b\''
    )
    assert backquotes("select '`x`' as q") == "select '`x`' as q"


@pytest.mark.parametrize(
    ("athena", "trino"),
    [
        ("create database if not exists `raw`", 'create schema if not exists "raw"'),
        ("drop database if exists `raw` cascade", 'drop schema if exists "raw" cascade'),
        ("alter table `s`.`a` rename to `s`.`b`", 'alter table "s"."a" rename to "s"."b"'),
    ],
)
def test_hive_ddl_is_spelled_as_trino_wants_it(athena: str, trino: str) -> None:
    plan = translate(athena)
    assert plan.kind == "trino"
    assert plan.sql == trino
    assert "hive_ddl" in plan.rules


def test_iceberg_ctas_goes_to_the_iceberg_catalog_with_its_own_properties() -> None:
    athena = (
        'create table "awsdatacatalog"."s_marts"."fct" with (table_type=\'iceberg\', '
        "is_external=false, location='s3://b/t/fct', partitioning=ARRAY['usage_date'], "
        "write_compression='zstd', format='parquet') as select 1 as a"
    )
    trino = ctas_properties(athena)
    assert trino is not None
    assert trino.startswith('create table "awsdatacatalog_iceberg"."s_marts"."fct"')
    assert "location = 's3://b/t/fct'" in trino
    assert "partitioning = ARRAY['usage_date']" in trino
    assert "format = 'PARQUET'" in trino
    for athena_only in ("table_type", "is_external", "write_compression"):
        assert athena_only not in trino
    assert trino.endswith("as select 1 as a")


def test_hive_ctas_keeps_the_hive_catalog_and_external_location() -> None:
    athena = (
        'create table "awsdatacatalog"."s_reference"."seed" with (table_type=\'hive\', '
        "is_external=true, external_location='s3://b/t/seed', format='parquet', "
        "field_delimiter=',') as select 1 as a"
    )
    trino = ctas_properties(athena)
    assert trino is not None
    assert trino.startswith('create table "awsdatacatalog"."s_reference"."seed"')
    assert "external_location = 's3://b/t/seed'" in trino
    assert "textfile_field_separator = ','" in trino


def test_an_unknown_ctas_property_is_an_error_not_silently_dropped() -> None:
    with pytest.raises(ValueError, match="bucket_magic"):
        ctas_properties("create table t with (bucket_magic=3, format='parquet') as select 1")


def test_optimize_and_vacuum_become_table_procedures() -> None:
    assert (
        optimize("optimize s.t rewrite data using bin_pack where d >= date '2026-10-01'")
        == "alter table s.t execute optimize where d >= date '2026-10-01'"
    )
    assert vacuum('vacuum "s"."t"') == (
        'alter table "s"."t" execute expire_snapshots(retention_threshold => \'7d\')'
    )


def test_msck_repair_is_nothing_to_do() -> None:
    assert translate("msck repair table bedrock_raw.invocation_logs_raw").kind == "noop"


def test_bare_decimal_literals_are_doubles_as_on_athena() -> None:
    sql = "select 1.5 * x, 2, decimal '0.5', '3.25', \"col.1\", .5 from t -- 9.9"
    assert decimal_literals(sql) == (
        "select double '1.5' * x, 2, decimal '0.5', '3.25', \"col.1\", double '.5' from t -- 9.9"
    )
    assert "decimal_literals" in translate("select 1.5").rules


def test_external_tables_and_tblproperties_go_to_glue() -> None:
    assert translate("create external table `r`.`t` (`line` string)").kind == (
        "glue_create_external_table"
    )
    plan = translate("alter table `s`.`t` set tblproperties ('classification' = 'parquet')")
    assert plan.kind == "glue_set_tblproperties"
    assert plan.detail == {"table": ["s", "t"], "properties": {"classification": "parquet"}}


def test_the_raw_log_table_ddl_becomes_a_projected_text_table_in_glue() -> None:
    ddl = (
        "create external table if not exists `raw`.`invocation_logs_raw` (\n  `line` string\n)\n"
        "partitioned by (`log_account` string, `log_region` string, `log_day` string)\n"
        "row format delimited fields terminated by '\\001'\nstored as textfile\n"
        "location 's3://logs/p/AWSLogs/'\n"
        "tblproperties (\n  'projection.enabled' = 'true',\n"
        "  'storage.location.template' = 's3://logs/p/AWSLogs/${log_account}/${log_day}/'\n)"
    )
    database, table, table_input, if_not_exists = external_table_input(ddl)
    assert (database, table, if_not_exists) == ("raw", "invocation_logs_raw", True)
    descriptor = table_input["StorageDescriptor"]
    assert descriptor["Columns"] == [{"Name": "line", "Type": "string"}]
    assert descriptor["SerdeInfo"]["Parameters"]["field.delim"] == "\x01"
    assert descriptor["InputFormat"] == "org.apache.hadoop.mapred.TextInputFormat"
    assert [k["Name"] for k in table_input["PartitionKeys"]] == [
        "log_account",
        "log_region",
        "log_day",
    ]
    assert table_input["Parameters"]["projection.enabled"] == "true"
    assert table_input["Parameters"]["storage.location.template"].endswith("${log_day}/")


def test_seed_staging_tables_keep_the_csv_serde() -> None:
    ddl = (
        "create external table `s`.`seed__dbt_tmp` (`a` string, `b` string)\n"
        "row format serde 'org.apache.hadoop.hive.serde2.OpenCSVSerde'\n"
        "location 's3://b/seed/'\ntblproperties ('skip.header.line.count'='1')"
    )
    _, _, table_input, _ = external_table_input(ddl)
    serde = table_input["StorageDescriptor"]["SerdeInfo"]["SerializationLibrary"]
    assert serde == "org.apache.hadoop.hive.serde2.OpenCSVSerde"
    assert table_input["Parameters"]["skip.header.line.count"] == "1"


def test_names_are_split_and_unquoted_as_glue_stores_them() -> None:
    assert name_parts('"awsdatacatalog"."S"."T"') == ["awsdatacatalog", "s", "t"]
    assert name_parts("`s`.`t`") == ["s", "t"]


def test_everything_else_is_sent_as_written() -> None:
    plan = translate("-- a comment\nselect count(*) from t;")
    assert (plan.kind, plan.sql, plan.rules) == ("trino", "select count(*) from t", ())


def test_the_command_gets_the_vars_even_when_the_shell_expanded_them_first() -> None:
    from athena_local.__main__ import prepare_command

    env = {"BEDROCK_COSTS_ATHENA_VARS": '{"a": 1}', "ATHENA_SCHEMA": "s"}
    typed = ["dbt", "build", "--vars", "", "--x", "$ATHENA_SCHEMA", "${ATHENA_SCHEMA}_marts"]
    command, notes = prepare_command(typed, env)
    assert command == ["dbt", "build", "--vars", '{"a": 1}', "--x", "s", "s_marts"]
    assert len(notes) == 1
    assert prepare_command(["echo", ""], env) == (["echo", ""], [])
