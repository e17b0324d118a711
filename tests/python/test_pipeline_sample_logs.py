"""End to end on generated sample logs: every line lands in the facts or the quarantine."""

from __future__ import annotations

from pathlib import Path

import pytest

from bedrock_costs.sample_logs import SampleLogStats, generate_sample_logs
from dbt_harness import MARTS, DbtRun, count_non_blank_lines, run_dbt

pytestmark = pytest.mark.dbt


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


def test_every_sample_cost_equals_the_python_catalog_price(
    sample: tuple[Path, SampleLogStats, DbtRun],
) -> None:
    """Each invocation's cost, recomputed in Python from the seeds, equals dbt's to 1e-9 USD.

    A second implementation of the price choice (bedrock_costs.price_catalog: region groups,
    rules, specificity) and of the long-context rule, checked on every sample call: every
    Region, scope, tier and rule the fleet uses. Token counts come from the facts (their path
    from the raw lines is tested by the reconciliation tests).
    """
    import csv
    from datetime import date
    from decimal import Decimal

    from bedrock_costs.price_catalog import Catalog, load_regions, load_rules
    from bedrock_costs.pricing import seed as pricing_seed
    from dbt_harness import PROJECT_DIR

    _, _, run = sample
    seeds = PROJECT_DIR / "seeds"
    catalog = Catalog.build(
        pricing_seed.read_seed(seeds / "bedrock_model_prices.csv").rows,
        load_rules(seeds / "bedrock_price_rules.csv"),
        load_regions(seeds / "bedrock_regions.csv"),
    )
    with (seeds / "bedrock_long_context_rules.csv").open(newline="") as handle:
        thresholds = {
            row["model_id"]: int(row["threshold_input_tokens"]) for row in csv.DictReader(handle)
        }
    million = Decimal(1_000_000)
    checked = 0
    for (
        request_id,
        model_id,
        region,
        scope,
        tier,
        usage_date,
        tokens_in,
        tokens_out,
        cache_read,
        write_5m,
        write_1h,
        cost,
    ) in run.query(
        f"""select request_id, model_id, region, routing_scope, service_tier,
               cast(usage_date as varchar), input_tokens, output_tokens, cache_read_input_tokens,
               cache_write_5m_input_tokens, cache_write_1h_input_tokens, total_cost_usd
        from {MARTS}.fct_bedrock_invocations
        where pricing_status = 'priced'"""
    ):
        prompt = tokens_in + cache_read + write_5m + write_1h
        context = "long_context" if prompt > thresholds.get(model_id, prompt) else "standard"
        winners = catalog.winners(
            model_id, region, scope, tier, context, date.fromisoformat(usage_date)
        )
        assert len(winners) == 1, (request_id, model_id, region, scope, tier, context)
        row = winners[0].row
        expected = sum(
            (
                Decimal(count) * (price or Decimal(0)) / million
                for count, price in (
                    (tokens_in, row.input),
                    (tokens_out, row.output),
                    (cache_read, row.cache_read),
                    (write_5m, row.cache_write_5m),
                    (write_1h, row.cache_write_1h),
                )
                if count
            ),
            Decimal(0),
        )
        assert abs(Decimal(cost) - expected) <= Decimal("1e-9"), (request_id, cost, expected)
        checked += 1
    assert checked > 3500


def test_lookalike_tenants_are_reported_and_a_repeated_key_keeps_the_real_tenant(
    sample: tuple[Path, SampleLogStats, DbtRun],
) -> None:
    _, stats, run = sample
    assert stats.lookalike_tenant_records > 0
    assert stats.repeated_key_records > 0
    lookalikes = {
        tenant
        for (tenant,) in run.query(
            f"""select distinct tenant_id from {MARTS}.dq_tenant_attribution_issues
            where issue_type = 'lookalike_tenant_id'"""
        )
    }
    odd = {t for t in lookalikes if t != t.strip() or not t.isascii()}
    assert odd, lookalikes
    # every odd spelling is listed together with the spelling it imitates
    for tenant in odd:
        plain = tenant.strip().replace("\u0430", "a")
        assert plain in lookalikes, (tenant, lookalikes)
    assert run.query(
        f"select count(*) from {MARTS}.dim_tenants where tenant_id = 'decoy-tenant'"
    ) == [(0,)]


def test_summary_explains_the_attribution_warning_with_the_marts_counts(
    sample: tuple[Path, SampleLogStats, DbtRun], capsys: pytest.CaptureFixture[str]
) -> None:
    """The sample logs plant attribution issues, so the build warns; the summary says why."""
    from bedrock_costs.cli import main

    _, _, run = sample
    assert "dq_tenant_attribution_issues" in run.output  # the build's warning names the mart
    assert "Tests that failed or warned, in words:" in run.output
    assert (
        "- bedrock_tenant_costs_expression_is_true_dq_tenant_attribution_issues_invocation_count_0"
        " (warn, " in run.output
    )
    assert "what to do: Read dq_tenant_attribution_issues (issue_type says why" in run.output
    issues = run.query(
        f"""select issue_type, sum(invocation_count) from {MARTS}.dq_tenant_attribution_issues
        group by 1 order by 1"""
    )
    assert issues
    assert main(["summary", "--database", str(run.database)]) == 0
    counts = ", ".join(f"{kind} {int(count):,}" for kind, count in issues)
    printed = capsys.readouterr()
    assert f"Tenant attribution to check (invocations): {counts}." in printed.out
    assert f"summary: read DuckDB {run.database}, schema {MARTS}" in printed.err
