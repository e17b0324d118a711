"""The bill reconciliation on DuckDB: a hand-built CUR 2.0 export against the hand-written logs.

The logs (tests/python/fixtures/handwritten) hold October 2026 calls of two tenants. The bill
(handwritten_bill.BILL) is written by hand against them: most buckets at the list prices of the
seed (so they match), and one of each kind of difference. Every expected value is worked out in
the comments from the seed prices, not read back from the pipeline.
"""

from __future__ import annotations

import shutil
from datetime import date
from decimal import Decimal, localcontext
from pathlib import Path
from typing import Any

import pytest

from bedrock_costs.cur_export import FileFormat, write_export
from dbt_harness import (
    HANDWRITTEN_FIXTURE,
    MARTS,
    PROJECT_DIR,
    DbtRun,
    materialize_fixture_logs,
    run_dbt,
    run_dbt_on_handwritten,
)
from handwritten_bill import (
    ACCOUNT,
    APP_ROLE,
    BILL,
    HAIKU_45,
    NOVA_LITE,
    OTHER_ACCOUNT,
    OTHER_ROLE,
    SONNET_45,
    WORKER_ROLE,
    bill_line,
)

pytestmark = pytest.mark.dbt


def _write_bill(cur_dir: Path, file_format: FileFormat) -> None:
    # an older delivery that bills everything twice: never read, wherever it lies
    doubled = [
        {**line, "line_item_unblended_cost": str(Decimal(line["line_item_unblended_cost"]) * 2)}
        for line in BILL
    ]
    if file_format == "parquet":
        # CREATE_NEW_REPORT: each delivery in its own folder; the manifest names the newest
        write_export(
            cur_dir,
            "cur2",
            "2026-10",
            doubled,
            file_format="parquet",
            execution_folder="2026-10-05T01:00:00.000Z-old",
        )
        write_export(
            cur_dir,
            "cur2",
            "2026-10",
            BILL,
            file_format="parquet",
            parts=3,
            execution_folder="2026-11-02T01:00:00.000Z-new",
        )
    else:
        # OVERWRITE_REPORT in two parts, without the optional IAM principal column, beside a
        # file the manifest does not list (a delivery still arriving)
        (stray,) = write_export(cur_dir / "stray", "cur2", "2026-10", doubled)
        write_export(
            cur_dir,
            "cur2",
            "2026-10",
            BILL,
            parts=2,
            columns=[c for c in _all_columns() if c != "line_item_iam_principal"],
        )
        stray.rename(cur_dir / "cur2" / "data" / "BILLING_PERIOD=2026-10" / "cur2-00009.csv.gz")
        shutil.rmtree(cur_dir / "stray")


def _all_columns() -> list[str]:
    from bedrock_costs.cur_export import COLUMNS

    return [name for name, _ in COLUMNS]


@pytest.fixture(scope="module")
def builds(tmp_path_factory: pytest.TempPathFactory) -> dict[str, DbtRun]:
    """The whole pipeline over the hand-written logs, once with each format of the bill."""
    runs = {}
    for file_format in ("parquet", "csv"):
        work = tmp_path_factory.mktemp(f"bill_{file_format}")
        logs = materialize_fixture_logs(HANDWRITTEN_FIXTURE, work / "logs")
        _write_bill(work / "bill", file_format)  # type: ignore[arg-type]
        run = run_dbt_on_handwritten(["build"], logs, work, _bill_vars(work / "bill"))
        assert run.ok, run.output[-4000:]
        runs[file_format] = run
    return runs


@pytest.fixture(params=["parquet", "csv"])
def reconciled(request: pytest.FixtureRequest, builds: dict[str, DbtRun]) -> DbtRun:
    return builds[request.param]


def _bill_vars(cur_dir: Path) -> dict[str, Any]:
    # the fixture's amounts are fractions of a cent: no absolute tolerance, or all would match
    return {"bedrock_cur_dir": str(cur_dir), "bill_cost_tolerance_usd": 0}


def _rows(run: DbtRun, sql: str) -> list[tuple[Any, ...]]:
    return run.query(sql.replace("{marts}", MARTS))


