"""End to end: every pricing rule on hand-written records, costs computed by hand to 1e-9 USD.

tests/python/fixtures/pricing holds one record per rule, in the shapes Bedrock logs (Converse
with usage.cacheDetails, InvokeModel with Anthropic cache_creation, a streaming InvokeModel whose
message_start carries the split, a record with bodies off), priced by the shipped seed.
"""

from __future__ import annotations

import csv
import gzip
import json
from decimal import Decimal
from pathlib import Path

import pytest

from athena_local_harness import ALL_MARTS
from dbt_harness import (
    HANDWRITTEN_FIXTURE,
    MARTS,
    PROJECT_DIR,
    DbtRun,
    compiled_sql,
    copy_project,
    materialize_fixture_logs,
    run_dbt,
    run_dbt_on_handwritten,
)

pytestmark = pytest.mark.dbt

FIXTURE = PROJECT_DIR / "tests" / "python" / "fixtures" / "pricing"
M = Decimal(1_000_000)

# request id: (pricing_status, cost_basis, total USD), each worked out from the seed's USD per 1M.
EXPECTED = {
    # Haiku 4.5: global 1.00 in / 5.00 out; geo and in-Region 10% more (1.10 / 5.50).
    "p01": ("priced", "exact", (1000 * Decimal("1.00") + 100 * Decimal("5.00")) / M),
    "p02": ("priced", "exact", (1000 * Decimal("1.10") + 100 * Decimal("5.50")) / M),
    "p03": ("priced", "exact", (1000 * Decimal("1.10") + 100 * Decimal("5.50")) / M),
    # Nova Lite us-east-1: 0.06 in, 0.24 out, 0.015 cache read.
    "p04": (
        "priced",
        "exact",
        (1000 * Decimal("0.06") + 100 * Decimal("0.24") + 10000 * Decimal("0.015")) / M,
    ),
    # Sonnet 4.5 global, InvokeModel body: 6000 writes = 2000 x 5m (3.75) + 4000 x 1h (6.00).
    "p05": (
        "priced",
        "exact",
        (500 * Decimal(3) + 300 * Decimal(15) + 2000 * Decimal("3.75") + 4000 * Decimal(6)) / M,
    ),
    # Haiku 4.5 geo, stream message_start says all 1000 writes are 1h (2.20).
    "p06": (
        "priced",
        "exact",
        (100 * Decimal("1.10") + 50 * Decimal("5.50") + 1000 * Decimal("2.20")) / M,
    ),
    # Sonnet 4.5 geo, Converse cacheDetails: 800 x 1h (6.60) + 200 x 5m (4.125).
    "p07": (
        "priced",
        "exact",
        (
            10 * Decimal("3.30")
            + 10 * Decimal("16.50")
            + 200 * Decimal("4.125")
            + 800 * Decimal("6.60")
        )
        / M,
    ),
    # Bodies off: the split is unknown, all writes at the 5-minute rate (1.375), marked estimated.
    "p08": (
        "priced",
        "estimated",
        (10 * Decimal("1.10") + 10 * Decimal("5.50") + 1000 * Decimal("1.375")) / M,
    ),
    # Sonnet 4.5 global, exactly 200,000 input tokens (150,000 + 50,000 cache read): standard.
    "p09": (
        "priced",
        "exact",
        (150000 * Decimal(3) + 50000 * Decimal("0.30") + 1000 * Decimal(15)) / M,
    ),
    # One token more: the whole request at the long-context rates (6.00 / 22.50 / 0.60).
    "p10": (
        "priced",
        "exact",
        (150001 * Decimal(6) + 50000 * Decimal("0.60") + 1000 * Decimal("22.50")) / M,
    ),
    # Sonnet 4.6 has no long-context premium: 300,000 tokens at the global 3.00.
    "p11": ("priced", "exact", 300000 * Decimal(3) / M),
    # Qwen3 32B, tier logged in the body: flex 0.075 / 0.30, priority 0.2625.
    "p12": ("priced", "exact", (1000000 * Decimal("0.075") + 100000 * Decimal("0.30")) / M),
    "p13": ("priced", "exact", 100000 * Decimal("0.2625") / M),
    # Unknown model: no price, cost null (never $0); a failed call without tokens costs 0.
    "p14": ("unpriced", None, None),
    "p15": ("no_billable_tokens", "exact", Decimal(0)),
    # Application profile mapped by the seed to geo Haiku 4.5.
    "p16": ("priced", "exact", (1000 * Decimal("1.10") + 100 * Decimal("5.50")) / M),
    "p17": ("priced", "exact", (1000 * Decimal("1.10") + 100 * Decimal("5.50")) / M),
    # Nova Lite with cache writes: AWS does not charge them (0, not "no price").
    "p18": ("priced", "exact", (1000 * Decimal("0.06") + 100 * Decimal("0.24")) / M),
    # GovCloud bills at prices of its own, 1.2 x global for Haiku 4.5 (AWS pricing page:
    # 1.20 in / 6.00 out in us-gov-west-1), never at the commercial '*' row.
    "p19": ("priced", "exact", (1000 * Decimal("1.20") + 100 * Decimal("6.00")) / M),
    # Claude 3.5 Sonnet v2 moved to extended-access prices on 2025-12-01: the last second of
    # 2025-11-30 bills 3.00 / 15.00, the first second of 2025-12-01 bills 6.00 / 30.00 / 0.60.
    "p20": ("priced", "exact", (1000 * Decimal(3) + 100 * Decimal(15)) / M),
    "p21": (
        "priced",
        "exact",
        (1000 * Decimal(6) + 100 * Decimal(30) + 2000 * Decimal("0.60")) / M,
    ),
    # Nova Micro from eu-west-1 bills the EU price (0.046 / 0.184), not the US one.
    "p22": ("priced", "exact", (10000 * Decimal("0.046") + 1000 * Decimal("0.184")) / M),
    # DeepSeek V3.2 from ap-south-1: 0.74 / 2.22 (the US Regions bill 0.62 / 1.85).
    "p23": ("priced", "exact", (10000 * Decimal("0.74") + 1000 * Decimal("2.22")) / M),
    # Llama 3 70B in ca-central-1: 3.05 / 4.03.
    "p24": ("priced", "exact", (10000 * Decimal("3.05") + 1000 * Decimal("4.03")) / M),
    # Sonnet 4 geo from eu-central-1, 190,000 + 5,000 read + 6,000 written > 200,000: the whole
    # call at the long-context rates 6.00 / 22.50 / 0.60 / 7.50; the write split is unknown and
    # the row has a 1-hour rate, so the writes are priced at 5 minutes and marked estimated.
    "p25": (
        "priced",
        "estimated",
        (
            190000 * Decimal(6)
            + 1000 * Decimal("22.50")
            + 5000 * Decimal("0.60")
            + 6000 * Decimal("7.50")
        )
        / M,
    ),
    # Nova 2 Lite flex: half the regional 0.33 / 2.75 = 0.165 / 1.375 (Price List -flex 0.165).
    "p26": ("priced", "exact", (100000 * Decimal("0.165") + 10000 * Decimal("1.375")) / M),
    # Opus 4.7 from Tokyo: global 5.00 / 25.00, the jp. geographic profile 10% more.
    "p27": ("priced", "exact", (1000 * Decimal(5) + 100 * Decimal(25)) / M),
    "p28": ("priced", "exact", (1000 * Decimal("5.50") + 100 * Decimal("27.50")) / M),
    # Sonnet 4.5 in GovCloud over 200,000 tokens: 1.2 x the global long-context 6.00 / 22.50.
    "p29": ("priced", "exact", (250000 * Decimal("7.20") + 1000 * Decimal("27.00")) / M),
}


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> DbtRun:
    work = tmp_path_factory.mktemp("pricing")
    logs = materialize_fixture_logs(FIXTURE, work / "logs")
    run = run_dbt(["build"], logs, work / "dbt")
    assert run.ok, run.output[-4000:]
    return run


