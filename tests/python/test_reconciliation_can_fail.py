"""The reconciliation tests are real: removing a line's trace from the marts makes them fail."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pytest

from dbt_harness import (
    HANDWRITTEN_FIXTURE,
    MARTS,
    materialize_fixture_logs,
)
from dbt_harness import run_dbt_on_handwritten as run_dbt

pytestmark = pytest.mark.dbt

FIXTURE = HANDWRITTEN_FIXTURE


@pytest.fixture(scope="module")
def built_once(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("reconciliation-built")
    logs = materialize_fixture_logs(FIXTURE, root / "logs")
    run = run_dbt(["build"], logs, root / "dbt")
    assert run.ok, run.output[-3000:]
    return logs, root / "dbt"


@pytest.fixture
def built(built_once: tuple[Path, Path], tmp_path: Path) -> tuple[Path, Path]:
    """A copy of the one build (its database, target and logs) that a test may tamper with."""
    logs, work = built_once
    shutil.copytree(work, tmp_path / "dbt")
    return logs, tmp_path / "dbt"


def tamper(work: Path, sql: str) -> None:
    con = duckdb.connect(str(work / "bedrock_tenant_costs.duckdb"))
    try:
        con.execute(sql)
    finally:
        con.close()


def dbt_test(logs: Path, work: Path, test_name: str) -> str:
    run = run_dbt(["test", "--select", test_name], logs, work)
    assert not run.ok, f"{test_name} passed on tampered marts"
    return run.output


@pytest.mark.parametrize(
    ("tampering", "test_name"),
    [
        (
            f"delete from {MARTS}.dq_quarantined_log_lines",
            "assert_every_raw_line_is_accounted_for",
        ),
        (
            f"""delete from {MARTS}.fct_bedrock_invocations
            where request_id = 'b1000000-0000-4000-8000-000000000001'""",
            "assert_every_raw_line_is_accounted_for",
        ),
        (
            f"""update {MARTS}.fct_tenant_daily_usage set output_tokens = output_tokens + 1
            where tenant_id = 'acme'""",
            "assert_daily_usage_reconciles_to_invocations",
        ),
        (
            f"""update {MARTS}.fct_tenant_daily_usage_by_tag
            set total_cost_usd = total_cost_usd + 0.000000001 where tag_key = 'department'""",
            "assert_usage_by_tag_reconciles_to_daily_usage",
        ),
        (
            f"delete from {MARTS}.dim_tenants where tenant_id = 'globex'",
            "assert_dim_tenants_reconciles_to_invocations",
        ),
        (
            f"""update {MARTS}.dim_tenants
            set estimated_cost_usd = estimated_cost_usd + 0.000000001 where tenant_id = 'globex'""",
            "assert_dim_tenants_reconciles_to_invocations",
        ),
        (
            f"""update {MARTS}.fct_bedrock_invocations set input_tokens = input_tokens + 1
            where request_id = 'b1000000-0000-4000-8000-000000000001'""",
            "assert_tokens_reconcile_from_staging_to_facts",
        ),
        (
            f"""update {MARTS}.fct_bedrock_invocations set delivery_count = delivery_count + 1
            where request_id = 'b1000000-0000-4000-8000-000000000001'""",
            "assert_tokens_reconcile_from_staging_to_facts",
        ),
    ],
)
def test_tampered_marts_fail_reconciliation(
    built: tuple[Path, Path], tampering: str, test_name: str
) -> None:
    logs, work = built
    assert run_dbt(["test", "--select", test_name], logs, work).ok
    tamper(work, tampering)
    output = dbt_test(logs, work, test_name)
    assert f"Failure in test {test_name}" in output
    # the run ends with the failure in words and what to do, not only "Got N results"
    assert "Tests that failed or warned, in words:" in output
    assert f"- {test_name} (fail, " in output
    assert "what to do: " in output