def test_every_bucket_gets_the_status_its_difference_calls_for(reconciled: DbtRun) -> None:
    statuses = {
        (str(day), account, region, model, token_class, scope): status
        for day, account, region, model, token_class, scope, status in _rows(
            reconciled,
            "select usage_date, usage_account_id, region, model_id, token_class, routing_scope,"
            " reconciliation_status from {marts}.fct_bedrock_bill_reconciliation",
        )
    }
    day1, day2 = "2026-10-01", "2026-10-02"
    expected = {
        (day1, ACCOUNT, "us-east-1", NOVA_LITE, "input", "regional"): "matched",
        (day1, ACCOUNT, "us-east-1", NOVA_LITE, "output", "regional"): "matched",
        (day1, ACCOUNT, "us-east-1", HAIKU_45, "input", "regional"): "matched",
        (day1, ACCOUNT, "us-east-1", HAIKU_45, "output", "regional"): "matched",
        (day1, ACCOUNT, "us-east-1", HAIKU_45, "cache_read", "regional"): "price_mismatch",
        (day1, ACCOUNT, "us-east-1", SONNET_45, "input", "global"): "matched",
        (day1, ACCOUNT, "us-east-1", SONNET_45, "output", "global"): "matched",
        (day1, ACCOUNT, "us-east-1", SONNET_45, "cache_write_5m", "global"): "token_mismatch",
        (day2, ACCOUNT, "eu-west-1", HAIKU_45, "input", "regional"): "matched",
        (day2, ACCOUNT, "eu-west-1", HAIKU_45, "output", "regional"): "logged_not_billed",
        (
            day1,
            ACCOUNT,
            "us-east-1",
            "amazon.titan-embed-text-v2:0",
            "input",
            "regional",
        ): "logged_not_billed",
        (day2, ACCOUNT, "eu-west-1", None, "input", "regional"): "logged_not_billed",
        (day2, ACCOUNT, "eu-west-1", None, "output", "regional"): "logged_not_billed",
        (day1, OTHER_ACCOUNT, "us-west-2", NOVA_LITE, "input", "regional"): "billed_not_logged",
        (
            day1,
            ACCOUNT,
            "us-east-1",
            "amazon.nova-2-lite-v1:0",
            "input",
            "global",
        ): "billed_not_logged",
        (
            day1,
            ACCOUNT,
            "us-east-1",
            "moonshotai.kimi-k2.5",
            "input",
            "regional",
        ): "billed_not_logged",
    }
    assert statuses == expected


def test_usage_types_are_read_into_their_parts(reconciled: DbtRun) -> None:
    parts = {
        usage_type: rest
        for usage_type, *rest in _rows(
            reconciled,
            "select usage_type, usage_type_family, token_class, routing_scope, service_tier,"
            " tokens_per_unit from bedrock_staging.stg_bedrock_cur__line_items"
            " where line_kind = 'usage'",
        )
    }
    assert parts["USE1-Nova2.0Lite-input-tokens-flex-cross-region-global"] == [
        "native",
        "input",
        "global",
        "flex",
        1000,
    ]
    assert parts["USE1-MP:USE1_CacheReadInputTokenCount-Units"] == [
        "marketplace",
        "cache_read",
        "regional",
        "standard",
        1000000,
    ]
    assert parts["USE1-Claude4.5Sonnet-cross-region-global-output-tokens"] == [
        "native",
        "output",
        "global",
        "standard",
        1000,
    ]
    assert parts["USE1-moonshotai.kimi-k2.5-input"][:2] == ["native", "input"]
    assert parts["USE1-NovaCanvas-T2I-1024-Standard"][:2] == [None, None]
    # the S3 line is not Bedrock's
    assert not any(usage_type.endswith("TimedStorage-ByteHrs") for usage_type in parts)