def test_every_rule_matches_the_hand_computed_cost(built: DbtRun) -> None:
    assert EXPECTED["p01"][2] == Decimal("0.0015")
    assert EXPECTED["p10"][2] == Decimal("0.952506")
    rows = {
        r[0]: (r[1], r[2], None if r[3] is None else Decimal(r[3]))
        for r in built.query(
            f"""select request_id, pricing_status, cost_basis, total_cost_usd
            from {MARTS}.fct_bedrock_invocations"""
        )
    }
    assert set(rows) == set(EXPECTED)
    for request_id, (status, basis, cost) in EXPECTED.items():
        got_status, got_basis, got_cost = rows[request_id]
        assert (got_status, got_basis) == (status, basis), request_id
        if cost is None:
            assert got_cost is None, request_id
        else:
            assert got_cost is not None, request_id
            assert abs(got_cost - cost) <= Decimal("1e-9"), (request_id, got_cost, cost)


def test_provenance_names_the_price_row(built: DbtRun) -> None:
    rows = {
        r[0]: r[1:]
        for r in built.query(
            f"""select request_id, price_routing_scope, price_service_tier, price_context_tier,
                   cast(price_effective_from as varchar), price_id is not null
            from {MARTS}.fct_bedrock_invocations"""
        )
    }
    assert rows["p01"] == ("global", "standard", "standard", "2025-10-15", True)
    assert rows["p02"] == ("*", "standard", "standard", "2025-10-15", True)
    assert rows["p10"][:3] == ("global", "standard", "long_context")
    assert rows["p12"][1] == "flex"
    assert rows["p14"] == (None, None, None, None, False)


