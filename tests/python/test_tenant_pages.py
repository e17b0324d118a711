"""Pages for one tenant: `bedrock-costs report --tenant` and `bedrock-costs statements`.

One dbt build over sample logs with their bill feeds every test. A single-tenant page must hold
no other tenant's id, tag or amount: the tests search the whole file for each other tenant's id
(as the page would write it) and for each of its amounts, and first show, on the all-tenant
page, that the same search does find them.
"""

from __future__ import annotations

import csv
import html
import json
import re
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

import duckdb
import pytest

from bedrock_costs.cli import main
from bedrock_costs.report.dataset import money_units
from bedrock_costs.report.render import embed_json
from bedrock_costs.sample_logs import generate_sample_logs
from dbt_harness import PROJECT_DIR, run_dbt

pytestmark = pytest.mark.dbt

MONTH = "2026-10"
CENT = Decimal("0.01")


@pytest.fixture(scope="module")
def database(tmp_path_factory: pytest.TempPathFactory) -> Path:
    work = tmp_path_factory.mktemp("tenant-pages")
    generate_sample_logs(
        out_dir=work / "logs",
        days=6,
        invocations=3000,
        seed=8,
        cur_out=work / "bill",
        seeds=PROJECT_DIR / "seeds",
    )
    run = run_dbt(
        ["build"],
        logs_dir=work / "logs",
        work_dir=work / "dbt",
        extra_vars={"bedrock_cur_dir": str(work / "bill")},
    )
    assert run.ok, run.output[-4000:]
    return run.database


def query(database: Path, sql: str, *params: Any) -> list[tuple[Any, ...]]:
    with duckdb.connect(str(database), read_only=True) as connection:
        return connection.execute(sql, list(params)).fetchall()


def tenants(database: Path) -> list[str]:
    rows = query(database, "select distinct tenant_id from bedrock_marts.fct_tenant_daily_usage")
    return sorted(str(r[0]) for r in rows)


def amounts_of(database: Path, tenant: str) -> set[str]:
    """The tenant's amounts as the page embeds them (units of 1e-15 USD), day by day and model
    by model, and its total."""
    rows = query(
        database,
        "select total_cost_usd, input_cost_usd, output_cost_usd from"
        " bedrock_marts.fct_tenant_daily_usage where tenant_id = ?",
        tenant,
    )
    (total,) = query(
        database,
        "select sum(total_cost_usd) from bedrock_marts.fct_tenant_daily_usage where tenant_id = ?",
        tenant,
    )[0]
    found = {money_units(v) for row in rows for v in row} | {money_units(total)}
    return {a for a in found if a is not None}


def traces_of(other: str, database: Path, own: str, page: str) -> list[str]:
    """What of tenant `other` the page text holds: its id as embedded JSON writes it, its id as
    HTML text (unless it is part of the page's own tenant id), and its amounts that the page's
    own tenant does not share (at least 6 digits, so no small number matches by chance)."""
    found = []
    if embed_json(other) in page:
        found.append(f"id {other!r} (JSON)")
    if other not in own and html.escape(other) in page:
        found.append(f"id {other!r} (HTML)")
    mine = amounts_of(database, own) if own else set()
    for amount in sorted(amounts_of(database, other) - mine):
        if len(amount) >= 6 and re.search(rf"(?<![0-9]){amount}(?![0-9])", page):
            found.append(f"amount {amount}")
    return found


def embedded(page: str) -> dict[str, Any]:
    marker = '<script type="application/json" id="report-data">'
    start = page.index(marker) + len(marker)
    payload: dict[str, Any] = json.loads(page[start : page.index("</script>", start)])
    return payload


def test_the_search_finds_every_tenant_on_the_page_for_all(database: Path, tmp_path: Path) -> None:
    page = tmp_path / "all.html"
    assert main(["report", "--database", str(database), "--out", str(page)]) == 0
    text = page.read_text(encoding="utf-8")
    everyone = tenants(database)
    assert len(everyone) >= 5
    amounts_found = 0
    for tenant in everyone:
        traces = traces_of(tenant, database, "", text)
        assert traces, f"the search missed {tenant!r}"
        amounts_found += any(trace.startswith("amount") for trace in traces)
    # the amount search works too (not only the id search): most tenants' amounts are found
    assert amounts_found >= len(everyone) - 1


