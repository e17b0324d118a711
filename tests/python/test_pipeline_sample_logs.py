"""End to end on generated sample logs: every line lands in the facts or the quarantine."""

from __future__ import annotations

from pathlib import Path

import pytest

from bedrock_costs.sample_logs import SampleLogStats, generate_sample_logs
from dbt_harness import MARTS, DbtRun, count_non_blank_lines, run_dbt


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, SampleLogStats, DbtRun]:
    work = tmp_path_factory.mktemp("sample")
    logs = work / "logs"
    stats = generate_sample_logs(out_dir=logs, days=4, invocations=4000, seed=11)
    run = run_dbt(["build"], logs_dir=logs, work_dir=work / "dbt")
    assert run.ok, run.output[-4000:]
    return logs, stats, run


def test_every_sample_line_is_a_fact_or_quarantined(
    sample: tuple[Path, SampleLogStats, DbtRun],
) -> None:
    logs, stats, run = sample
    ((facts, deliveries),) = run.query(
        f"select count(*), sum(delivery_count) from {MARTS}.fct_bedrock_invocations"
    )
    ((quarantined,),) = run.query(f"select count(*) from {MARTS}.dq_quarantined_log_lines")
    assert count_non_blank_lines(logs) == stats.lines == deliveries + quarantined
    assert facts == stats.records
    assert deliveries - facts == stats.duplicate_deliveries > 0
    assert quarantined == stats.malformed_lines > 0


def test_sample_marts_have_the_promised_variety(
    sample: tuple[Path, SampleLogStats, DbtRun],
) -> None:
    _, _, run = sample
    ((tenants,),) = run.query(f"select count(*) from {MARTS}.dim_tenants where not is_unattributed")
    assert tenants >= 8
    operations = {
        r[0]: r[1]
        for r in run.query(
            f"""select operation, count(latency_ms) from {MARTS}.fct_bedrock_invocations
            group by operation"""
        )
    }
    assert set(operations) == {
        "Converse",
        "ConverseStream",
        "InvokeModel",
        "InvokeModelWithResponseStream",
    }
    assert operations["InvokeModel"] == 0
    assert min(operations[op] for op in operations if op != "InvokeModel") > 0
    scopes = {
        r[0]
        for r in run.query(f"select distinct routing_scope from {MARTS}.fct_bedrock_invocations")
    }
    assert {"in_region", "geo", "global"} <= scopes
    ((priced_share,),) = run.query(
        f"select avg(case when is_priced then 1.0 else 0.0 end) "
        f"from {MARTS}.fct_bedrock_invocations"
    )
    assert priced_share > 0.98  # the rest are failed calls without billable tokens


def test_the_sample_fleet_is_priced_in_every_region_tier_and_context(
    sample: tuple[Path, SampleLogStats, DbtRun],
) -> None:
    """EU, APAC, Canada and GovCloud calls, flex and priority tiers: nothing is left unpriced."""
    _, _, run = sample
    assert run.query(f"select count(*) from {MARTS}.dq_unpriced_usage") == [(0,)]
    ((unpriced,),) = run.query(
        f"select count(*) from {MARTS}.fct_bedrock_invocations where pricing_status = 'unpriced'"
    )
    assert unpriced == 0
    regions = {
        r[0] for r in run.query(f"select distinct region from {MARTS}.fct_bedrock_invocations")
    }
    assert regions == {
        "us-east-1",
        "us-west-2",
        "eu-west-1",
        "ap-northeast-1",
        "ca-central-1",
        "us-gov-west-1",
    }
    tiers = {
        r[0]
        for r in run.query(f"select distinct service_tier from {MARTS}.fct_bedrock_invocations")
    }
    assert tiers == {"standard", "flex", "priority"}
    rules = {
        r[0]
        for r in run.query(
            "select distinct price_rule_id "
            "from bedrock_intermediate.int_bedrock__invocations_priced"
        )
    }
    assert rules == {None, "regional_premium", "govcloud", "flex_tier", "priority_tier"}