def test_the_tenants_shares_are_the_bill_and_unlogged_cost_is_unattributed(
    reconciled: DbtRun,
) -> None:
    shares = {
        (str(day), tenant, model): billed
        for day, tenant, model, billed in _rows(
            reconciled,
            "select usage_date, tenant_id, model_id, billed_cost_usd"
            " from {marts}.fct_tenant_daily_billed_cost",
        )
    }
    assert shares == {
        ("2026-10-01", "globex", NOVA_LITE): Decimal("0.00108"),  # 0.0006 + 0.000288 + 0.000192
        ("2026-10-01", "globex", "amazon.titan-embed-text-v2:0"): Decimal(0),
        ("2026-10-01", "acme", HAIKU_45): Decimal("0.0013695"),  # 0.000242 + 0.0007975 + 0.00033
        # 0.003 + 0.0075 + the logged 3,000 of the 3,300 cache-write tokens billed 0.012375
        ("2026-10-01", "acme", SONNET_45): Decimal("0.02175"),
        ("2026-10-02", "acme", HAIKU_45): Decimal("0.0022"),
        ("2026-10-02", "globex", None): Decimal(0),
        ("2026-10-01", "unattributed", NOVA_LITE): Decimal("0.006"),
        ("2026-10-01", "unattributed", "amazon.nova-2-lite-v1:0"): Decimal("0.0001"),
        ("2026-10-01", "unattributed", "moonshotai.kimi-k2.5"): Decimal("0.0006"),
        # the 300 cache-write tokens billed beyond the logged ones: 0.012375 * 300 / 3,300
        ("2026-10-01", "unattributed", SONNET_45): Decimal("0.001125"),
    }
    # October's statement: 0.0342245 billed in all rounds to 3 cents; whole cents are acme 2
    # (2.53195), globex 0 (0.108), unattributed 0 (0.7825); the cent left goes to the largest
    # remainder, unattributed's
    assert _rows(
        reconciled,
        "select tenant_id, billed_cost_usd, billed_cost_rounded_usd"
        " from {marts}.fct_tenant_monthly_statement where billed_cost_usd is not null"
        " order by tenant_id",
    ) == [
        ("acme", Decimal("0.0253195"), Decimal("0.02")),
        ("globex", Decimal("0.00108"), Decimal("0.00")),
        ("unattributed", Decimal("0.007825"), Decimal("0.01")),
    ]


def test_lines_that_cannot_be_reconciled_are_listed_with_their_cost(reconciled: DbtRun) -> None:
    unmapped = _rows(
        reconciled,
        "select mapping_status, usage_type, line_count, billed_cost_usd"
        " from {marts}.dq_unmapped_bill_lines order by usage_type",
    )
    assert unmapped == [
        ("unknown_model", "USE1-FooBar9-input-tokens", 1, Decimal("0.001")),
        ("unparsed_usage_type", "USE1-NovaCanvas-T2I-1024-Standard", 1, Decimal("0.04")),
        ("unknown_region", "XYZ9-NovaLite-input-tokens", 1, Decimal("0.002")),
    ]
    assert "assert_bill_lines_mapped" in reconciled.output
    adjustments = _rows(
        reconciled,
        "select line_item_type, unblended_cost_usd from {marts}.fct_bedrock_bill_adjustments",
    )
    assert adjustments == [("Credit", Decimal("-0.01"))]


def test_the_bills_callers_are_checked_against_the_logs(builds: dict[str, DbtRun]) -> None:
    """The Parquet bill names callers on four lines; the CSV one has no principal column."""
    rows = _rows(
        builds["parquet"],
        "select cast(usage_date as varchar), usage_account_id, iam_principal, billed_line_count,"
        " billed_cost_usd, logged_invocation_count, logged_tenant_count, logged_tenant_id,"
        " principal_status from {marts}.fct_bedrock_bill_principals order by all",
    )
    role = f"arn:aws:sts::{ACCOUNT}:assumed-role/"
    assert rows == [
        # acme's two Haiku calls, globex's Nova Lite call and an untagged one: a shared role
        ("2026-10-01", ACCOUNT, APP_ROLE, 1, Decimal("0.0006"), 4, 3, None, "several_tenants"),
        # acme's Sonnet call: its input and cache-write lines carry the caller
        ("2026-10-01", ACCOUNT, WORKER_ROLE, 2, Decimal("0.015375"), 1, 1, "acme", "one_tenant"),
        # globex's embedding call: the bill has no line naming its caller
        ("2026-10-01", ACCOUNT, role + "search-indexer/batch", 0, 0, 1, 1, "globex", "not_billed"),
        # the other account's line, never logged
        ("2026-10-01", OTHER_ACCOUNT, OTHER_ROLE, 1, Decimal("0.006"), 0, 0, None, "not_logged"),
        # acme's and globex's calls of 10-02 (acme's delivered twice, counted once)
        ("2026-10-02", ACCOUNT, role + "eu-app-role/example", 0, 0, 2, 2, None, "not_billed"),
    ]
    assert _rows(builds["csv"], "select count(*) from {marts}.fct_bedrock_bill_principals") == [
        (0,)
    ]


