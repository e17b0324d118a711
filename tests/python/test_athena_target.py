"""The athena target, offline: dbt-athena against moto with Trino's grammar as the gate.

What this proves: every statement dbt sends on the athena target (DDL for the raw log table,
CTAS, views, Iceberg MERGE, renames, test queries) parses under Trino's grammar or, for Hive DDL,
the Hive validator, and dbt-athena's materialization flow completes, twice in a row (the second
run incremental). What it does not prove: results. Nothing executes here; the numbers are
tested on DuckDB. See bedrock_costs_dev.athena_double.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from bedrock_costs_dev import athena_double
from dbt_harness import PROJECT_DIR, athena_env, compiled_sql, run_dbt

pytestmark = pytest.mark.dbt

LOG_VARS = {
    "bedrock_logs_s3_uri": "s3://bedrock-logs-bucket/bedrock",
    "bedrock_log_accounts": ["111122223333", "444455556666"],
    "bedrock_log_regions": ["us-east-1", "eu-west-1"],
}


def statements(log_path: Path) -> list[dict]:
    return [json.loads(line) for line in log_path.read_text().splitlines() if line.strip()]


@pytest.fixture(scope="module")
def double(tmp_path_factory: pytest.TempPathFactory) -> Iterator[athena_double.AthenaDoubleServer]:
    log = tmp_path_factory.mktemp("athena") / "statements.jsonl"
    with pytest.MonkeyPatch.context() as env:
        for name, value in athena_env("unused").items():
            if name.startswith("AWS_") and name != "AWS_ENDPOINT_URL":
                env.setenv(name, value)
        with athena_double.start_server(log_path=log) as server:
            athena_double.seed_catalog(
                server.endpoint_url,
                buckets=["dbt-staging-bucket", "dbt-data-bucket", "bedrock-logs-bucket"],
                databases=[],
                tables=[],
            )
            yield server


@pytest.fixture(scope="module")
def built_twice(
    double: athena_double.AthenaDoubleServer, tmp_path_factory: pytest.TempPathFactory
) -> Path:
    work = tmp_path_factory.mktemp("athena-build")
    env = athena_env(double.endpoint_url)
    made = run_dbt(
        ["run-operation", "create_bedrock_logs_table"],
        None,
        work,
        LOG_VARS,
        target="athena",
        env=env,
    )
    assert made.ok, made.output[-4000:]
    for attempt in ("first", "second"):
        run = run_dbt(["build"], None, work, LOG_VARS, target="athena", env=env)
        assert run.ok, (attempt, run.output[-6000:])
    return work


def test_every_statement_parses_and_both_builds_pass(
    built_twice: Path, double: athena_double.AthenaDoubleServer
) -> None:
    sent = statements(double.log_path)
    assert len(sent) > 50
    assert [s for s in sent if s["verdict"] != "accepted"] == []
    kinds = {s["kind"] for s in sent}
    assert {"create_external_table", "merge"} <= kinds or any(
        "merge into" in s["query"].lower() for s in sent
    )


def test_raw_table_is_a_projected_single_column_text_table(
    built_twice: Path, double: athena_double.AthenaDoubleServer
) -> None:
    (ddl,) = [
        s["query"]
        for s in statements(double.log_path)
        if "create external table" in s["query"] and "invocation_logs_raw" in s["query"]
    ]
    assert "`line` string" in ddl
    assert "fields terminated by '\\001'" in ddl
    assert "'projection.enabled' = 'true'" in ddl
    assert "'projection.log_day.format' = 'yyyy/MM/dd'" in ddl
    assert (
        "s3://bedrock-logs-bucket/bedrock/AWSLogs/${log_account}/BedrockModelInvocationLogs/"
        "${log_region}/${log_day}/" in ddl
    )


def test_second_build_merges_into_iceberg_facts(
    built_twice: Path, double: athena_double.AthenaDoubleServer
) -> None:
    merges = [s["query"] for s in statements(double.log_path) if "merge into" in s["query"].lower()]
    targets = " ".join(merges)
    for model in (
        "fct_bedrock_invocations",
        "fct_tenant_daily_usage",
        "fct_tenant_daily_usage_by_tag",
    ):
        assert model in targets
    fct_merge = next(m for m in merges if "fct_bedrock_invocations" in m.split("using")[0])
    # The predicate names the __dbt_tmp table where dbt-athena creates it: the model's own
    # schema, not the profile's (dbt renders incremental_predicates at parse time).
    assert (
        "target.usage_date >= (select min(usage_date) from "
        "analytics_marts.fct_bedrock_invocations__dbt_tmp)" in fct_merge
    )
    ctas = [s["query"] for s in statements(double.log_path) if "table_type='iceberg'" in s["query"]]
    assert any("fct_bedrock_invocations" in q for q in ctas)


def test_incremental_raw_scan_is_bounded_by_the_lookback_window(
    double: athena_double.AthenaDoubleServer,
    built_twice: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Script the one answer that needs data: the newest delivery hour already loaded.
    monkeypatch.setenv(
        "ATHENA_DOUBLE_ANSWERS",
        json.dumps({r"max\(delivered_hour_at\)": "2026-10-30 17:00:00.000000"}),
    )
    env = athena_env(double.endpoint_url)
    run = run_dbt(
        ["build", "--select", "base_bedrock__log_lines"],
        None,
        built_twice,
        {**LOG_VARS, "lookback_days": 3},
        target="athena",
        env=env,
    )
    assert run.ok, run.output[-4000:]
    sql = compiled_sql(built_twice, "models/staging/bedrock/base/base_bedrock__log_lines.sql")
    assert "log_day >= '2026/10/27'" in sql
    assert "regexp_like(\"$path\", '/[0-9]{4}/[0-9]{2}/[0-9]{2}/[0-9]{2}/[^/]+$')" in sql
    assert athena_double.check_syntax(sql)[1] is None


def test_dbt_refuses_to_write_under_the_log_prefix(
    double: athena_double.AthenaDoubleServer, tmp_path: Path
) -> None:
    env = athena_env(
        double.endpoint_url, ATHENA_S3_DATA_DIR="s3://bedrock-logs-bucket/bedrock/dbt/"
    )
    run = run_dbt(["build"], None, tmp_path, LOG_VARS, target="athena", env=env)
    assert not run.ok
    assert "overlaps the Bedrock log prefix" in run.output


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def plain_moto() -> Iterator[str]:
    """A plain moto server in its own process: no double, no grammar gate, fresh state."""
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    endpoint = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                    break
            except OSError:
                time.sleep(0.1)
        yield endpoint
    finally:
        server.terminate()
        server.wait(timeout=10)


def test_compile_against_a_plain_aws_endpoint_parses_under_trino(
    plain_moto: str, tmp_path: Path
) -> None:
    """profiles.example.yml as shipped, plain moto: every compiled model and test parses."""
    athena_double.seed_catalog(
        plain_moto,
        buckets=["dbt-staging-bucket", "dbt-data-bucket"],
        databases=["bedrock_raw"],
        tables=[
            {
                "database": "bedrock_raw",
                "name": "invocation_logs_raw",
                "columns": {"line": "string"},
                "partition_keys": {
                    "log_account": "string",
                    "log_region": "string",
                    "log_day": "string",
                },
            }
        ],
    )
    run = run_dbt(["compile"], None, tmp_path, target="athena", env=athena_env(plain_moto))
    assert run.ok, run.output[-4000:]
    compiled = sorted((tmp_path / "target" / "compiled").rglob("*.sql"))
    models = [p for p in compiled if p.parent.name != "_models.yml" and "/models/" in str(p)]
    assert len(models) >= 14
    problems = {
        str(p.relative_to(tmp_path)): athena_double.check_syntax(p.read_text())[1]
        for p in compiled
        if p.read_text().strip()  # the on-run-start hook renders no SQL on this target
    }
    assert {k: v for k, v in problems.items() if v} == {}


@pytest.mark.parametrize(
    "duckdb_only_sql",
    [
        "select line::json from t",
        "select j->>'$.a' from t",
        "select * exclude (a) from t",
        "select a, from t",
        "select json_extract_string(line, ['$.a', '$.b']) from t",
    ],
)
def test_gate_rejects_duckdb_only_sql(duckdb_only_sql: str) -> None:
    gate, problem = athena_double.check_syntax(duckdb_only_sql)
    assert gate == "trino"
    assert problem is not None


def test_sqlfluff_athena_dialect_on_the_athena_rendering(
    double: athena_double.AthenaDoubleServer,
) -> None:
    """sqlfluff, athena dialect, over models and tests as the athena target renders them."""
    env = {
        **os.environ,
        **athena_env(double.endpoint_url),
        "DO_NOT_TRACK": "1",
        "DBT_PROFILES_DIR": str(PROJECT_DIR),
        "BEDROCK_COSTS_DUCKDB_PATH": "unused.duckdb",
    }
    profiles = PROJECT_DIR / "profiles.yml"
    if not profiles.exists():
        shutil.copy(PROJECT_DIR / "profiles.example.yml", profiles)
    sqlfluff = Path(sys.executable).parent / "sqlfluff"
    lint = subprocess.run(
        [str(sqlfluff), "lint", "models", "tests", "--config", ".sqlfluff-athena"],
        cwd=PROJECT_DIR,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert lint.returncode == 0, lint.stdout[-4000:] + lint.stderr[-2000:]
    assert "All Finished" in lint.stdout


def test_raw_table_refuses_a_projection_athena_could_not_scan(
    double: athena_double.AthenaDoubleServer, tmp_path: Path
) -> None:
    """A first build scans every projected partition; Athena reads at most 1,000,000 per scan."""
    many = {
        "bedrock_logs_s3_uri": "s3://bedrock-logs-bucket/bedrock",
        "bedrock_log_accounts": [f"{n:012d}" for n in range(1, 11)],
        "bedrock_log_regions": ["us-east-1", "us-west-2", "eu-west-1", "eu-central-1"],
        "bedrock_log_first_hour": "2000/01/01/00",
        "bedrock_raw_schema": "too_many_raw",
    }
    env = athena_env(double.endpoint_url)
    run = run_dbt(
        ["run-operation", "create_bedrock_logs_table"],
        None,
        tmp_path,
        many,
        target="athena",
        env=env,
    )
    assert not run.ok
    assert "would project" in run.output
    assert "bedrock_log_first_hour" in run.output
    fits = run_dbt(
        ["run-operation", "create_bedrock_logs_table"],
        None,
        tmp_path,
        {**many, "bedrock_log_first_hour": "2026/01/01/00"},
        target="athena",
        env=env,
    )
    assert fits.ok, fits.output[-3000:]


@pytest.mark.parametrize(
    ("bad_vars", "message"),
    [
        ({"bedrock_raw_schema": "raw`.`x` (a int); --"}, "bedrock_raw_schema must be a Glue"),
        ({"bedrock_logs_s3_uri": "s3://bedrock-logs-bucket/it's"}, "must be the S3 prefix"),
        ({"bedrock_logs_s3_uri": "s3://b/x"}, "must be the S3 prefix"),
        ({"bedrock_logs_s3_uri": "s3://bedrock-logs-bucket//AWSLogs"}, "must be the S3 prefix"),
    ],
)
def test_raw_table_ddl_takes_only_a_plain_schema_and_s3_prefix(
    double: athena_double.AthenaDoubleServer, tmp_path: Path, bad_vars: dict, message: str
) -> None:
    """The raw schema and the log prefix are written into DDL: anything else stops the operation."""
    run = run_dbt(
        ["run-operation", "create_bedrock_logs_table"],
        None,
        tmp_path,
        {**LOG_VARS, **bad_vars},
        target="athena",
        env=athena_env(double.endpoint_url),
    )
    assert not run.ok
    assert message in run.output, run.output[-3000:]
    log = double.log_path
    sent = " ".join(s.get("query", "") for s in statements(log)) if log.exists() else ""
    assert "(a int)" not in sent
    assert "it's" not in sent


@pytest.mark.parametrize(
    "location",
    [None, "s3://secret-bucket/it's/", "s3://secret-bucket/salt*/", "s3://secret-bucket//salt"],
)
def test_the_salt_table_takes_only_a_plain_s3_folder(
    double: athena_double.AthenaDoubleServer, tmp_path: Path, location: str | None
) -> None:
    """The salt folder is written into DDL like the log prefix, and checked by the same macro."""
    args = {} if location is None else {"location": location}
    log = double.log_path
    before = len(statements(log)) if log.exists() else 0
    run = run_dbt(
        ["run-operation", "create_tag_hash_salt_table", "--args", json.dumps(args)],
        None,
        tmp_path,
        LOG_VARS,
        target="athena",
        env=athena_env(double.endpoint_url),
    )
    assert not run.ok
    assert "the S3 folder that holds the one-line salt object" in run.output, run.output[-3000:]
    sent = statements(log)[before:] if log.exists() else []
    assert [s for s in sent if "tag_hash_salt" in s.get("query", "")] == []


def test_a_long_first_build_is_refused_and_a_chunk_reads_only_its_days(
    double: athena_double.AthenaDoubleServer, built_twice: Path
) -> None:
    """Athena stops a DML query after 30 minutes: var max_days_per_build bounds one raw scan."""
    env = athena_env(double.endpoint_url)
    select = ["build", "--select", "base_bedrock__log_lines", "--full-refresh"]
    bounded = {**LOG_VARS, "bedrock_log_first_hour": "2026/01/01/00", "max_days_per_build": 31}
    refused = run_dbt(select, None, built_twice, bounded, target="athena", env=env)
    assert not refused.ok
    assert "more than var max_days_per_build (31)" in refused.output
    assert "bedrock-costs build-history --from 2026-01-01 --days-per-run 31" in refused.output
    chunk = {**bounded, "backfill_from": "2026-01-01", "backfill_to": "2026-01-31"}
    run = run_dbt(select, None, built_twice, chunk, target="athena", env=env)
    assert run.ok, run.output[-4000:]
    sql = compiled_sql(built_twice, "models/staging/bedrock/base/base_bedrock__log_lines.sql")
    assert "log_day >= '2026/01/01'" in sql
    assert "log_day < '2026/02/01'" in sql
    assert athena_double.check_syntax(sql)[1] is None
    too_long = {**bounded, "backfill_from": "2026-01-01", "backfill_to": "2026-02-01"}
    run = run_dbt(select, None, built_twice, too_long, target="athena", env=env)
    assert not run.ok
    assert "would read 32 days of logs (from 2026-01-01)" in run.output


def test_the_removed_force_batch_var_says_why(
    double: athena_double.AthenaDoubleServer, built_twice: Path
) -> None:
    env = athena_env(double.endpoint_url)
    run = run_dbt(
        ["build", "--select", "base_bedrock__log_lines"],
        None,
        built_twice,
        {**LOG_VARS, "athena_force_batch": True},
        target="athena",
        env=env,
    )
    assert not run.ok
    assert "var 'athena_force_batch' was removed: dbt-athena 1.11 writes" in run.output


SCHEMAS_OF_MODELS_AND_SEEDS = (
    ["ls", "--resource-type", "model", "--resource-type", "seed"],
    ["--output", "json", "--output-keys", "name schema", "--quiet"],
)


def _schemas(tmp_path: Path, target: str, **env: str) -> dict[str, str]:
    run = run_dbt(
        [*SCHEMAS_OF_MODELS_AND_SEEDS[0], *SCHEMAS_OF_MODELS_AND_SEEDS[1]],
        None,
        tmp_path / target,
        LOG_VARS,
        target=target,
        env={**athena_env("unused"), "ATHENA_SCHEMA": "acme", **env},
    )
    assert run.ok, run.output[-3000:]
    rows = [json.loads(line) for line in run.output.splitlines() if line.startswith("{")]
    return {row["name"]: row["schema"] for row in rows}


def test_a_non_production_athena_target_never_writes_the_production_schemas(
    tmp_path: Path,
) -> None:
    production = _schemas(tmp_path, "athena", USER="alice")
    assert production["fct_tenant_daily_usage"] == "acme_marts"
    assert production["stg_bedrock__invocations"] == "acme_staging"
    development = _schemas(tmp_path, "athena_dev", USER="alice")
    assert set(development) == set(production)
    assert all(development[name] == f"dev_alice_{production[name]}" for name in production)
    # a CI run names its own prefix; anything but a Glue name's characters is folded away
    ci = _schemas(tmp_path, "athena_dev", USER="alice", BEDROCK_COSTS_SCHEMA_PREFIX="CI run#42")
    assert ci["fct_tenant_daily_usage"] == "ci_run_42_acme_marts"
    # DuckDB's schemas are never prefixed
    assert _schemas(tmp_path, "local", USER="alice")["fct_tenant_daily_usage"] == "bedrock_marts"