def test_unpriced_usage_is_listed(built: DbtRun) -> None:
    assert built.query(
        f"""select model_id, region, pricing_status, invocation_count, input_tokens
        from {MARTS}.dq_unpriced_usage order by model_id"""
    ) == [("mistral.unknown-model-v9:0", "us-east-1", "unpriced", 1, 100)]


def unpriced_record(number: int) -> str:
    """A call from Sydney on a model the seed has no row for (a model launched yesterday)."""
    return json.dumps(
        {
            "schemaType": "ModelInvocationLog",
            "schemaVersion": "1.0",
            "timestamp": "2026-10-05T11:00:00Z",
            "accountId": "111122223333",
            "region": "ap-southeast-2",
            "requestId": f"new-model-{number:04d}",
            "operation": "Converse",
            "modelId": "apac.example.brand-new-model-v1:0",
            "requestMetadata": {"tenantId": "pricing-tenant"},
            "input": {"inputTokenCount": 1000},
            "output": {"outputTokenCount": 10},
        }
    )


def test_half_the_usage_unpriced_writes_every_mart_then_fails_naming_what_to_price(
    tmp_path: Path,
) -> None:
    logs = materialize_fixture_logs(FIXTURE, tmp_path / "logs")
    new_file = (
        logs
        / "AWSLogs/111122223333/BedrockModelInvocationLogs/ap-southeast-2/2026/10/05/11"
        / "20261005T110100000Z_00000000000000b1.json.gz"
    )
    new_file.parent.mkdir(parents=True)
    new_file.write_bytes(
        gzip.compress(("\n".join(unpriced_record(n) for n in range(16)) + "\n").encode())
    )
    run = run_dbt(["build"], logs, tmp_path / "dbt", {"max_unpriced_share": 0.05})
    assert not run.ok
    assert "assert_unpriced_share_within_limit" in run.output
    # nothing skipped: every model and mart is written, with the priced calls costed
    assert "SKIP=0" in run.output, run.output[-3000:]
    counts = {t: run.query(f"select count(*) from {MARTS}.{t}")[0][0] for t in ALL_MARTS}
    for table in ("fct_tenant_daily_usage", "fct_tenant_daily_usage_by_tag", "dim_tenants"):
        assert counts[table] > 0, table
    assert counts["fct_bedrock_invocations"] == len(EXPECTED) + 16
    ((priced_cost,),) = run.query(f"select sum(total_cost_usd) from {MARTS}.fct_tenant_daily_usage")
    assert priced_cost == sum(cost for _, _, cost in EXPECTED.values() if cost is not None)
    # ...and the run's end says what to price, and how
    assert '16 invocations of "example.brand-new-model-v1:0" in "ap-southeast-2"' in run.output
    assert '1 invocations of "mistral.unknown-model-v9:0" in "us-east-1"' in run.output
    assert "seeds/bedrock_model_prices.csv" in run.output


