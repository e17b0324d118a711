"""End to end: `dbt build` on hand-written records in Bedrock's exact shapes, costs by hand.

The fixture (tests/python/fixtures/handwritten) holds records written from the shapes in the
Bedrock documentation, not produced by our generator: a Converse call through a geo profile with
cache reads, a streaming InvokeModel through a global inference-profile ARN with its metrics in the
last chunk, a Titan embedding via InvokeModel, a Converse call with bodies turned off and a
foundation-model ARN, a throttled call without requestMetadata, a call stamped 23:59:59 delivered
in the next day's folder, a ConverseStream call delivered twice, a truncated line, an application
inference profile (unpriced), a data/ side object and the permission-check object.
"""

from __future__ import annotations

import hashlib
from decimal import Decimal
from pathlib import Path

import pytest

from dbt_harness import (
    HANDWRITTEN_FIXTURE,
    MARTS,
    DbtRun,
    count_non_blank_lines,
    materialize_fixture_logs,
)
from dbt_harness import (
    run_dbt_on_handwritten as run_dbt,
)

pytestmark = pytest.mark.dbt

FIXTURE = HANDWRITTEN_FIXTURE
PRIVACY_MARKERS = ("ZX-PRIVATE-PROMPT-MARKER", "ZX-PRIVATE-RESPONSE-MARKER")

# USD per 1M tokens from seeds/bedrock_model_prices.csv, and the arithmetic done by hand.
# Haiku 4.5 geo (us./eu.): 1.10 in, 5.50 out, 0.11 cache read, 1.375 cache write.
# Sonnet 4.5 global: 3.00 in, 15.00 out, 0.30 cache read, 3.75 cache write.
# Titan Text Embeddings V2 us-east-1: 0.02 in. Nova Lite us-east-1: 0.06 in, 0.24 out.
A1 = (
    Decimal("120") * Decimal("1.10") / 10**6
    + 45 * Decimal("5.50") / 10**6
    + 2000 * Decimal("0.11") / 10**6
)  # 0.0005995
A2 = (
    1000 * Decimal("3.00") / 10**6 + 500 * Decimal("15.00") / 10**6 + 3000 * Decimal("3.75") / 10**6
)  # 0.02175
B1 = 5000 * Decimal("0.02") / 10**6  # 0.0001
B2 = 10000 * Decimal("0.06") / 10**6 + 2000 * Decimal("0.24") / 10**6  # 0.00108
C1 = 100 * Decimal("1.10") / 10**6 + 100 * Decimal("5.50") / 10**6  # 0.00066, counts on 10-01
A3 = 2000 * Decimal("1.10") / 10**6 + 1000 * Decimal("5.50") / 10**6  # 0.0077, delivered twice

EXPECTED_TENANT_DAYS = {
    # (usage_date, tenant_id): (invocations, errors, unpriced, total_cost_usd)
    ("2026-10-01", "acme"): (3, 0, 0, A1 + A2 + C1),
    ("2026-10-01", "globex"): (2, 0, 0, B1 + B2),
    ("2026-10-01", "unattributed"): (1, 1, 0, Decimal(0)),
    ("2026-10-02", "acme"): (1, 0, 0, A3),
    ("2026-10-02", "globex"): (1, 0, 1, Decimal(0)),
}


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> DbtRun:
    work = tmp_path_factory.mktemp("handwritten")
    logs = materialize_fixture_logs(FIXTURE, work / "logs")
    (logs / "amazon-bedrock-logs-permission-check").write_bytes(b"")
    run = run_dbt(["build"], logs_dir=logs, work_dir=work / "dbt")
    assert run.ok, run.output[-4000:]
    return run


def test_hand_computed_costs_per_tenant_day(built: DbtRun) -> None:
    assert Decimal("0.0005995") == A1  # the worked example of the reference notes
    rows = built.query(
        f"""
        select cast(usage_date as varchar), tenant_id, sum(invocation_count), sum(error_count),
               sum(unpriced_invocation_count), sum(total_cost_usd)
        from {MARTS}.fct_tenant_daily_usage
        group by all
        """
    )
    actual = {(r[0], r[1]): (int(r[2]), int(r[3]), int(r[4]), Decimal(r[5])) for r in rows}
    assert set(actual) == set(EXPECTED_TENANT_DAYS)
    for key, (invocations, errors, unpriced, cost) in EXPECTED_TENANT_DAYS.items():
        got = actual[key]
        assert got[:3] == (invocations, errors, unpriced), key
        assert abs(got[3] - cost) <= Decimal("1e-9"), (key, got[3], cost)


def test_every_line_is_a_fact_or_quarantined(built: DbtRun, tmp_path: Path) -> None:
    logs = materialize_fixture_logs(FIXTURE, tmp_path / "logs")
    non_blank = count_non_blank_lines(logs)
    ((facts, deliveries),) = built.query(
        f"select count(*), sum(delivery_count) from {MARTS}.fct_bedrock_invocations"
    )
    ((quarantined,),) = built.query(f"select count(*) from {MARTS}.dq_quarantined_log_lines")
    assert non_blank == 10
    assert (facts, deliveries, quarantined) == (8, 9, 1)
    assert non_blank == deliveries + quarantined


