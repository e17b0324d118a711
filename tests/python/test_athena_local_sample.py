"""Sample logs through the athena target on the local Athena, step by step, against DuckDB.

The sample-log scenario of the local-Athena tests (test_athena_local.py holds the others, and
says what they prove and what not): a first build on three days, an incremental day, a
backfill and a full refresh on both engines, then source freshness, docs generate and the
report read through pyathena. It is a module of its own because it is the longest: `make
test-athena` runs it in one lane and every other Athena module in the other
(scripts/athena-test-lanes.sh).
"""

from __future__ import annotations

import json
import re
import shlex
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from athena_local_harness import (
    BEDROCK_COSTS,
    AthenaProject,
    athena_marts,
    build_both,
    duckdb_marts,
    engine_use,
    mart_differences,
)
from dbt_harness import (
    PROJECT_DIR,
    DbtRun,
)

pytestmark = [pytest.mark.dbt, pytest.mark.athena]
SAMPLE_DAYS = 4
SAMPLE_INVOCATIONS = 5000


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


def test_incremental_day_adds_the_new_day_and_a_full_refresh_changes_nothing(
    sample_scenario: Scenario,
) -> None:
    first, incremental, _, refreshed = sample_scenario.steps
    days = {row[1] for row in incremental.athena["fct_tenant_daily_usage"][1]}
    first_days = {row[1] for row in first.athena["fct_tenant_daily_usage"][1]}
    assert max(days) > max(first_days)
    assert mart_differences(incremental.athena, refreshed.athena) == {}


def test_incremental_runs_merge_into_iceberg_on_trino(sample_scenario: Scenario) -> None:
    """The MERGE path really ran: after the incremental day the facts table has a second
    Iceberg snapshot (the first build wrote one; a --full-refresh starts a new table)."""
    assert sample_scenario.snapshots_after_incremental >= 2


def test_source_freshness_runs_on_the_local_athena(sample_scenario: Scenario) -> None:
    run = sample_scenario.project.dbt(["source", "freshness"], sample_scenario.athena_work)
    # The sample logs are from 2026-10: the newest delivery is older than any threshold, so the
    # check itself must run and report an error state (not crash on an empty result).
    assert "invocation_logs_raw" in run.output
    assert re.search(r"ERROR STALE|WARN", run.output), run.output[-3000:]
    assert "Got an invalid result" not in run.output


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


def test_report_reads_the_athena_marts_through_pyathena(
    sample_scenario: Scenario, tmp_path: Path
) -> None:
    athena_page, duck_page = tmp_path / "athena.html", tmp_path / "duckdb.html"
    athena, duck = _bedrock_costs_on_both(sample_scenario, f"report --out {tmp_path}/{{out}}.html")
    assert athena.returncode == 0, athena.stdout[-3000:] + athena.stderr[-3000:]
    assert duck.returncode == 0, duck.stderr[-3000:]
    athena_data, duck_data = _report_payload(athena_page), _report_payload(duck_page)
    assert athena_data["check"]["invocation_count"] > 0
    assert athena_data == duck_data


def _bedrock_costs_on_both(
    sample_scenario: Scenario, arguments: str
) -> tuple[subprocess.CompletedProcess[str], subprocess.CompletedProcess[str]]:
    """`bedrock-costs <arguments>` on the local Athena's marts and on DuckDB's. `{out}` in the
    arguments becomes athena/ or duckdb/ (the caller's folders)."""
    project = sample_scenario.project
    athena_args = arguments.replace("{out}", "athena")
    command = [str(PROJECT_DIR / "tools" / "athena-local"), "--quiet", "--log-prefix"]
    command += [project.log_prefix, "--", "bash", "-c"]
    command += [
        f'"{BEDROCK_COSTS}" {athena_args} --athena --s3-staging-dir "$ATHENA_S3_STAGING_DIR" '
        f'--region "$ATHENA_REGION" --schema {project.schema}_marts'
    ]
    with engine_use():
        athena = subprocess.run(command, capture_output=True, text=True, check=False)
    duck = subprocess.run(
        [
            "bash",
            "-c",
            f'"{BEDROCK_COSTS}" {arguments.replace("{out}", "duckdb")} '
            f'--database "{sample_scenario.duck.database}"',
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    return athena, duck


def test_statements_alerts_and_a_tenant_page_read_the_athena_marts_like_duckdb(
    sample_scenario: Scenario, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The SQL of `statements`, `alerts` and `report --tenant` runs on Trino and gives DuckDB's
    files and alerts, byte for byte."""
    import duckdb

    monkeypatch.chdir(tmp_path)
    with duckdb.connect(str(sample_scenario.duck.database), read_only=True) as connection:
        ((month, tenant),) = connection.execute(
            "select strftime(min(statement_month), '%Y-%m'), min(tenant_id)"
            " from bedrock_marts.fct_tenant_monthly_statement"
        ).fetchall()
    athena, duck = _bedrock_costs_on_both(
        sample_scenario, f"statements --month {month} --out {tmp_path}/{{out}}"
    )
    assert athena.returncode == 0, athena.stdout[-3000:] + athena.stderr[-3000:]
    assert duck.returncode == 0, duck.stderr[-3000:]
    written = sorted(p.name for p in (tmp_path / "duckdb").iterdir())
    assert len(written) > 2
    assert sorted(p.name for p in (tmp_path / "athena").iterdir()) == written
    for name in written:
        assert (tmp_path / "athena" / name).read_bytes() == (
            tmp_path / "duckdb" / name
        ).read_bytes()

    athena, duck = _bedrock_costs_on_both(sample_scenario, "alerts --dry-run --state none.json")
    assert athena.returncode == 0, athena.stdout[-3000:] + athena.stderr[-3000:]
    assert duck.returncode == 0, duck.stderr[-3000:]
    assert duck.stdout.strip(), "the sample's budgets give alerts to compare"
    assert athena.stdout == duck.stdout

    athena, duck = _bedrock_costs_on_both(
        sample_scenario, f"report --tenant {shlex.quote(tenant)} --out {tmp_path}/{{out}}.html"
    )
    assert athena.returncode == 0, athena.stdout[-3000:] + athena.stderr[-3000:]
    assert duck.returncode == 0, duck.stderr[-3000:]
    assert _report_payload(tmp_path / "athena.html") == _report_payload(tmp_path / "duckdb.html")