def read_csv_rows(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    with path.open(newline="") as handle:
        reader = csv.DictReader(handle)
        return list(reader.fieldnames or []), list(reader)


def write_csv_rows(path: Path, fields: list[str], rows: list[dict[str, str]]) -> None:
    with path.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=fields, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def test_corrected_price_reprices_only_the_backfilled_days(tmp_path: Path) -> None:
    """A price change at midnight UTC applied to past days by a backfill; other days keep theirs."""
    project = copy_project(tmp_path / "project")
    logs = materialize_fixture_logs(HANDWRITTEN_FIXTURE, tmp_path / "logs")
    work = tmp_path / "dbt"
    first = run_dbt_on_handwritten(["build"], logs, work, project_dir=project)
    assert first.ok, first.output[-3000:]
    before = dict(
        first.query(f"""select request_id, total_cost_usd from {MARTS}.fct_bedrock_invocations""")
    )

    # Correct geo/in-Region Haiku 4.5 from 2026-10-02 on. That price is derived (1.10 x global)
    # by the regional_premium rule: the rule closes at midnight and a listed row takes over.
    rules_seed = project / "seeds" / "bedrock_price_rules.csv"
    rule_fields, rules = read_csv_rows(rules_seed)
    haiku_rule = next(
        r
        for r in rules
        if r["model_id"] == "anthropic.claude-haiku-4-5-20251001-v1:0"
        and r["rule_id"] == "regional_premium"
    )
    haiku_rule["effective_to"] = "2026-10-02"
    write_csv_rows(rules_seed, rule_fields, rules)
    seed = project / "seeds" / "bedrock_model_prices.csv"
    fields, rows = read_csv_rows(seed)
    haiku = next(
        r
        for r in rows
        if r["model_id"] == "anthropic.claude-haiku-4-5-20251001-v1:0"
        and r["routing_scope"] == "global"
        and r["service_tier"] == "standard"
    )
    rows.append(
        {
            **haiku,
            "routing_scope": "*",
            "effective_from": "2026-10-02",
            "input_usd_per_1m_tokens": "2.20",
            "output_usd_per_1m_tokens": "11.00",
            "source": "test correction",
        }
    )
    write_csv_rows(seed, fields, rows)

    repriced = run_dbt_on_handwritten(
        ["build"],
        logs,
        work,
        {"backfill_from": "2026-10-02", "backfill_to": "2026-10-02"},
        project_dir=project,
    )
    assert repriced.ok, repriced.output[-3000:]
    after = dict(
        repriced.query(f"select request_id, total_cost_usd from {MARTS}.fct_bedrock_invocations")
    )
    changed = {k for k in after if after[k] != before[k]}
    # Only the 2026-10-02 Haiku call moves (eu. geo profile): 2000 x 2.20 + 1000 x 11.00 per 1M.
    assert changed == {"a3000000-0000-4000-8000-000000000001"}
    assert after["a3000000-0000-4000-8000-000000000001"] == Decimal("0.0154")
    # The 23:59:59 call of 2026-10-01, delivered after midnight, keeps the old price.
    assert after["c1000000-0000-4000-8000-000000000001"] == Decimal("0.00066")
    ((daily,),) = repriced.query(
        f"""select sum(total_cost_usd) from {MARTS}.fct_tenant_daily_usage
        where usage_date = date '2026-10-02' and tenant_id = 'acme'"""
    )
    assert daily == Decimal("0.0154")


def test_summary_names_the_estimated_part_of_the_total(
    built: DbtRun, capsys: pytest.CaptureFixture[str]
) -> None:
    from bedrock_costs.cli import main

    assert main(["summary", "--database", str(built.database)]) == 0
    estimated = sum(cost for _, basis, cost in EXPECTED.values() if basis == "estimated")
    assert estimated == EXPECTED["p08"][2] + EXPECTED["p25"][2]
    shown = f"${estimated.quantize(Decimal('0.01'))}"  # over a dollar: to the cent
    assert f"Of that, {shown} (" in capsys.readouterr().out


def test_the_estimated_part_is_carried_by_every_total(built: DbtRun) -> None:
    """Daily, by-tag and monthly marts carry the estimated part of their totals, to the digit."""
    estimated = sum(cost for _, basis, cost in EXPECTED.values() if basis == "estimated")
    assert estimated > 0
    ((daily, total),) = built.query(
        f"select sum(estimated_cost_usd), sum(total_cost_usd) from {MARTS}.fct_tenant_daily_usage"
    )
    assert abs(daily - estimated) <= Decimal("1e-9"), (daily, estimated)
    assert daily < total
    ((monthly,),) = built.query(
        f"select sum(estimated_cost_usd) from {MARTS}.fct_tenant_monthly_statement"
    )
    assert monthly == daily
    # every tag key partitions the tenant's day, so each key's rows add up to the day's estimate
    per_key = built.query(
        f"""select tag_key, sum(estimated_cost_usd) from {MARTS}.fct_tenant_daily_usage_by_tag
        group by tag_key"""
    )
    assert per_key
    for key, amount in per_key:
        tenants_with_key = built.query(
            f"""select sum(estimated_cost_usd) from {MARTS}.fct_tenant_daily_usage as d
            where exists (select 1 from {MARTS}.fct_tenant_daily_usage_by_tag as t
                where t.tag_key = '{key}' and t.usage_date = d.usage_date
                and t.tenant_id = d.tenant_id)"""
        )[0][0]
        assert amount == tenants_with_key, key


def test_catalog_test_names_a_missing_and_a_duplicated_price(tmp_path: Path) -> None:
    """The catalog check can fail: drop a rule (a gap) and list a copy of a derived row (a tie)."""
    project = copy_project(tmp_path / "project")
    rules_seed = project / "seeds" / "bedrock_price_rules.csv"
    rule_fields, rules = read_csv_rows(rules_seed)
    sonnet_46 = "anthropic.claude-sonnet-4-6"
    rules = [
        r for r in rules if not (r["model_id"] == sonnet_46 and r["rule_id"] == "regional_premium")
    ]
    write_csv_rows(rules_seed, rule_fields, rules)
    seed = project / "seeds" / "bedrock_model_prices.csv"
    fields, rows = read_csv_rows(seed)
    opus_45 = "anthropic.claude-opus-4-5-20251101-v1:0"
    opus_global = next(
        r for r in rows if r["model_id"] == opus_45 and r["routing_scope"] == "global"
    )
    # the same key as the row the regional_premium rule derives for Opus 4.5
    rows.append({**opus_global, "routing_scope": "*", "input_usd_per_1m_tokens": "5.50"})
    write_csv_rows(seed, fields, rows)

    logs = materialize_fixture_logs(HANDWRITTEN_FIXTURE, tmp_path / "logs")
    run = run_dbt_on_handwritten(
        ["build", "--select", "+assert_every_catalog_offering_has_one_price"],
        logs,
        tmp_path / "dbt",
        project_dir=project,
    )
    assert not run.ok
    assert "assert_every_catalog_offering_has_one_price" in run.output
    sql = compiled_sql(
        tmp_path / "dbt", "tests/data_quality/assert_every_catalog_offering_has_one_price.sql"
    )
    problems = {
        (model, scope, problem)
        for model, scope, problem in run.query(
            f"select distinct model_id, routing_scope, problem from ({sql}) as failures"
        )
    }
    assert (sonnet_46, "geo", "no price row applies") in problems
    assert (sonnet_46, "in_region", "no price row applies") in problems
    assert (opus_45, "geo", "several price rows tie at the best specificity") in problems
    assert {model for model, _, _ in problems} == {sonnet_46, opus_45}


def test_the_python_catalog_of_pricing_sync_equals_the_one_dbt_builds(built: DbtRun) -> None:
    """pricing sync compares the Price List with price_catalog's rows: they must be dbt's."""
    from bedrock_costs.price_catalog import Catalog, load_rules
    from bedrock_costs.pricing import seed as pricing_seed

    seeds = PROJECT_DIR / "seeds"
    catalog = Catalog.build(
        pricing_seed.read_seed(seeds / "bedrock_model_prices.csv").rows,
        load_rules(seeds / "bedrock_price_rules.csv"),
    )

    def normal(value: Decimal | None) -> Decimal | None:
        return None if value is None else Decimal(value).normalize()

    python_rows = {
        (
            item.row.model_id,
            item.row.region,
            item.row.routing_scope,
            item.row.service_tier,
            item.row.context_tier,
            item.row.effective_from.isoformat(),
            item.row.effective_to.isoformat() if item.row.effective_to else None,
            *(normal(price) for price in item.row.prices()),
            item.rule_id,
        )
        for item in catalog.rows
    }
    dbt_rows = {
        (*row[:7], *(normal(price) for price in row[7:13]), row[13])
        for row in built.query(
            """select model_id, region, routing_scope, service_tier, context_tier,
                   cast(effective_from as varchar), cast(effective_to as varchar),
                   input_usd_per_1m_tokens, output_usd_per_1m_tokens,
                   cache_read_usd_per_1m_tokens, cache_write_5m_usd_per_1m_tokens,
                   cache_write_1h_usd_per_1m_tokens, usd_per_unit, price_rule_id
            from bedrock_intermediate.int_pricing__model_prices"""
        )
    }
    assert len(python_rows) == len(catalog.rows) > 200
    assert python_rows == dbt_rows
