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
import subprocess
from pathlib import Path
from typing import Any

import pytest

from athena_local_harness import (
    BEDROCK_COSTS,
    AthenaProject,
    athena_marts,
    build_both,
    duckdb_marts,
    mart_differences,
)
from bedrock_costs.cur_export import write_export
from dbt_harness import (
    HANDWRITTEN_FIXTURE,
    HANDWRITTEN_VARS,
    materialize_fixture_logs,
    run_dbt,
)
from handwritten_bill import BILL

pytestmark = [pytest.mark.dbt, pytest.mark.athena]


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


def test_handwritten_records_give_equal_marts(handwritten: Any) -> None:
    project, _, duck = handwritten
    assert mart_differences(duckdb_marts(duck), athena_marts(project)) == {}


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
