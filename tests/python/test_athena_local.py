"""The athena target executed on the local Athena (Trino 476 + moto), compared with DuckDB.

What this proves: every statement of the Athena path (the raw table DDL, seeds, every model,
every data and reconciliation test, the incremental MERGE, a backfill, a full refresh, source
freshness, docs generate, the report read through pyathena) executes on Trino 476 with the Hive
and Iceberg connectors on a Glue catalog and S3, after Trino 422's grammar gate, and gives marts
equal to DuckDB's, row for row and to the last decimal digit, on the same logs. What it does not
prove: Athena's own fork of Trino and its limits (bytes scanned, DML timeout, 32 MB rows; the
100-partition write limit is reproduced with one writer per query), IAM, Lake Formation, and
Athena's error texts. See docs/tests.md.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from athena_local_harness import (
    AthenaProject,
    athena_marts,
    duckdb_marts,
    engine_use,
    mart_differences,
    start_local_athena,
)
from bedrock_costs.cur_export import write_export
from dbt_harness import (
    HANDWRITTEN_FIXTURE,
    HANDWRITTEN_VARS,
    PROJECT_DIR,
    DbtRun,
    materialize_fixture_logs,
    run_dbt,
)
from handwritten_bill import BILL

pytestmark = [pytest.mark.dbt, pytest.mark.athena]
BEDROCK_COSTS = Path(sys.executable).parent / "bedrock-costs"
SAMPLE_DAYS = 4
SAMPLE_INVOCATIONS = 5000


@pytest.fixture(scope="module")
def local_athena() -> Any:
    return start_local_athena()


def split_by_day(logs: Path, last_day: str, first: Path, second: Path) -> None:
    """Files of days before last_day (YYYY/MM/DD) go to `first`, the rest to `second`."""
    for path in sorted(p for p in (logs / "AWSLogs").rglob("*") if p.is_file()):
        relative = path.relative_to(logs)
        day = re.search(r"/(\d{4}/\d{2}/\d{2})/\d{2}/", relative.as_posix())
        target = second if day and day.group(1) >= last_day else first
        (target / relative).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(path, target / relative)


def copy_tree(source: Path, destination: Path) -> None:
    shutil.copytree(source, destination, dirs_exist_ok=True)


@dataclass
class Step:
    name: str
    duckdb: dict[str, Any]
    athena: dict[str, Any]


@dataclass
class Scenario:
    project: AthenaProject
    steps: list[Step]
    athena_work: Path
    duck: DbtRun
    duck_logs: Path
    snapshots_after_incremental: int


def build_both(
    project: AthenaProject,
    athena_work: Path,
    duck_logs: Path,
    duck_work: Path,
    command: list[str],
    extra_vars: dict[str, Any] | None = None,
) -> DbtRun:
    athena = project.dbt(command, athena_work, extra_vars)
    assert athena.ok, f"athena {command}: {athena.output[-6000:]}"
    duck = run_dbt(command, duck_logs, duck_work, extra_vars)
    assert duck.ok, f"duckdb {command}: {duck.output[-6000:]}"
    return duck


@pytest.fixture(scope="module")
def sample_scenario(local_athena: Any, tmp_path_factory: pytest.TempPathFactory) -> Scenario:
    """Sample logs over 4 days: a first build on 3, an incremental day, a backfill, a refresh."""
    root = tmp_path_factory.mktemp("athena-sample")
    generated = root / "generated"
    done = subprocess.run(
        [
            *(str(BEDROCK_COSTS), "sample-logs", "--out", str(generated)),
            *("--days", str(SAMPLE_DAYS), "--invocations", str(SAMPLE_INVOCATIONS), "--quiet"),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    first, second = root / "first", root / "second"
    split_by_day(generated, "2026/10/04", first, second)
    project = AthenaProject.new(local_athena, "sample")
    duck_logs, duck_work, athena_work = root / "duck-logs", root / "duck", root / "athena"
    copy_tree(first, duck_logs)
    assert project.upload(first) > 500
    made = project.create_raw_table(athena_work)
    assert made.ok, made.output[-4000:]
    steps = []

    def record(name: str, duck: DbtRun) -> None:
        steps.append(Step(name, duckdb_marts(duck), athena_marts(project)))

    duck = build_both(project, athena_work, duck_logs, duck_work, ["build"])
    record("first build", duck)
    project.upload(second)
    copy_tree(second, duck_logs)
    duck = build_both(project, athena_work, duck_logs, duck_work, ["build"])
    record("incremental day", duck)
    ((snapshots,),) = project.query(
        f'select count(*) from {project.schema}_marts."fct_bedrock_invocations$snapshots"'
    )
    backfill = {"backfill_from": "2026-10-02", "backfill_to": "2026-10-03"}
    duck = build_both(project, athena_work, duck_logs, duck_work, ["build"], backfill)
    record("backfill", duck)
    duck = build_both(project, athena_work, duck_logs, duck_work, ["build", "--full-refresh"])
    record("full refresh", duck)
    return Scenario(project, steps, athena_work, duck, duck_logs, snapshots)


@pytest.mark.xdist_group("athena-sample")
def test_sample_logs_marts_are_equal_on_both_engines_after_every_step(
    sample_scenario: Scenario,
) -> None:
    assert [s.name for s in sample_scenario.steps] == [
        "first build",
        "incremental day",
        "backfill",
        "full refresh",
    ]
    for step in sample_scenario.steps:
        assert mart_differences(step.duckdb, step.athena) == {}, step.name
    invocations = sample_scenario.steps[-1].athena["fct_bedrock_invocations"][1]
    assert len(invocations) >= SAMPLE_INVOCATIONS - 10  # some records are planted malformed


@pytest.mark.xdist_group("athena-sample")
def test_incremental_day_adds_the_new_day_and_a_full_refresh_changes_nothing(
    sample_scenario: Scenario,
) -> None:
    first, incremental, _, refreshed = sample_scenario.steps
    days = {row[1] for row in incremental.athena["fct_tenant_daily_usage"][1]}
    first_days = {row[1] for row in first.athena["fct_tenant_daily_usage"][1]}
    assert max(days) > max(first_days)
    assert mart_differences(incremental.athena, refreshed.athena) == {}


@pytest.mark.xdist_group("athena-sample")
def test_incremental_runs_merge_into_iceberg_on_trino(sample_scenario: Scenario) -> None:
    """The MERGE path really ran: after the incremental day the facts table has a second
    Iceberg snapshot (the first build wrote one; a --full-refresh starts a new table)."""
    assert sample_scenario.snapshots_after_incremental >= 2


@pytest.mark.xdist_group("athena-sample")
def test_source_freshness_runs_on_the_local_athena(sample_scenario: Scenario) -> None:
    run = sample_scenario.project.dbt(["source", "freshness"], sample_scenario.athena_work)
    # The sample logs are from 2026-10: the newest delivery is older than any threshold, so the
    # check itself must run and report an error state (not crash on an empty result).
    assert "invocation_logs_raw" in run.output
    assert re.search(r"ERROR STALE|WARN", run.output), run.output[-3000:]
    assert "Got an invalid result" not in run.output


@pytest.mark.xdist_group("athena-sample")
def test_docs_generate_reads_the_athena_catalog(sample_scenario: Scenario) -> None:
    run = sample_scenario.project.dbt(["docs", "generate"], sample_scenario.athena_work)
    assert run.ok, run.output[-4000:]
    catalog = json.loads((sample_scenario.athena_work / "target" / "catalog.json").read_text())
    node = catalog["nodes"]["model.bedrock_tenant_costs.fct_tenant_daily_usage"]
    assert {"tenant_id", "usage_date", "total_cost_usd"} <= set(node["columns"])
    assert node["metadata"]["schema"] == f"{sample_scenario.project.schema}_marts"


def _report_payload(path: Path) -> dict[str, Any]:
    html = path.read_text()
    match = re.search(
        r'<script type="application/json" id="report-data">(.*?)</script>', html, re.S
    )
    assert match, "no report data in the page"
    payload = json.loads(match.group(1))
    payload["meta"].pop("generated_at")
    payload["meta"].pop("source")
    return payload


@pytest.mark.xdist_group("athena-sample")
def test_report_reads_the_athena_marts_through_pyathena(
    sample_scenario: Scenario, tmp_path: Path
) -> None:
    project = sample_scenario.project
    athena_page, duck_page = tmp_path / "athena.html", tmp_path / "duckdb.html"
    command = [str(PROJECT_DIR / "tools" / "athena-local"), "--quiet", "--log-prefix"]
    command += [project.log_prefix, "--", "bash", "-c"]
    command += [
        f'"{BEDROCK_COSTS}" report --athena --s3-staging-dir "$ATHENA_S3_STAGING_DIR" '
        f'--region "$ATHENA_REGION" --schema {project.schema}_marts --out "{athena_page}"'
    ]
    with engine_use():
        done = subprocess.run(command, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    duck = subprocess.run(
        [
            *(str(BEDROCK_COSTS), "report", "--database", str(sample_scenario.duck.database)),
            *("--out", str(duck_page)),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert duck.returncode == 0, duck.stderr[-3000:]
    athena_data, duck_data = _report_payload(athena_page), _report_payload(duck_page)
    assert athena_data["check"]["invocation_count"] > 0
    assert athena_data == duck_data


@pytest.fixture(scope="module")
def handwritten(local_athena: Any, tmp_path_factory: pytest.TempPathFactory) -> Any:
    root = tmp_path_factory.mktemp("athena-handwritten")
    logs = materialize_fixture_logs(HANDWRITTEN_FIXTURE, root / "logs")
    project = AthenaProject.new(local_athena, "handwritten")
    project.upload(logs)
    made = project.create_raw_table(root / "athena")
    assert made.ok, made.output[-4000:]
    # with the hand-built bill (Parquet, as Data Exports writes it for Athena), so that the
    # reconciliation marts are compared too
    write_export(root / "bill", "cur2", "2026-10", BILL, file_format="parquet", parts=2)
    bill_vars = {
        "bedrock_cur_s3_uri": project.upload_bill(root / "bill", "cur2"),
        "bedrock_cur_table": "bedrock_cur",
    }
    made = project.dbt(["run-operation", "create_bedrock_cur_table"], root / "athena", bill_vars)
    assert made.ok, made.output[-4000:]
    tolerance = {"bill_cost_tolerance_usd": 0}
    athena = project.dbt(["build"], root / "athena", {**HANDWRITTEN_VARS, **bill_vars, **tolerance})
    assert athena.ok, athena.output[-6000:]
    duck = run_dbt(
        ["build"],
        logs,
        root / "duck",
        {**HANDWRITTEN_VARS, "bedrock_cur_dir": str(root / "bill"), **tolerance},
    )
    assert duck.ok, duck.output[-6000:]
    assert (
        duck.query("select count(*) from bedrock_marts.fct_bedrock_bill_reconciliation")[0][0] > 10
    )
    return project, root, duck


@pytest.mark.xdist_group("athena-handwritten")
def test_handwritten_records_give_equal_marts(handwritten: Any) -> None:
    project, _, duck = handwritten
    assert mart_differences(duckdb_marts(duck), athena_marts(project)) == {}


@pytest.mark.xdist_group("athena-handwritten")
def test_a_tampered_mart_fails_its_reconciliation_test_on_trino(handwritten: Any) -> None:
    project, root, _ = handwritten
    schema = f"{project.schema}_marts"
    project.query(
        f"update {schema}.fct_tenant_daily_usage set input_tokens = input_tokens + 1"
        " where usage_date = date '2026-10-01'"
    )
    try:
        run = project.dbt(
            ["test", "--select", "assert_daily_usage_reconciles_to_invocations"],
            root / "athena",
            HANDWRITTEN_VARS,
        )
        assert not run.ok
        assert "FAIL" in run.output
        assert "assert_daily_usage_reconciles_to_invocations" in run.output
    finally:
        project.query(
            f"update {schema}.fct_tenant_daily_usage set input_tokens = input_tokens - 1"
            " where usage_date = date '2026-10-01'"
        )
    again = project.dbt(
        ["test", "--select", "assert_daily_usage_reconciles_to_invocations"],
        root / "athena",
        HANDWRITTEN_VARS,
    )
    assert again.ok, again.output[-3000:]


@pytest.mark.xdist_group("athena-handwritten")
def test_request_metadata_flags_are_set_on_trino(handwritten: Any) -> None:
    """json_extract_scalar of an object is null on Trino: the flags must not depend on it."""
    project, _, duck = handwritten
    sql = (
        "select request_id, has_request_metadata_field, has_malformed_request_metadata"
        " from {schema}.int_bedrock__invocations_deduplicated"
    )
    athena = sorted(project.query(sql.format(schema=f"{project.schema}_intermediate")))
    local = sorted(duck.query(sql.format(schema="bedrock_intermediate")))
    assert athena == local
    assert any(row[1] for row in athena)


@pytest.mark.xdist_group("athena-handwritten")
def test_a_merge_that_fails_after_its_delete_is_repaired_by_the_next_run(handwritten: Any) -> None:
    """Athena has no transactions: the DELETE pre-hook of a replace_days model commits on its own.

    A fault is injected into the MERGE that follows it. The recomputed days are then missing
    from the mart (the half-written window), the run fails loudly, and the next plain run
    repairs the mart: its window comes from the mart's own newest row, which the DELETE moved
    back, so it recomputes at least every deleted day. (It runs on the hand-written build, after
    the tests that read it.)
    """
    project, root, duck = handwritten
    work = root / "athena"
    marts = f"{project.schema}_marts"
    before = project.query(f"select count(*) from {marts}.fct_tenant_daily_usage")[0][0]
    assert before > 0
    faults = athena_local_faults()
    faults.write_text(
        json.dumps(
            [
                {
                    "pattern": rf'merge into "awsdatacatalog"."{marts}"."fct_tenant_daily_usage"',
                    "message": "ICEBERG_COMMIT_ERROR: injected by the test",
                    "times": 1,
                }
            ]
        )
    )
    try:
        failed = project.dbt(
            ["build", "--select", "fct_tenant_daily_usage"], work, HANDWRITTEN_VARS
        )
    finally:
        faults.unlink(missing_ok=True)
    assert not failed.ok
    assert "injected by the test" in failed.output
    half = project.query(f"select count(*) from {marts}.fct_tenant_daily_usage")[0][0]
    assert half < before  # the DELETE committed, the MERGE did not: days are missing
    repaired = project.dbt(["build", "--select", "fct_tenant_daily_usage+"], work, HANDWRITTEN_VARS)
    assert repaired.ok, repaired.output[-4000:]
    assert mart_differences(duckdb_marts(duck), athena_marts(project)) == {}


def athena_local_faults() -> Path:
    from athena_local import __main__ as athena_local

    return athena_local.faults_file()


def test_fault_set_gives_equal_marts(local_athena: Any, tmp_path: Path) -> None:
    from test_faults import faulty_logs

    logs = faulty_logs(tmp_path / "logs")
    project = AthenaProject.new(local_athena, "faults")
    project.upload(logs)
    work = tmp_path / "athena"
    assert project.create_raw_table(work).ok
    athena = project.dbt(["build"], work)
    assert athena.ok, athena.output[-6000:]
    duck = run_dbt(["build"], logs, tmp_path / "duck")
    assert duck.ok, duck.output[-4000:]
    assert mart_differences(duckdb_marts(duck), athena_marts(project)) == {}
    reasons = project.query(
        f"select quarantine_reason, count(*) from {project.schema}_marts.dq_quarantined_log_lines"
        " where quarantine_reason in ('invalid_utf8', 'line_too_long') group by 1"
    )
    assert dict(reasons) == {"invalid_utf8": 2, "line_too_long": 1}


def _statements_about(schema: str) -> list[dict[str, Any]]:
    from athena_local import __main__ as athena_local

    log = athena_local.state_dir() / "statements.jsonl"
    lines = [line for line in log.read_text().splitlines() if line.strip()]
    entries = []
    for number, line in enumerate(lines, start=1):
        try:
            entries.append(json.loads(line))
        except ValueError:
            # the other xdist worker's statement, being written as this one reads the log
            if number < len(lines):
                raise
    return [entry for entry in entries if schema in (entry.get("query") or "")]


def test_builds_over_more_than_100_days_write_in_batches_without_a_var(
    local_athena: Any, tmp_path: Path
) -> None:
    """Athena (and the local Trino, one writer per query) writes at most 100 partitions at once.

    A first build over 120 days of logs, then a backfill of one daily mart over all of them (its
    MERGE): dbt-athena catches
    TOO_MANY_OPEN_PARTITIONS and writes in batches by itself, so athena_force_batch is not needed,
    and the marts still equal DuckDB's.
    """
    logs = tmp_path / "logs"
    done = subprocess.run(
        [
            *(str(BEDROCK_COSTS), "sample-logs", "--out", str(logs)),
            *("--days", "120", "--invocations", "1500", "--quiet"),
            *("--start", "2026-06-01"),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    project = AthenaProject.new(local_athena, "long")
    project.upload(logs)
    work = tmp_path / "athena"
    assert project.create_raw_table(work).ok
    duck_work = tmp_path / "duck"
    duck = build_both(project, work, logs, duck_work, ["build"])
    refused = [
        entry
        for entry in _statements_about(project.schema)
        if "TOO_MANY_OPEN_PARTITIONS" in (entry.get("reason") or "")
    ]
    assert refused, "no statement hit the 100-partition limit: the test proves nothing"
    assert mart_differences(duckdb_marts(duck), athena_marts(project)) == {}
    # every day again, for one replace_days mart: its MERGE touches all 120 partitions
    backfill = {"backfill_from": "2000-01-01", "backfill_to": "2099-12-31"}
    daily = ["build", "--select", "fct_tenant_daily_usage"]
    duck = build_both(project, work, logs, duck_work, daily, backfill)
    merges = [
        entry
        for entry in _statements_about(project.schema)
        if "merge into" in entry["query"].lower()
        and "TOO_MANY_OPEN_PARTITIONS" in (entry.get("reason") or "")
    ]
    assert merges, "no MERGE hit the 100-partition limit"
    assert mart_differences(duckdb_marts(duck), athena_marts(project)) == {}
