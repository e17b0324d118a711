"""The semantic layer (models/semantic): dbt's semantic manifest and MetricFlow queries on DuckDB.

A copy of the project is built on the hand-written fixture (costs computed by hand in
test_pipeline_handwritten), then the `mf` CLI (dbt-metricflow) runs metric queries against that
DuckDB database and the answers are compared with plain SQL over the marts and the hand-computed
numbers. mf asks PyPI whether a newer version exists on every start; the tests start it with that
check replaced by "no update", so nothing leaves the machine.
"""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import pytest

from dbt_harness import (
    HANDWRITTEN_FIXTURE,
    MARTS,
    DbtRun,
    copy_project,
    materialize_fixture_logs,
    run_dbt_on_handwritten,
)
from test_pipeline_handwritten import EXPECTED_TENANT_DAYS

pytestmark = pytest.mark.dbt

# The metric names are a contract (README "Semantic layer"): dashboards and saved queries use them.
CONTRACT_METRICS = {
    "total_cost_usd",
    "estimated_cost_usd",
    "input_tokens",
    "output_tokens",
    "cache_read_tokens",
    "cache_write_tokens",
    "total_tokens",
    "invocations",
    "error_rate",
    "cost_per_1k_tokens",
    "cache_read_savings_usd",
}

# `mf` with its PyPI update check answered "no update" (the check's only network access).
MF_OFFLINE = (
    "import sys, update_checker\n"
    "update_checker.UpdateChecker.check = lambda self, *args, **kwargs: None\n"
    "from dbt_metricflow.cli.main import cli\n"
    "sys.exit(cli())\n"
)


@dataclass(frozen=True)
class SemanticProject:
    project: Path
    run: DbtRun

    def mf(self, *args: str) -> subprocess.CompletedProcess[str]:
        """Run `mf <args>` on this project and its DuckDB database."""
        env = {
            **os.environ,
            "DO_NOT_TRACK": "1",
            "DBT_PROJECT_DIR": str(self.project),
            "DBT_PROFILES_DIR": str(self.project / "profiles"),
            "BEDROCK_COSTS_DUCKDB_PATH": str(self.run.database),
            "BEDROCK_COSTS_TARGET": "local",
        }
        return subprocess.run(
            [sys.executable, "-c", MF_OFFLINE, *args],
            cwd=self.project,
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )

    def query(self, metrics: str, group_by: str, *extra: str) -> list[dict[str, str]]:
        """`mf query` written to CSV, read back as one dict per row."""
        out = self.project / "mf_query.csv"
        out.unlink(missing_ok=True)
        done = self.mf(
            "query", "--metrics", metrics, "--group-by", group_by, "--csv", str(out), *extra
        )
        assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
        with out.open(newline="") as handle:
            return list(csv.DictReader(handle))


@pytest.fixture(scope="module")
def semantic(tmp_path_factory: pytest.TempPathFactory) -> SemanticProject:
    work = tmp_path_factory.mktemp("semantic")
    # mf reads <project>/target/semantic_manifest.json, so dbt writes its target inside a copy.
    project = copy_project(work / "project")
    logs = materialize_fixture_logs(HANDWRITTEN_FIXTURE, work / "logs")
    (logs / "amazon-bedrock-logs-permission-check").write_bytes(b"")
    run = run_dbt_on_handwritten(["build"], logs_dir=logs, work_dir=project, project_dir=project)
    assert run.ok, run.output[-4000:]
    return SemanticProject(project, run)


def semantic_manifest(semantic: SemanticProject) -> dict:
    return json.loads((semantic.project / "target" / "semantic_manifest.json").read_text())


def day_of(metric_time: str) -> str:
    """'2026-10-01 00:00:00' or '2026-10-01T00:00:00' -> '2026-10-01'."""
    return metric_time[:10]


def test_semantic_manifest_lists_every_metric_and_the_day_spine(semantic: SemanticProject) -> None:
    manifest = semantic_manifest(semantic)
    names = {metric["name"] for metric in manifest["metrics"]}
    assert names >= CONTRACT_METRICS, CONTRACT_METRICS - names
    kinds = {metric["name"]: metric["type"] for metric in manifest["metrics"]}
    assert kinds["error_rate"] == "ratio"
    assert kinds["cost_per_1k_tokens"] == "derived"
    assert {model["node_relation"]["alias"] for model in manifest["semantic_models"]} == {
        "fct_tenant_daily_usage",
        "fct_tenant_daily_usage_by_tag",
        "fct_bedrock_invocations",
        "dim_tenants",
    }
    (spine,) = manifest["project_configuration"]["time_spines"]
    assert spine["node_relation"]["alias"] == "metricflow_time_spine"
    assert spine["primary_column"]["name"] == "date_day"
    assert spine["primary_column"]["time_granularity"] == "day"


def test_every_semantic_element_is_described(semantic: SemanticProject) -> None:
    manifest = semantic_manifest(semantic)
    undescribed = [
        metric["name"] for metric in manifest["metrics"] if not metric.get("description")
    ]
    for model in manifest["semantic_models"]:
        if not model.get("description"):
            undescribed.append(model["name"])
        for kind in ("entities", "dimensions", "measures"):
            undescribed += [
                f"{model['name']}.{kind}.{element['name']}"
                for element in model[kind]
                if not element.get("description")
            ]
    assert undescribed == []