def test_latency_where_bedrock_logs_it(built: DbtRun) -> None:
    rows = dict(built.query(f"select request_id, latency_ms from {MARTS}.fct_bedrock_invocations"))
    assert rows["a1000000-0000-4000-8000-000000000001"] == 812  # Converse metrics.latencyMs
    assert rows["a1000000-0000-4000-8000-000000000002"] == 2400  # last stream chunk
    assert rows["a3000000-0000-4000-8000-000000000001"] == 1500  # ConverseStream
    assert rows["b1000000-0000-4000-8000-000000000001"] is None  # InvokeModel logs none
    assert rows["b1000000-0000-4000-8000-000000000002"] is None  # bodies turned off


def test_models_resolved_and_priced_by_source_region(built: DbtRun) -> None:
    rows = {
        r[0]: r[1:]
        for r in built.query(
            f"""select request_id, model_id, routing_scope, pricing_status, region
            from {MARTS}.fct_bedrock_invocations"""
        )
    }
    assert rows["a1000000-0000-4000-8000-000000000002"] == (
        "anthropic.claude-sonnet-4-5-20250929-v1:0",
        "global",
        "priced",
        "us-east-1",
    )
    assert rows["b1000000-0000-4000-8000-000000000002"] == (
        "amazon.nova-lite-v1:0",
        "in_region",
        "priced",
        "us-east-1",
    )
    assert rows["x2000000-0000-4000-8000-000000000001"][1:3] == ("application_profile", "unpriced")
    unpriced = built.query(
        f"select logged_model_id, invocation_count from {MARTS}.dq_unpriced_usage"
    )
    assert unpriced == [
        ("arn:aws:bedrock:eu-west-1:111122223333:application-inference-profile/abcdef123456", 1)
    ]
    # the end of the build says what needs a price (report_unpriced_usage)
    assert "Unpriced usage (cost left null, never $0; listed in" in built.output
    assert "To price them: add a row per model, Region and scope" in built.output


def test_duplicate_delivery_counted_once(built: DbtRun) -> None:
    (row,) = built.query(
        f"""select delivery_count, source_file from {MARTS}.fct_bedrock_invocations
        where request_id = 'a3000000-0000-4000-8000-000000000001'"""
    )
    assert row[0] == 2
    assert "/2026/10/02/09/" in row[1]  # the earliest delivery is kept


def test_tags_by_key_case_insensitive_and_complete(built: DbtRun) -> None:
    rows = built.query(
        f"""select tag_value, invocation_count from {MARTS}.fct_tenant_daily_usage_by_tag
        where usage_date = date '2026-10-01' and tenant_id = 'acme' and tag_key = 'department'
        order by tag_value nulls last"""
    )
    # A1 sales, A2 research, C1 has no department: the null row completes the tenant's day.
    assert rows == [("research", 1), ("sales", 1), (None, 1)]


def test_no_prompt_or_response_text_past_staging(built: DbtRun) -> None:
    tables = built.query(
        """select table_schema, table_name, column_name from information_schema.columns
        where table_schema not like '%staging' and data_type = 'VARCHAR'
          and table_schema not in ('information_schema', 'pg_catalog')"""
    )
    assert tables, "expected string columns to scan"
    for schema, table, column in tables:
        for marker in PRIVACY_MARKERS:
            ((hits,),) = built.query(
                f"""select count(*) from "{schema}"."{table}" where "{column}" like '%{marker}%'"""
            )
            assert hits == 0, (schema, table, column, marker)


def test_missing_logs_dir_stops_with_a_clear_error(tmp_path: Path) -> None:
    run = run_dbt(["build"], logs_dir=tmp_path / "nowhere", work_dir=tmp_path / "dbt")
    assert not run.ok
    assert str(tmp_path / "nowhere") in run.output
    assert "bedrock-costs sample-logs" in run.output


def test_hashed_tag_keys_are_hashed_with_the_salt_file(tmp_path: Path) -> None:
    """The salt is the file's one line (see test_tag_hashing for the scans of every table)."""
    logs = materialize_fixture_logs(FIXTURE, tmp_path / "logs")
    salt = tmp_path / "salt"
    salt.write_text("pepper-pepper-pepper\n")
    run = run_dbt(
        ["build"],
        logs,
        tmp_path / "dbt",
        {"hashed_tag_keys": ["CostCenter"]},
        env={"BEDROCK_COSTS_TAG_HASH_SALT_FILE": str(salt)},
    )
    assert run.ok, run.output[-3000:]
    values = {
        r[0]
        for r in run.query(
            f"""select distinct tag_value from {MARTS}.fct_tenant_daily_usage_by_tag
            where tag_key = 'costcenter' and tag_value is not null"""
        )
    }
    expected = "sha256:" + hashlib.sha256(b"pepper-pepper-peppercc-100").hexdigest()
    assert expected in values
    assert all(v.startswith("sha256:") for v in values)
    ((clear,),) = run.query(
        f"select count(*) from {MARTS}.dim_tenants where latest_tags_json like '%cc-100%'"
    )
    assert clear == 0


def test_another_unattributed_tenant_id_builds_and_tests_green(tmp_path: Path) -> None:
    """The id for calls without a tenant is operator input: quoted wherever it reaches SQL."""
    logs = materialize_fixture_logs(HANDWRITTEN_FIXTURE, tmp_path / "logs")
    run = run_dbt(["build"], logs, tmp_path / "dbt", {"unattributed_tenant_id": "no tenant's"})
    assert run.ok, run.output[-4000:]
    tenants = {
        (str(day), tenant)
        for day, tenant in run.query(
            f"select usage_date, tenant_id from {MARTS}.fct_tenant_daily_usage"
        )
    }
    expected = {
        (day, "no tenant's" if tenant == "unattributed" else tenant)
        for day, tenant in EXPECTED_TENANT_DAYS
    }
    assert tenants == expected
