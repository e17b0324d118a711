"""The local Athena test double: Athena SQL passes, DuckDB-only SQL is refused, DDL reaches Glue.

Every statement goes through boto3's `athena.start_query_execution` against the double's endpoint,
exactly as dbt-athena sends it. No real AWS is contacted: credentials are dummies and every client
points at 127.0.0.1.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import boto3
import pytest
from botocore.exceptions import ClientError

from bedrock_costs_dev.athena_double import (
    AthenaDoubleServer,
    check_syntax,
    seed_catalog,
    start_server,
    statement_kind,
)

DBT_HEADER = '-- /* {"app": "dbt", "node_id": "model.bedrock_tenant_costs.x"} */\n'
STAGING = "s3://dbt-staging-bucket/athena-results/"


@pytest.fixture(scope="module")
def double(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AthenaDoubleServer]:
    with pytest.MonkeyPatch.context() as env:
        for name, value in {
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
            "AWS_DEFAULT_REGION": "us-east-1",
            "AWS_MAX_ATTEMPTS": "1",
        }.items():
            env.setenv(name, value)
        for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "ATHENA_DOUBLE_STRICT"):
            env.delenv(name, raising=False)
        log_path = tmp_path_factory.mktemp("athena_double") / "statements.jsonl"
        with start_server(log_path=log_path) as server:
            env.setenv("AWS_ENDPOINT_URL", server.endpoint_url)
            seed_catalog(
                server.endpoint_url,
                buckets=["dbt-staging-bucket", "dbt-data-bucket", "bedrock-logs-bucket"],
                databases=["bedrock_raw", "analytics"],
                tables=[
                    {
                        "database": "bedrock_raw",
                        "name": "invocation_logs_raw",
                        "columns": {"line": "string"},
                        "partition_keys": {"log_region": "string", "log_hour": "string"},
                        "location": "s3://bedrock-logs-bucket/AWSLogs/",
                    }
                ],
            )
            yield server


@pytest.fixture
def athena(double: AthenaDoubleServer):
    return boto3.client("athena", endpoint_url=double.endpoint_url, region_name="us-east-1")


@pytest.fixture
def glue(double: AthenaDoubleServer):
    return boto3.client("glue", endpoint_url=double.endpoint_url, region_name="us-east-1")


def run(athena, sql: str) -> str:
    """Start one statement as dbt-athena does and return its id once it has succeeded."""
    query_id = athena.start_query_execution(
        QueryString=sql,
        QueryExecutionContext={"Catalog": "awsdatacatalog", "Database": "analytics"},
        ResultConfiguration={"OutputLocation": STAGING},
        WorkGroup="primary",
    )["QueryExecutionId"]
    state = athena.get_query_execution(QueryExecutionId=query_id)["QueryExecution"]["Status"]
    assert state["State"] == "SUCCEEDED"
    return query_id


def logged(double: AthenaDoubleServer) -> list[dict]:
    return [json.loads(line) for line in double.log_path.read_text().splitlines()]


VALID_ATHENA_SQL = {
    "cast_json_extract_scalar": "select cast(json_extract_scalar(line, '$.a') as bigint) from t",
    "try_json_parse": "select try(json_parse(x)) as parsed from t",
    "unnest_map": (
        "select m.k, m.v from bedrock_raw.invocation_logs_raw"
        " cross join unnest(cast(json_extract(line, '$.m') as map(varchar, varchar))) as m(k, v)"
    ),
    "path_pseudo_column": 'select "$path" as source_file from bedrock_raw.invocation_logs_raw',
    "from_iso8601_timestamp": (
        "select from_iso8601_timestamp(json_extract_scalar(line, '$.timestamp')) as invoked_at"
        " from bedrock_raw.invocation_logs_raw"
    ),
    "partition_string_filter": (
        "select line from bedrock_raw.invocation_logs_raw where log_hour >= '2026/10/01/00'"
    ),
    "merge_into": (
        'merge into "awsdatacatalog"."analytics"."fct" as target'
        ' using "awsdatacatalog"."analytics"."fct__dbt_tmp" as src'
        " on (target.request_id = src.request_id"
        " and (target.usage_date >= current_date - interval '3' day))"
        ' when matched then update set "cost_usd" = src."cost_usd"'
        ' when not matched then insert ("request_id", "cost_usd", "usage_date")'
        ' values (src."request_id", src."cost_usd", src."usage_date")'
    ),
    "insert_into": "insert into analytics.fct (request_id) select request_id from analytics.src",
    "delete_from": "delete from analytics.fct where usage_date < date '2026-01-01'",
    "optimize": (
        "optimize analytics.fct rewrite data using bin_pack where usage_date >= date '2026-01-01'"
    ),
    "vacuum": "vacuum analytics.fct",
    "trailing_semicolon": "select 1 as one;",
}


@pytest.mark.parametrize("sql", VALID_ATHENA_SQL.values(), ids=VALID_ATHENA_SQL.keys())
def test_valid_athena_sql_passes(athena, double: AthenaDoubleServer, sql: str) -> None:
    run(athena, DBT_HEADER + sql)
    assert logged(double)[-1]["verdict"] == "accepted"


DUCKDB_ONLY_SQL = {
    "double_colon_cast": "select line::json from t",
    "arrow_json_operator": "select j->>'$.a' from t",
    "star_exclude": "select * exclude (a) from t",
    "trailing_comma": "select a, from t",
    "struct_literal": "select {'a': 1}",
    "multi_path_json_extract_string": "select json_extract_string(line, ['$.a', '$.b']) from t",
    "backquoted_identifier": "select `a` from t",
}


@pytest.mark.parametrize("sql", DUCKDB_ONLY_SQL.values(), ids=DUCKDB_ONLY_SQL.keys())
def test_duckdb_only_sql_is_rejected(athena, double: AthenaDoubleServer, sql: str) -> None:
    with pytest.raises(ClientError) as raised:
        run(athena, DBT_HEADER + sql)
    error = raised.value.response
    assert error["Error"]["Code"] == "InvalidRequestException"
    assert error["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert error["Error"]["Message"].startswith("trino grammar rejected: ")
    last = logged(double)[-1]
    assert (last["verdict"], last["gate"], last["query"]) == ("rejected", "trino", DBT_HEADER + sql)


def test_invalid_hive_ddl_is_rejected_by_the_hive_validator(athena) -> None:
    with pytest.raises(ClientError) as raised:
        run(athena, "create external table analytics.bad (a string,) location 's3://x/'")
    assert raised.value.response["Error"]["Message"].startswith("hive ddl rejected: ")


@pytest.mark.parametrize(
    "column_type",
    [
        "map<string,string>",
        "MAP<STRING, ARRAY<STRUCT<a:int, `b c`:map<string,decimal(10,2)>>>>",
        "struct<name:string, n:bigint>",
    ],
)
def test_complex_hive_column_types_pass_the_gate(column_type: str) -> None:
    """Athena's DDL takes map<...> and struct<...> (trino_sql_validator's Hive dialect does not:
    the gate checks them itself)."""
    sql = f"create external table a.b (x {column_type}, y string) stored as parquet location 's3://a/b/'"
    assert check_syntax(sql) == ("hive", None)


@pytest.mark.parametrize(
    ("column_type", "message"),
    [
        ("map<string>", "expected ','"),
        ("map<array<string>,string>", "a map key must be a primitive type"),
        ("struct<>", "a struct field needs name:type"),
        ("map<string,strin>", "not a Hive column type"),
        ("map<string,string", "expected '>'"),
        ("map<string,string>>", "sql parser error"),
    ],
)
def test_malformed_complex_hive_column_types_are_rejected(column_type: str, message: str) -> None:
    gate, rejection = check_syntax(
        f"create external table a.b (x {column_type}) location 's3://a/b/'"
    )
    assert gate == "hive"
    assert rejection is not None
    assert rejection.startswith("hive ddl rejected: ")
    assert message in rejection


def test_strictness_can_be_switched_off(
    athena, double: AthenaDoubleServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ATHENA_DOUBLE_STRICT", "0")
    run(athena, "select line::json from t")
    last = logged(double)[-1]
    assert last["verdict"] == "warned"
    assert last["message"].startswith("trino grammar rejected: ")


def test_external_table_with_partition_projection_reaches_glue(athena, glue) -> None:
    run(
        athena,
        DBT_HEADER + "create external table `bedrock_raw`.`invocation_logs_projected` (\n"
        "  `line` string)\n"
        "partitioned by (`log_region` string, `log_hour` string)\n"
        "row format delimited fields terminated by '\\001'\n"
        "stored as textfile\n"
        "location 's3://bedrock-logs-bucket/AWSLogs/123456789012/BedrockModelInvocationLogs/'\n"
        "tblproperties (\n"
        "  'projection.enabled'='true',\n"
        "  'projection.log_region.type'='enum',\n"
        "  'projection.log_region.values'='us-east-1,eu-west-1',\n"
        "  'projection.log_hour.type'='date',\n"
        "  'projection.log_hour.format'='yyyy/MM/dd/HH',\n"
        "  'projection.log_hour.range'='2026/01/01/00,NOW',\n"
        "  'projection.log_hour.interval'='1',\n"
        "  'projection.log_hour.interval.unit'='HOURS',\n"
        "  'storage.location.template'="
        "'s3://bedrock-logs-bucket/AWSLogs/123456789012/BedrockModelInvocationLogs/"
        "${log_region}/${log_hour}/')",
    )
    table = glue.get_table(DatabaseName="bedrock_raw", Name="invocation_logs_projected")["Table"]
    assert table["StorageDescriptor"]["Columns"] == [{"Name": "line", "Type": "string"}]
    assert [key["Name"] for key in table["PartitionKeys"]] == ["log_region", "log_hour"]
    assert table["Parameters"]["projection.log_hour.format"] == "yyyy/MM/dd/HH"


@pytest.mark.parametrize("partition_property", ["partitioned_by", "partitioning"])
def test_iceberg_ctas_creates_a_partitioned_glue_table(
    athena, glue, partition_property: str
) -> None:
    name = f"fct_usage_{partition_property}"
    run(
        athena,
        DBT_HEADER + f'create table "awsdatacatalog"."analytics"."{name}"\n'
        "with (table_type='iceberg', is_external=false,\n"
        f"  location='s3://dbt-data-bucket/tables/analytics/{name}/0f1e',\n"
        f"  {partition_property}=ARRAY['usage_date'], format='parquet')\n"
        "as\n"
        "select cast(json_extract_scalar(line, '$.requestId') as varchar) as request_id,\n"
        "       cast(json_extract_scalar(line, '$.input.inputTokenCount') as bigint) as tokens,\n"
        "       cast(0.5 as decimal(18, 6)) as cost_usd,\n"
        "       cast(from_iso8601_timestamp(json_extract_scalar(line, '$.timestamp')) as date)\n"
        "         as usage_date\n"
        "from bedrock_raw.invocation_logs_raw",
    )
    table = glue.get_table(DatabaseName="analytics", Name=name)["Table"]
    assert table["Parameters"]["table_type"] == "ICEBERG"
    assert table["PartitionKeys"] == [{"Name": "usage_date", "Type": "date"}]
    assert table["StorageDescriptor"]["Columns"] == [
        {"Name": "request_id", "Type": "string"},
        {"Name": "tokens", "Type": "bigint"},
        {"Name": "cost_usd", "Type": "decimal(18,6)"},
    ]
    assert table["StorageDescriptor"]["Location"].endswith(f"/{name}/0f1e")


def test_view_creation_appears_in_glue_and_select_gets_a_schema(athena, glue) -> None:
    run(
        athena,
        DBT_HEADER + 'create or replace view "awsdatacatalog"."analytics"."stg_lines" as\n'
        "select line, cast(length(line) as integer) as line_length, log_hour\n"
        "from bedrock_raw.invocation_logs_raw",
    )
    view = glue.get_table(DatabaseName="analytics", Name="stg_lines")["Table"]
    assert view["TableType"] == "VIRTUAL_VIEW"
    assert [c["Name"] for c in view["StorageDescriptor"]["Columns"]] == [
        "line",
        "line_length",
        "log_hour",
    ]

    query_id = run(athena, "select * from (select * from analytics.stg_lines) where false limit 0")
    result = athena.get_query_results(QueryExecutionId=query_id)["ResultSet"]
    columns = result["ResultSetMetadata"]["ColumnInfo"]
    assert [(c["Name"], c["Type"]) for c in columns] == [
        ("line", "varchar"),
        ("line_length", "integer"),
        ("log_hour", "varchar"),
    ]
    assert len(result["Rows"]) == 1  # the header row only: nothing executes


def test_rename_and_drop_follow_in_glue(athena, glue) -> None:
    run(athena, "create table analytics.swap__ha with (table_type='iceberg') as select 1 as x")
    run(athena, "alter table `analytics`.`swap__ha` rename to `analytics`.`swap`")
    assert glue.get_table(DatabaseName="analytics", Name="swap")["Table"]["Name"] == "swap"
    run(athena, "drop table if exists `analytics`.`swap__ha`")
    run(athena, "drop table `analytics`.`swap`")
    names = {t["Name"] for t in glue.get_tables(DatabaseName="analytics")["TableList"]}
    assert not {"swap", "swap__ha"} & names


def test_dbt_test_wrapper_gets_one_neutral_row(athena) -> None:
    query_id = run(
        athena,
        DBT_HEADER + "select count(*) as failures, count(*) != 0 as should_warn,"
        " count(*) != 0 as should_error from (select line from bedrock_raw.invocation_logs_raw"
        " where line is null) dbt_internal_test",
    )
    rows = athena.get_query_results(QueryExecutionId=query_id)["ResultSet"]["Rows"]
    assert [[d.get("VarCharValue") for d in row["Data"]] for row in rows] == [
        ["failures", "should_warn", "should_error"],
        ["0", "false", "false"],
    ]


@pytest.mark.parametrize(
    ("sql", "gate", "kind"),
    [
        ("alter table `a`.`t` set tblproperties ('classification' = 'parquet')", "hive", None),
        ("create table a.t with (format='parquet') as select 1 as x", "trino", "CTAS"),
        ("vacuum a.t", "athena", "VACUUM"),
        ("msck repair table a.t", "hive", "MSCK"),
    ],
)
def test_statements_are_routed_to_the_right_gate(sql: str, gate: str, kind: str | None) -> None:
    assert check_syntax(DBT_HEADER + sql) == (gate, None)
    assert statement_kind(sql) == (kind or "ALTER TABLE SET TBLPROPERTIES")


def test_log_path_is_a_file(double: AthenaDoubleServer) -> None:
    assert isinstance(double.log_path, Path)
    assert double.endpoint_url.startswith("http://127.0.0.1:")