@pytest.mark.parametrize("pick", ["first", "look-alike", "last"])
def test_a_tenant_page_carries_that_tenant_only(database: Path, tmp_path: Path, pick: str) -> None:
    everyone = tenants(database)
    non_ascii = [t for t in everyone if not t.isascii()]
    tenant = {"first": everyone[0], "look-alike": (non_ascii or everyone)[0], "last": everyone[-1]}[
        pick
    ]
    page = tmp_path / "tenant.html"
    args = ["report", "--tenant", tenant, "--database", str(database), "--out", str(page)]
    assert main(args) == 0
    text = page.read_text(encoding="utf-8")

    for other in everyone:
        if other != tenant:
            assert traces_of(other, database, tenant, text) == [], other

    data = embedded(text)
    for name, section in data["sections"].items():
        if section["available"] and "tenant_id" in section["columns"]:
            at = section["columns"].index("tenant_id")
            assert {row[at] for row in section["rows"]} <= {tenant}, name
    assert data["sections"]["daily"]["rows"], "the tenant's own rows are on the page"
    (total, calls) = query(
        database,
        "select sum(total_cost_usd), sum(invocation_count)"
        " from bedrock_marts.fct_tenant_daily_usage where tenant_id = ?",
        tenant,
    )[0]
    assert data["check"] == {"total_cost_units": money_units(total), "invocation_count": calls}
    bill = data["sections"]["reconciliation"]
    assert bill["available"] is False
    assert "single-tenant" in bill["reason"]


def test_an_unknown_tenant_exits_1_and_names_the_tenants(
    database: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    page = tmp_path / "nobody.html"
    code = main(["report", "--tenant", "nobody", "--database", str(database), "--out", str(page)])
    assert code == 1
    assert not page.exists()
    err = capsys.readouterr().err
    assert "no tenant 'nobody'" in err
    assert tenants(database)[0] in err


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def test_statements_add_up_to_the_cent_and_tie_to_the_marts(database: Path, tmp_path: Path) -> None:
    out = tmp_path / "statements"
    args = ["statements", "--month", MONTH, "--database", str(database), "--out", str(out)]
    assert main(args) == 0
    marts = query(
        database,
        "select tenant_id, total_cost_usd, billed_cost_rounded_usd, budget_usd"
        " from bedrock_marts.fct_tenant_monthly_statement"
        f" where statement_month = date '{MONTH}-01' order by 1",
    )
    index = read_csv(out / "index.csv")
    assert sorted(row["tenant_id"] for row in index) == sorted(str(r[0]) for r in marts)
    names = {p.name for p in out.iterdir()}
    assert names == {"index.csv"} | {r["html"] for r in index} | {r["csv"] for r in index}
    assert all(re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]*", name) for name in names), names
    billed_seen = False
    everyone = tenants(database)
    for (tenant, total, billed, budget), row in zip(marts, index, strict=True):
        lines = read_csv(out / row["csv"])
        assert {line["tenant_id"] for line in lines} == {tenant}
        usage = [line for line in lines if line["line"] == "usage"]
        (total_line,) = [line for line in lines if line["line"] == "total"]
        cents = Decimal(total).quantize(CENT, rounding=ROUND_HALF_UP)
        assert Decimal(total_line["amount_usd"]) == cents
        assert sum(Decimal(line["amount_usd"]) for line in usage) == cents, tenant
        tokens = query(
            database,
            "select sum(input_tokens + output_tokens + cache_read_input_tokens"
            " + cache_write_input_tokens) from bedrock_marts.fct_tenant_daily_usage"
            f" where tenant_id = ? and strftime(usage_date, '%Y-%m') = '{MONTH}'",
            tenant,
        )[0][0]
        assert sum(int(line["tokens"]) for line in usage) == tokens
        billed_rows = [line for line in lines if line["line"] == "billed"]
        if billed is None:
            assert billed_rows == []
        else:
            billed_seen = True
            assert [line["amount_usd"] for line in billed_rows] == [f"{billed:.2f}"]
            assert f"${billed:,.2f}" in (out / row["html"]).read_text(encoding="utf-8")
        assert len([line for line in lines if line["line"] == "budget"]) == (budget is not None)
        page = (out / row["html"]).read_text(encoding="utf-8")
        assert f"${cents:,.2f}" in page
        for other in everyone:
            if other != tenant and other not in tenant:
                assert html.escape(other) not in page, (tenant, other)
                assert other not in (out / row["csv"]).read_text(encoding="utf-8")
    assert billed_seen, "the sample's bill reaches the statements"


def test_a_month_without_statements_exits_1_and_names_the_months(
    database: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "none"
    code = main(
        ["statements", "--month", "2025-01", "--database", str(database), "--out", str(out)]
    )
    assert code == 1
    assert not out.exists()
    err = capsys.readouterr().err
    assert "no statements for 2025-01" in err
    assert MONTH in err