def test_both_formats_give_the_same_marts(builds: dict[str, DbtRun]) -> None:
    marts = {
        file_format: [
            _rows(run, f"select * exclude ({exclude}) from {{marts}}.{table} order by all")
            for table, exclude in (
                ("fct_bedrock_bill_reconciliation", "bill_reconciliation_id"),
                ("fct_tenant_daily_billed_cost", "tenant_daily_billed_cost_id"),
                ("dq_unmapped_bill_lines", "unmapped_bill_line_id"),
            )
        ]
        for file_format, run in builds.items()
    }
    assert marts["parquet"] == marts["csv"]
    assert all(marts["csv"])  # not empty tables


def test_an_export_without_a_required_column_is_a_clear_error(tmp_path: Path) -> None:
    logs = materialize_fixture_logs(HANDWRITTEN_FIXTURE, tmp_path / "logs")
    write_export(
        tmp_path / "bill",
        "cur2",
        "2026-10",
        BILL,
        columns=[c for c in _all_columns() if c != "line_item_usage_type"],
    )
    run = run_dbt_on_handwritten(
        ["build"], logs, tmp_path, {"bedrock_cur_dir": str(tmp_path / "bill")}
    )
    assert not run.ok
    assert "CUR export 'cur2' has no column line_item_usage_type" in run.output
    # the rest of the pipeline is built
    assert run.query(f"select count(*) from {MARTS}.fct_tenant_daily_usage")[0][0] > 0


def test_without_a_bill_the_reconciliation_marts_are_empty(tmp_path: Path) -> None:
    logs = materialize_fixture_logs(HANDWRITTEN_FIXTURE, tmp_path / "logs")
    run = run_dbt_on_handwritten(["build"], logs, tmp_path)
    assert run.ok, run.output[-4000:]
    for table in ("fct_bedrock_bill_reconciliation", "fct_tenant_daily_billed_cost"):
        assert run.query(f"select count(*) from {MARTS}.{table}") == [(0,)]