def test_time_spine_is_every_day_from_2020_to_2039(semantic: SemanticProject) -> None:
    ((days, distinct_days, first, last),) = semantic.run.query(
        """
        select count(*), count(distinct date_day), cast(min(date_day) as varchar),
               cast(max(date_day) as varchar)
        from bedrock_semantic.metricflow_time_spine
        """
    )
    assert (first, last) == ("2020-01-01", "2039-12-31")
    # 20 years, 5 of them leap years (2020, 2024, 2028, 2032, 2036): no gap, no duplicate.
    assert days == distinct_days == 20 * 365 + 5


def test_metricflow_validates_the_configs_against_duckdb(semantic: SemanticProject) -> None:
    done = semantic.mf("validate-configs")
    output = done.stdout + done.stderr
    assert done.returncode == 0, output[-4000:]
    assert "Successfully validated metrics against data warehouse" in output


def test_total_cost_by_day_equals_the_sql_sum_and_the_hand_computed_costs(
    semantic: SemanticProject,
) -> None:
    rows = semantic.query("total_cost_usd", "metric_time__day")
    by_mf = {day_of(row["metric_time__day"]): Decimal(row["total_cost_usd"]) for row in rows}

    by_sql = dict(
        semantic.run.query(
            f"""
            select cast(usage_date as varchar), sum(total_cost_usd)
            from {MARTS}.fct_tenant_daily_usage
            group by usage_date
            """
        )
    )
    by_hand: dict[str, Decimal] = defaultdict(Decimal)
    for (day, _tenant), (*_counts, cost) in EXPECTED_TENANT_DAYS.items():
        by_hand[day] += cost

    assert by_mf == by_sql
    assert by_mf == by_hand
    assert by_mf["2026-10-01"] == Decimal("0.0241895")


def test_the_estimated_part_by_day_equals_the_sql_sum(semantic: SemanticProject) -> None:
    """The metric exists and queries the mart's column (zero here: these records have no cache
    write priced on an estimate; test_pipeline_pricing checks non-zero amounts in the marts)."""
    rows = semantic.query("estimated_cost_usd", "metric_time__day")
    by_mf = {day_of(row["metric_time__day"]): Decimal(row["estimated_cost_usd"]) for row in rows}
    by_sql = dict(
        semantic.run.query(
            f"""select cast(usage_date as varchar), sum(estimated_cost_usd)
            from {MARTS}.fct_tenant_daily_usage group by usage_date"""
        )
    )
    assert by_mf == by_sql
    assert set(by_sql) == {"2026-10-01", "2026-10-02"}


def test_error_rate_and_cost_per_1k_tokens_by_day_match_sql(semantic: SemanticProject) -> None:
    rows = semantic.query(
        "error_rate,cost_per_1k_tokens,invocations,total_tokens", "metric_time__day"
    )
    by_mf = {
        day_of(row["metric_time__day"]): (
            float(row["error_rate"]),
            float(row["cost_per_1k_tokens"]),
            int(row["invocations"]),
            int(row["total_tokens"]),
        )
        for row in rows
    }
    sql_rows = semantic.run.query(
        f"""
        select cast(usage_date as varchar), sum(error_count), sum(invocation_count),
               sum(total_cost_usd), sum(total_tokens)
        from {MARTS}.fct_tenant_daily_usage
        group by usage_date
        """
    )
    assert sorted(by_mf) == sorted(day for day, *_ in sql_rows)
    for day, errors, invocations, cost, tokens in sql_rows:
        error_rate, per_1k, mf_invocations, mf_tokens = by_mf[day]
        assert (mf_invocations, mf_tokens) == (invocations, tokens)
        assert error_rate == pytest.approx(errors / invocations, rel=1e-12)
        assert per_1k == pytest.approx(float(cost * 1000 / tokens), rel=1e-12)
    # The throttled call of 2026-10-01 is the fixture's only error: 1 of 6 invocations.
    assert by_mf["2026-10-01"][0] == pytest.approx(1 / 6)


def test_metrics_group_by_tenant_attributes_and_tag(semantic: SemanticProject) -> None:
    # Through the tenant entity into dim_tenants: the unattributed bucket holds the throttled call.
    rows = semantic.query("invocations,total_cost_usd", "tenant__is_unattributed")
    by_flag = {row["tenant__is_unattributed"]: int(row["invocations"]) for row in rows}
    ((unattributed, attributed),) = semantic.run.query(
        f"""
        select sum(case when tenant_id = 'unattributed' then invocation_count else 0 end),
               sum(case when tenant_id <> 'unattributed' then invocation_count else 0 end)
        from {MARTS}.fct_tenant_daily_usage
        """
    )
    assert by_flag == {"True": unattributed, "False": attributed}
    assert unattributed == 1

    # One tag key, filtered: its rows add up to the cost of the tenants that carry it.
    rows = semantic.query(
        "tagged_cost_usd",
        "tenant_daily_tag_usage__tag_value",
        "--where",
        "{{ Dimension('tenant_daily_tag_usage__tag_key') }} = 'department'",
    )
    by_value = {
        row["tenant_daily_tag_usage__tag_value"]: Decimal(row["tagged_cost_usd"]) for row in rows
    }
    expected = dict(
        semantic.run.query(
            f"""
            select coalesce(tag_value, ''), sum(total_cost_usd)
            from {MARTS}.fct_tenant_daily_usage_by_tag
            where tag_key = 'department'
            group by tag_value
            """
        )
    )
    assert by_value == expected
    assert len(by_value) >= 2