def test_a_bill_shared_by_many_tenants_is_allocated_in_proportion_and_exactly(
    tmp_path: Path,
) -> None:
    """Sample logs (ten tenants sharing models), billed at 1.03 x the estimate of their input and
    output tokens: every tenant's share is its exact proportional share of each bucket to within
    a femto-dollar per tenant, and the shares add up to the bill exactly."""
    import csv

    from bedrock_costs.sample_logs import generate_sample_logs

    logs = tmp_path / "logs"
    generate_sample_logs(logs, days=2, invocations=3000, seed=7, start=date(2026, 10, 30))
    first = run_dbt(["build"], logs, tmp_path)
    assert first.ok, first.output[-4000:]
    prefixes = {}
    with (PROJECT_DIR / "seeds" / "bedrock_usage_type_regions.csv").open() as handle:
        for row in csv.DictReader(handle):
            prefixes.setdefault(row["region"], row["usage_type_prefix"])
    buckets = first.query(
        f"""
        select usage_date, account_id, region, model_id, routing_scope = 'global',
            sum(input_tokens), sum(input_cost_usd), sum(output_tokens), sum(output_cost_usd)
        from {MARTS}.fct_bedrock_invocations
        where pricing_status = 'priced' and service_tier = 'standard'
            and context_tier = 'standard' and region in ({", ".join(f"'{r}'" for r in prefixes)})
        group by all
        """
    )
    bill = []
    for day, account, region, model, is_global, *classes in buckets:
        prefix = prefixes[region]
        for component, tokens, cost in (
            ("InputTokenCount", classes[0], classes[1]),
            ("OutputTokenCount", classes[2], classes[3]),
        ):
            if not tokens:
                continue
            bill.append(
                bill_line(
                    f"{prefix}-MP:{prefix}_{component}{'_Global' if is_global else ''}-Units",
                    str(Decimal(tokens) / 1_000_000),
                    str((cost * Decimal("1.03")).quantize(Decimal("1e-10"))),
                    day=day.isoformat(),
                    account=account,
                    unit="Units",
                    product_code="opaque0marketplace0code",
                    line_item_resource_id=f"arn:aws:bedrock:{region}::foundation-model/{model}",
                )
            )
    for period in ("2026-10", "2026-11"):
        write_export(
            tmp_path / "bill",
            "cur2",
            period,
            [line for line in bill if line["line_item_usage_start_date"][:7] == period],
            parts=2,
        )
    second = run_dbt(["build"], logs, tmp_path, {"bedrock_cur_dir": str(tmp_path / "bill")})
    assert second.ok, second.output[-4000:]

    billed = {
        tuple(row[:-1]): row[-1]
        for row in second.query(
            "select usage_date, usage_account_id, region, model_id, token_class, routing_scope,"
            " service_tier, context_tier, billed_cost_usd"
            " from bedrock_intermediate.int_bedrock_cur__billed_usage_by_bucket"
        )
    }
    logged = second.query(
        "select usage_date, usage_account_id, region, model_id, token_class, routing_scope,"
        " service_tier, context_tier, tenant_id, estimated_cost_usd"
        " from bedrock_intermediate.int_bedrock_cur__logged_usage_by_bucket"
    )
    totals: dict[tuple[Any, ...], Decimal] = {}
    for *bucket, _tenant, estimate in logged:
        totals[tuple(bucket)] = totals.get(tuple(bucket), Decimal(0)) + (estimate or 0)
    expected: dict[tuple[Any, ...], Decimal] = {}
    tenants_per_bucket: dict[tuple[Any, ...], int] = {}
    with localcontext() as exact:
        exact.prec = 80
        for *bucket, tenant, estimate in logged:
            key = (bucket[0], tenant, bucket[3])
            bill_of_bucket = billed.get(tuple(bucket), Decimal(0))
            share = bill_of_bucket and bill_of_bucket * estimate / totals[tuple(bucket)]
            expected[key] = expected.get(key, Decimal(0)) + share
            tenants_per_bucket[tuple(bucket)] = tenants_per_bucket.get(tuple(bucket), 0) + 1
    assert max(tenants_per_bucket.values()) >= 5  # the split is exercised
    allocated = {
        tuple(row[:3]): row[3]
        for row in second.query(
            f"select usage_date, tenant_id, model_id, billed_cost_usd"
            f" from {MARTS}.fct_tenant_daily_billed_cost"
        )
    }
    assert allocated.keys() == expected.keys()
    tolerance = Decimal("1e-15") * (max(tenants_per_bucket.values()) + 1) * len(billed)
    for key, share in expected.items():
        assert abs(allocated[key] - share) <= tolerance, key
    assert sum(allocated.values()) == sum(billed.values())


def test_a_bucket_hundreds_of_millions_of_tokens_apart_is_a_mismatch_not_an_error(
    tmp_path: Path,
) -> None:
    """300,000,000 tokens billed against 10,000 logged: the tolerance arithmetic must not
    overflow (a share at 15 decimal places times a token count kept 8 integer digits)."""
    logs = materialize_fixture_logs(HANDWRITTEN_FIXTURE, tmp_path / "logs")
    write_export(
        tmp_path / "bill",
        "cur2",
        "2026-10",
        [bill_line("USE1-NovaLite-input-tokens", "300000", "18")],
    )
    run = run_dbt_on_handwritten(["build"], logs, tmp_path, _bill_vars(tmp_path / "bill"))
    assert run.ok, run.output[-4000:]
    assert run.query(
        f"select reconciliation_status, token_difference"
        f" from {MARTS}.fct_bedrock_bill_reconciliation"
        f" where model_id = '{NOVA_LITE}' and token_class = 'input'"
    ) == [("token_mismatch", Decimal(300_000_000 - 10_000))]


def _without_output_body(logs: Path, request_id: str) -> None:
    """Drop the response body of one record, as a log configuration without bodies would."""
    import gzip
    import json

    for path in logs.rglob("*.json.gz"):
        lines = gzip.decompress(path.read_bytes()).decode().splitlines(keepends=True)
        changed = False
        for index, line in enumerate(lines):
            if request_id in line:
                record = json.loads(line)
                del record["output"]["outputBodyJson"]
                lines[index] = json.dumps(record) + "\n"
                changed = True
        if changed:
            path.write_bytes(gzip.compress("".join(lines).encode(), mtime=0))
            return
    raise AssertionError(f"no record {request_id}")


def test_cache_writes_without_a_known_split_reconcile_as_one_class(tmp_path: Path) -> None:
    """The Sonnet call wrote 3,000 tokens to the cache; without its body the logs cannot say for
    how long (all counted at the 5-minute rate). The bill says 2,000 for 5 minutes and 1,000 for
    an hour: one cache_write bucket whose tokens match and whose cost does not, not a
    token_mismatch beside a billed_not_logged. A class word never becomes part of a model name:
    cache-read-input-tokens is a class, cache-storage-input-tokens is no usage type it knows."""
    logs = materialize_fixture_logs(HANDWRITTEN_FIXTURE, tmp_path / "logs")
    _without_output_body(logs, "a1000000-0000-4000-8000-000000000002")
    sonnet = "USE1-Claude4.5Sonnet-cache-write{}-input-token-count-cross-region-global"
    write_export(
        tmp_path / "bill",
        "cur2",
        "2026-10",
        [
            bill_line(sonnet.format(""), "2", "0.0075"),  # 2,000 x 3.75 per 1M
            bill_line(sonnet.format("-1h"), "1", "0.006"),  # 1,000 x 6 per 1M
            bill_line("USE1-Claude4.5Haiku-cache-read-input-tokens", "0.5", "0.00005"),
            bill_line("USE1-Claude4.5Haiku-cache-storage-input-tokens", "0.5", "0.00007"),
        ],
    )
    run = run_dbt_on_handwritten(["build"], logs, tmp_path, _bill_vars(tmp_path / "bill"))
    assert run.ok, run.output[-4000:]
    assert run.query(
        f"select token_class, billed_tokens, logged_tokens, estimated_cost_usd,"
        f" reconciliation_status from {MARTS}.fct_bedrock_bill_reconciliation"
        f" where model_id = '{SONNET_45}' and token_class like 'cache_write%'"
    ) == [("cache_write", Decimal(3000), 3000, Decimal("0.01125"), "price_mismatch")]
    parts = dict(
        run.query(
            "select usage_type, coalesce(token_class, '-') || ' ' || coalesce(billing_model_name,"
            " '-') from bedrock_staging.stg_bedrock_cur__line_items where usage_type like '%Haiku%'"
        )
    )
    assert parts == {
        "USE1-Claude4.5Haiku-cache-read-input-tokens": "cache_read Claude4.5Haiku",
        "USE1-Claude4.5Haiku-cache-storage-input-tokens": "- -",
    }
    assert run.query(f"select mapping_status, usage_type from {MARTS}.dq_unmapped_bill_lines") == [
        ("unparsed_usage_type", "USE1-Claude4.5Haiku-cache-storage-input-tokens")
    ]


@pytest.mark.parametrize(
    ("tampering", "test_name"),
    [
        (
            f"update {MARTS}.fct_tenant_daily_billed_cost set billed_cost_usd = billed_cost_usd"
            " + 0.000000000000001 where tenant_id = 'acme' and model_id = '" + SONNET_45 + "'",
            "assert_billed_cost_allocated_exactly",
        ),
        (
            f"update {MARTS}.fct_tenant_monthly_statement"
            " set billed_cost_rounded_usd = billed_cost_rounded_usd + 0.01"
            " where tenant_id = 'globex'",
            "assert_statement_cents_add_up_to_the_bill",
        ),
    ],
)
def test_tampered_bill_marts_fail_their_tests(
    builds: dict[str, DbtRun], tmp_path: Path, tampering: str, test_name: str
) -> None:
    import duckdb

    work = tmp_path / "work"
    shutil.copytree(builds["parquet"].database.parent, work)
    select = ["test", "--select", test_name]
    bill_vars = _bill_vars(work / "bill")
    assert run_dbt_on_handwritten(select, work / "logs", work, bill_vars).ok
    with duckdb.connect(str(work / builds["parquet"].database.name)) as con:
        con.execute(tampering)
    run = run_dbt_on_handwritten(select, work / "logs", work, bill_vars)
    assert not run.ok
    assert f"Failure in test {test_name}" in run.output


def test_two_exports_of_one_payer_and_period_stop_the_build(tmp_path: Path) -> None:
    """A copy of the export beside it would bill the month twice: the build fails and says so."""
    logs = materialize_fixture_logs(HANDWRITTEN_FIXTURE, tmp_path / "logs")
    for name in ("cur2", "cur2-copy"):
        write_export(tmp_path / "bill", name, "2026-10", BILL)
    run = run_dbt_on_handwritten(["build"], logs, tmp_path, _bill_vars(tmp_path / "bill"))
    assert not run.ok
    assert "Failure in test assert_one_export_per_payer_and_period" in run.output


def test_the_sample_bill_reconciles_but_for_what_the_logs_lack(tmp_path: Path) -> None:
    """sample-logs --cur-out: the bill's tokens equal the logs' in every bucket but those of the
    one delivery left out of the logs, whose tokens are exactly the difference; costs differ
    only where bodies-off cache writes were estimated at the 5-minute rate; the credit is an
    adjustment; the build's tests (the allocation adds up exactly) pass."""
    import gzip
    import json

    from bedrock_costs.sample_logs import generate_sample_logs

    def generate(out: Path, cur_out: Path | None = None) -> Any:
        return generate_sample_logs(
            out, days=2, invocations=2000, seed=11, start=date(2026, 10, 20), cur_out=cur_out
        )

    full = generate(tmp_path / "full")
    stats = generate(tmp_path / "logs", tmp_path / "bill")
    assert stats.lost_file is not None
    lost_tokens = 0
    lost = gzip.decompress((tmp_path / "full" / str(stats.lost_file)).read_bytes()).splitlines()
    for line in lost:
        record = json.loads(line)
        if "errorCode" not in record:
            usage = {**record["input"], **record["output"]}
            lost_tokens += sum(
                int(usage.get(name) or 0)
                for name in (
                    "inputTokenCount",
                    "outputTokenCount",
                    "cacheReadInputTokenCount",
                    "cacheWriteInputTokenCount",
                )
            )
    assert lost_tokens > 0
    assert full.records == stats.records + len(lost)
    run = run_dbt(
        ["build"], tmp_path / "logs", tmp_path / "dbt", {"bedrock_cur_dir": str(tmp_path / "bill")}
    )
    assert run.ok, run.output[-4000:]
    rows = run.query(
        f"select reconciliation_status, token_class, token_difference, usage_date"
        f" from {MARTS}.fct_bedrock_bill_reconciliation"
    )
    assert sum(difference for _, _, difference, _ in rows) == lost_tokens
    lost_day = date.fromisoformat("-".join(str(stats.lost_file).split("/")[4:7]))
    assert {day for _, _, difference, day in rows if difference} == {lost_day}
    assert {status for status, *_ in rows} <= {
        "matched",
        "price_mismatch",
        "token_mismatch",
        "billed_not_logged",
    }
    assert {token_class for status, token_class, *_ in rows if status == "price_mismatch"} <= {
        "cache_write"
    }
    assert run.query(
        f"select line_item_type, count(*) from {MARTS}.fct_bedrock_bill_adjustments group by 1"
    ) == [("Credit", 1)]
    ((unattributed,),) = run.query(
        f"select sum(billed_cost_usd) from {MARTS}.fct_tenant_daily_billed_cost"
        " where tenant_id = 'unattributed'"
    )
    assert unattributed > 0
