"""`bedrock-costs report`: the page renders in headless Chromium and shows what the marts hold.

One dbt build over generated sample logs feeds every test. The page is opened from file:// in
Debian's Chromium (scripts/ensure-chromium.sh installs it); the DOM it leaves behind is parsed and
its numbers (data-value attributes) are compared with SQL over the same DuckDB database.
"""

from __future__ import annotations

import gzip
import json
import math
import os
import shutil
import subprocess
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import ROUND_HALF_UP, Decimal
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import duckdb
import pytest

from bedrock_costs.cli import main
from bedrock_costs.report.dataset import UNRESOLVED_MODEL, money_units
from bedrock_costs.report.render import embed_json
from bedrock_costs.sample_logs import generate_sample_logs
from dbt_harness import MARTS, PROJECT_DIR, DbtRun, run_dbt

pytestmark = [pytest.mark.dbt, pytest.mark.chromium]

CHROMIUM = Path(os.environ.get("CHROMIUM", "/usr/bin/chromium"))
ARTIFACTS = PROJECT_DIR / "target" / "test-artifacts"
NOT_AVAILABLE = "not available: build the project with dbt build"
CHARTS = (
    "cost-over-time",
    "tenant-cost",
    "model-mix",
    "tokens-by-tag",
    "token-classes",
    "latency",
    "cache-savings",
    "error-rate",
    "budget-burn",
    "anomalies",
    "bill-reconciliation",
)
VOID_TAGS = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source"}


# ------------------------------------------------------------------------------------ the DOM
@dataclass
class Element:
    tag: str
    attrs: dict[str, str]
    text: str = ""
    chart: str | None = None  # the data-chart container this element sits in


@dataclass
class Dom:
    elements: list[Element] = field(default_factory=list)

    def find(self, attr: str, value: str | None = None) -> list[Element]:
        return [
            e
            for e in self.elements
            if attr in e.attrs and (value is None or e.attrs[attr] == value)
        ]

    def one(self, attr: str, value: str | None = None) -> Element:
        found = self.find(attr, value)
        assert len(found) == 1, f"expected one element with {attr}={value!r}, got {len(found)}"
        return found[0]

    def chart(self, name: str) -> Element:
        return self.one("data-chart", name)

    def in_chart(self, name: str) -> list[Element]:
        return [e for e in self.elements if e.chart == name]


class _DomParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.dom = Dom()
        self._stack: list[Element] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {k: v or "" for k, v in attrs}
        parent_chart = self._stack[-1].chart if self._stack else None
        element = Element(tag, values, chart=values.get("data-chart", parent_chart))
        self.dom.elements.append(element)
        if tag not in VOID_TAGS:
            self._stack.append(element)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag not in VOID_TAGS:
            self._stack.pop()

    def handle_endtag(self, tag: str) -> None:
        for i in range(len(self._stack) - 1, -1, -1):
            if self._stack[i].tag == tag:
                del self._stack[i:]
                return

    def handle_data(self, data: str) -> None:
        for element in self._stack:
            element.text += data


def parse_dom(html: str) -> Dom:
    parser = _DomParser()
    parser.feed(html)
    parser.close()
    return parser.dom


def chromium_args(user_data_dir: Path, height: int = 3200) -> list[str]:
    if not CHROMIUM.exists():
        pytest.fail(
            f"{CHROMIUM} is missing: run scripts/ensure-chromium.sh (make pytest does), "
            "or set CHROMIUM=/path/to/chromium"
        )
    return [
        str(CHROMIUM),
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        f"--user-data-dir={user_data_dir}",
        "--virtual-time-budget=10000",
        "--hide-scrollbars",
        f"--window-size=1400,{height}",
    ]


def render_dom(page: Path, tmp_path: Path, fragment: str = "") -> Dom:
    url = page.resolve().as_uri() + (f"#{fragment}" if fragment else "")
    proc = subprocess.run(
        [*chromium_args(tmp_path / "chromium-profile"), "--dump-dom", url],
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "</html>" in proc.stdout, proc.stderr[-3000:]
    return parse_dom(proc.stdout)


def screenshot(page: Path, tmp_path: Path, png: Path) -> None:
    png.parent.mkdir(parents=True, exist_ok=True)
    png.unlink(missing_ok=True)
    proc = subprocess.run(
        [
            *chromium_args(tmp_path / "chromium-shot", height=4400),
            f"--screenshot={png}",
            page.resolve().as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert png.stat().st_size > 10_000


# ------------------------------------------------------------------------------------ fixtures
@dataclass(frozen=True)
class Built:
    run: DbtRun
    report: Path

    def query(self, sql: str) -> list[tuple[Any, ...]]:
        return self.run.query(sql)

    def has_column(self, table: str, column: str | None = None) -> bool:
        where = f"table_schema = '{MARTS}' and table_name = '{table}'"
        if column:
            where += f" and column_name = '{column}'"
        ((count,),) = self.query(f"select count(*) from information_schema.columns where {where}")
        return count > 0


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Built:
    work = tmp_path_factory.mktemp("report")
    logs = work / "logs"
    bill = work / "bill"
    generate_sample_logs(
        out_dir=logs,
        days=16,
        invocations=3000,
        seed=5,
        progress=False,
        cur_out=bill,
        seeds=PROJECT_DIR / "seeds",
    )
    # The sample's daily costs are cents: lower the anomaly thresholds so that some days qualify.
    run = run_dbt(
        ["build"],
        logs_dir=logs,
        work_dir=work / "dbt",
        extra_vars={
            "anomaly_min_cost_usd": 0.01,
            "anomaly_multiplier": 2,
            "bedrock_cur_dir": str(bill),
        },
    )
    assert run.ok, run.output[-4000:]
    report = work / "report.html"
    assert main(["report", "--database", str(run.database), "--out", str(report)]) == 0
    return Built(run, report)


def cents(amount: Decimal | int | None) -> str:
    return str(Decimal(amount or 0).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


def nearest_rank(values: list[int], q: float) -> int:
    ordered = sorted(values)
    return ordered[max(1, math.ceil(q * len(ordered))) - 1]


def check_no_errors(dom: Dom) -> None:
    box = dom.one("id", "report-errors")
    assert box.attrs["data-error-count"] == "0", box.text
    (body,) = (e for e in dom.elements if e.tag == "body")
    assert body.attrs["data-rendered"] == "true"
    # at the 1,400-pixel window of the tests, no table needs a horizontal scrollbar
    assert body.attrs["data-clipped-tables"] == "0", body.attrs["data-clipped-table-ids"]


def check_latency(dom: Dom, built: Built, where: str) -> int:
    """Every shown percentile's bucket holds the exact nearest-rank percentile; cells checked."""
    rows = built.query(
        f"select coalesce(model_id, '{UNRESOLVED_MODEL}'), latency_ms "
        f"from {MARTS}.fct_bedrock_invocations where latency_ms is not null and {where}"
    )
    by_model: dict[str, list[int]] = {}
    for model, latency in rows:
        by_model.setdefault(model, []).append(int(latency))
    cells = dom.find("data-latency-model")
    assert {c.attrs["data-latency-model"] for c in cells} == set(by_model)
    for cell in cells:
        values = by_model[cell.attrs["data-latency-model"]]
        q = {"p50": 0.5, "p95": 0.95, "p99": 0.99}[cell.attrs["data-percentile"]]
        exact = max(nearest_rank(values, q), 1)
        low, high = float(cell.attrs["data-low"]), float(cell.attrs["data-high"])
        # The bucket bounds come from floating-point logarithms: allow their rounding only.
        assert low * (1 - 1e-9) <= exact <= high * (1 + 1e-9), (cell.attrs, exact)
        assert high / low == pytest.approx(2 ** (1 / 8))
    return len(cells)


# ------------------------------------------------------------------------------------ tests
def test_every_chart_draws_and_the_numbers_equal_the_marts(built: Built, tmp_path: Path) -> None:
    dom = render_dom(built.report, tmp_path)
    check_no_errors(dom)

    ((anomaly_count,),) = built.query(
        f"select count(*) from {MARTS}.fct_tenant_daily_cost_anomalies"
    )
    assert anomaly_count > 0
    for name in CHARTS:
        container = dom.chart(name)
        inside = dom.in_chart(name)
        marks = [e for e in inside if "mark" in e.attrs.get("class", "").split()]
        assert container.attrs["data-rendered"] == "true", name
        assert [e for e in inside if e.tag == "svg"], f"{name} has no <svg>"
        assert len(marks) == int(container.attrs["data-marks"]) > 0, name

    # Totals, to the cent, from SQL sums of decimals.
    ((total, invocations, errors, tokens),) = built.query(
        f"select sum(total_cost_usd), sum(invocation_count), sum(error_count), sum(total_tokens) "
        f"from {MARTS}.fct_tenant_daily_usage"
    )
    assert dom.one("data-kpi", "total-cost").attrs["data-value"] == cents(total)
    ((estimated,),) = built.query(
        f"select sum(estimated_cost_usd) from {MARTS}.fct_tenant_daily_usage"
    )
    assert estimated > 0
    assert dom.one("data-kpi", "total-cost").attrs["data-estimated"] == cents(estimated)
    total_kpi = next(
        e for e in dom.elements if e.attrs.get("class") == "sub" and "unpriced" in e.text
    )
    assert f"{shown_usd(estimated)} of it an estimate, a lower bound" in total_kpi.text
    assert dom.one("data-server-total").attrs["data-server-total"] == cents(total)
    assert int(dom.one("data-kpi", "invocations").attrs["data-value"]) == invocations
    assert int(dom.one("data-kpi", "total-tokens").attrs["data-value"]) == tokens
    assert float(dom.one("data-kpi", "error-rate").attrs["data-value"]) == pytest.approx(
        errors / invocations, rel=1e-12
    )
    assert errors > 0

    per_tenant = dict(
        built.query(
            f"select tenant_id, sum(total_cost_usd) from {MARTS}.fct_tenant_daily_usage group by 1"
        )
    )
    shown = {
        e.attrs["data-tenant-cost"]: e.attrs["data-value"] for e in dom.find("data-tenant-cost")
    }
    assert shown == {t: cents(c) for t, c in per_tenant.items()}
    assert len(shown) >= 8

    per_model = dict(
        built.query(
            f"select coalesce(model_id, '{UNRESOLVED_MODEL}'), sum(total_cost_usd) "
            f"from {MARTS}.fct_tenant_daily_usage group by 1"
        )
    )
    shown = {e.attrs["data-model-cost"]: e.attrs["data-value"] for e in dom.find("data-model-cost")}
    assert shown == {m: cents(c) for m, c in per_model.items()}

    ((inp, out, read, write),) = built.query(
        f"select sum(input_tokens), sum(output_tokens), sum(cache_read_input_tokens), "
        f"sum(cache_write_input_tokens) from {MARTS}.fct_tenant_daily_usage"
    )
    assert json.loads(dom.chart("token-classes").attrs["data-token-totals"]) == {
        "input_tokens": inp,
        "output_tokens": out,
        "cache_read_tokens": read,
        "cache_write_tokens": write,
    }

    tag_totals = dict(
        built.query(
            f"select coalesce(tag_value, '(not set)'), sum(total_tokens) "
            f"from {MARTS}.fct_tenant_daily_usage_by_tag where tag_key = 'department' group by 1"
        )
    )
    assert dom.chart("tokens-by-tag").attrs["data-tag-key"] == "department"
    assert json.loads(dom.chart("tokens-by-tag").attrs["data-tag-totals"]) == tag_totals

    assert check_latency(dom, built, "true") >= 3 * 5

    ((savings,),) = built.query(
        f"select sum(cache_read_savings_usd) from {MARTS}.fct_tenant_daily_usage"
    )
    assert savings > 0
    assert dom.one("data-kpi", "cache-savings").attrs["data-value"] == cents(savings)

    # Budget burn: the newest statement month, every tenant's month-to-date cost.
    ((month,),) = built.query(
        f"select cast(max(statement_month) as varchar) from {MARTS}.fct_tenant_monthly_statement"
    )
    spent = dict(
        built.query(
            f"select tenant_id, total_cost_usd from {MARTS}.fct_tenant_monthly_statement "
            f"where statement_month = date '{month}'"
        )
    )
    shown = {
        e.attrs["data-budget-spent"]: e.attrs["data-value"] for e in dom.find("data-budget-spent")
    }
    assert shown == {t: cents(c) for t, c in spent.items()}
    # ...and beside it each tenant's share of the AWS bill, in the statement's cents
    billed = dict(
        built.query(
            f"select tenant_id, billed_cost_rounded_usd from {MARTS}.fct_tenant_monthly_statement "
            f"where statement_month = date '{month}' and billed_cost_rounded_usd is not null"
        )
    )
    assert billed
    shown_billed = {
        e.attrs["data-budget-billed"]: e.attrs["data-value"] for e in dom.find("data-budget-billed")
    }
    assert shown_billed == {t: cents(c) for t, c in billed.items()}
    ((budgeted,),) = built.query(
        f"select count(*) from {MARTS}.fct_tenant_monthly_statement "
        f"where statement_month = date '{month}' and budget_usd is not null"
    )
    budget_markers = [
        e
        for e in dom.in_chart("budget-burn")
        if e.tag == "line" and "mark" in e.attrs.get("class", "")
    ]
    assert len(budget_markers) == budgeted > 0

    anomalies = {
        (str(d), t, cents(c))
        for d, t, c in built.query(
            f"select usage_date, tenant_id, total_cost_usd "
            f"from {MARTS}.fct_tenant_daily_cost_anomalies"
        )
    }
    shown_anomalies = {
        (*e.attrs["data-anomaly"].split("|"), e.attrs["data-value"])
        for e in dom.find("data-anomaly")
    }
    assert shown_anomalies == anomalies

    # The bill against the logs: every status's buckets, billed and estimated cost, to the cent.
    reconciled = {
        status: (str(buckets), cents(billed), cents(estimated or 0))
        for status, buckets, billed, estimated in built.query(
            f"select reconciliation_status, count(*), sum(billed_cost_usd),"
            f" sum(coalesce(estimated_cost_usd, 0))"
            f" from {MARTS}.fct_bedrock_bill_reconciliation group by 1"
        )
    }
    assert {"matched", "billed_not_logged"} <= set(reconciled)
    shown_reconciled = {
        e.attrs["data-reconciliation"]: (
            e.attrs["data-buckets"],
            e.attrs["data-billed"],
            e.attrs["data-estimated"],
        )
        for e in dom.find("data-reconciliation")
    }
    assert shown_reconciled == reconciled

    screenshot(built.report, tmp_path, ARTIFACTS / "report.png")


def test_a_build_without_a_bill_says_how_to_add_one(built: Built, tmp_path: Path) -> None:
    database = tmp_path / "no-bill.duckdb"
    shutil.copy(built.run.database, database)
    with duckdb.connect(str(database)) as con:
        con.execute(f"delete from {MARTS}.fct_bedrock_bill_reconciliation")
    report = tmp_path / "no-bill.html"
    assert main(["report", "--database", str(database), "--out", str(report)]) == 0
    dom = render_dom(report, tmp_path)
    check_no_errors(dom)
    reconciliation = dom.chart("bill-reconciliation")
    assert reconciliation.attrs["data-empty"] == "true"
    assert "No AWS bill in this build" in reconciliation.text
    assert "bedrock_cur_dir" in reconciliation.text
    assert not list(dom.find("data-reconciliation"))


def test_filters_in_the_url_re_render_every_number(built: Built, tmp_path: Path) -> None:
    ((first, last),) = built.query(
        f"select min(usage_date), max(usage_date) from {MARTS}.fct_tenant_daily_usage"
    )
    date_from, date_to = first + timedelta(days=2), last - timedelta(days=2)
    # The busiest tenant and its busiest model, so that the filtered view has data in every chart.
    ((tenant, model),) = built.query(
        f"""select tenant_id, model_id from {MARTS}.fct_tenant_daily_usage
        where model_id is not null group by 1, 2 order by sum(invocation_count) desc limit 1"""
    )
    where = f"tenant_id = '{tenant}' and usage_date between date '{date_from}' and date '{date_to}'"

    dom = render_dom(built.report, tmp_path, f"tenant={tenant}&from={date_from}&to={date_to}")
    check_no_errors(dom)
    ((total, invocations),) = built.query(
        f"select sum(total_cost_usd), sum(invocation_count) from {MARTS}.fct_tenant_daily_usage "
        f"where {where}"
    )
    ((everything,),) = built.query(
        f"select sum(total_cost_usd) from {MARTS}.fct_tenant_daily_usage"
    )
    assert total != everything
    assert dom.one("data-kpi", "total-cost").attrs["data-value"] == cents(total)
    assert int(dom.one("data-kpi", "invocations").attrs["data-value"]) == invocations
    assert [e.attrs["data-tenant-cost"] for e in dom.find("data-tenant-cost")] == [tenant]
    summary = dom.one("id", "filter-summary").attrs
    assert (summary["data-tenant"], summary["data-from"], summary["data-to"]) == (
        tenant,
        str(date_from),
        str(date_to),
    )
    check_latency(dom, built, where)

    # Add the model filter: cost and latency narrow to that model.
    dom = render_dom(
        built.report, tmp_path, f"tenant={tenant}&model={model}&from={date_from}&to={date_to}"
    )
    check_no_errors(dom)
    ((model_total,),) = built.query(
        f"select sum(total_cost_usd) from {MARTS}.fct_tenant_daily_usage "
        f"where {where} and model_id = '{model}'"
    )
    assert dom.one("data-kpi", "total-cost").attrs["data-value"] == cents(model_total)
    assert [e.attrs["data-model-cost"] for e in dom.find("data-model-cost")] == [model]
    assert check_latency(dom, built, f"{where} and model_id = '{model}'") == 3
    for name in ("cost-over-time", "tenant-cost", "model-mix", "token-classes", "latency"):
        assert int(dom.chart(name).attrs["data-marks"]) > 0, name
    # the bill's buckets narrow to the days and the model (not to the tenant: they have none)
    reconciled = {
        status: cents(billed)
        for status, billed in built.query(
            f"select reconciliation_status, sum(billed_cost_usd)"
            f" from {MARTS}.fct_bedrock_bill_reconciliation"
            f" where usage_date between date '{date_from}' and date '{date_to}'"
            f" and model_id = '{model}' group by 1"
        )
    }
    assert reconciled
    assert {
        e.attrs["data-reconciliation"]: e.attrs["data-billed"]
        for e in dom.find("data-reconciliation")
    } == reconciled
    assert "tenant filter does not apply" in dom.one("id", "reconciliation-scope").text


def test_the_tag_key_selector_switches_the_tag_chart(built: Built, tmp_path: Path) -> None:
    keys = {
        k
        for (k,) in built.query(
            f"select distinct tag_key from {MARTS}.fct_tenant_daily_usage_by_tag"
        )
    }
    assert {"department", "costcenter", "environment", "usecase"} <= keys
    dom = render_dom(built.report, tmp_path, "tag=environment")
    check_no_errors(dom)
    options = [e.attrs["value"] for e in dom.elements if e.tag == "option" and e.chart is None]
    assert set(keys) <= set(options)
    expected = dict(
        built.query(
            f"select coalesce(tag_value, '(not set)'), sum(total_tokens) "
            f"from {MARTS}.fct_tenant_daily_usage_by_tag where tag_key = 'environment' group by 1"
        )
    )
    chart = dom.chart("tokens-by-tag")
    assert chart.attrs["data-tag-key"] == "environment"
    assert json.loads(chart.attrs["data-tag-totals"]) == expected
    assert len(expected) >= 2


def test_a_missing_mart_shows_as_not_available(built: Built, tmp_path: Path) -> None:
    database = tmp_path / "partial.duckdb"
    shutil.copy(built.run.database, database)
    con = duckdb.connect(str(database))
    try:
        con.execute(f"drop table {MARTS}.fct_tenant_daily_usage_by_tag")
        con.execute(f"drop table {MARTS}.fct_tenant_monthly_statement")
        con.execute(
            f"alter table {MARTS}.fct_tenant_daily_usage drop column cache_read_savings_usd"
        )
    finally:
        con.close()
    report = tmp_path / "partial.html"
    assert main(["report", "--database", str(database), "--out", str(report)]) == 0
    dom = render_dom(report, tmp_path)
    check_no_errors(dom)
    tags = dom.chart("tokens-by-tag")
    assert tags.attrs["data-rendered"] == "unavailable"
    assert "fct_tenant_daily_usage_by_tag is missing" in tags.text
    assert NOT_AVAILABLE in tags.text
    budget = dom.chart("budget-burn")
    assert budget.attrs["data-rendered"] == "unavailable"
    assert "fct_tenant_monthly_statement is missing" in budget.text
    savings = dom.chart("cache-savings")
    assert savings.attrs["data-rendered"] == "unavailable"
    assert "cache_read_savings_usd" in savings.text
    assert dom.one("data-kpi", "cache-savings").attrs.get("data-unavailable") == "true"
    for name in set(CHARTS) - {"tokens-by-tag", "budget-burn", "cache-savings"}:
        assert int(dom.chart(name).attrs["data-marks"]) > 0, name


def test_no_marts_at_all_is_a_failure_that_says_what_to_do(
    built: Built, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    report = tmp_path / "none.html"
    code = main(
        ["report", "--database", str(built.run.database), "--schema", "nope", "--out", str(report)]
    )
    assert code == 1
    assert "dbt build" in capsys.readouterr().err
    assert not report.exists()
    assert (
        main(["report", "--database", str(tmp_path / "absent.duckdb"), "--out", str(report)]) == 1
    )
    assert "make build" in capsys.readouterr().err


class _FakeAthenaCursor:
    """Stands in for a PyAthena cursor: runs the statement on the DuckDB build instead."""

    def __init__(self, con: duckdb.DuckDBPyConnection, log: list[str]) -> None:
        self._cursor = con.cursor()
        self._log = log

    def execute(self, sql: str) -> None:
        self._log.append(sql)
        self._cursor.execute(sql)

    def fetchall(self) -> list[tuple[Any, ...]]:
        return self._cursor.fetchall()

    def close(self) -> None:
        self._cursor.close()


class _FakeAthenaConnection:
    def __init__(self, database: Path, log: list[str]) -> None:
        self._con = duckdb.connect(str(database), read_only=True)
        self._log = log
        self.closed = False

    def cursor(self) -> _FakeAthenaCursor:
        return _FakeAthenaCursor(self._con, self._log)

    def close(self) -> None:
        self.closed = True
        self._con.close()


def _embedded(page: Path) -> dict[str, Any]:
    html = page.read_text()
    start = html.index('<script type="application/json" id="report-data">') + len(
        '<script type="application/json" id="report-data">'
    )
    payload = json.loads(html[start : html.index("</script>", start)])
    payload["meta"].pop("source")
    payload["meta"].pop("generated_at")
    return payload


def test_athena_path_reads_the_same_rows_through_pyathena(
    built: Built, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import pyathena

    calls: list[dict[str, Any]] = []
    statements: list[str] = []
    connections: list[_FakeAthenaConnection] = []

    def fake_connect(**kwargs: Any) -> _FakeAthenaConnection:
        calls.append(kwargs)
        connections.append(_FakeAthenaConnection(built.run.database, statements))
        return connections[-1]

    monkeypatch.setattr(pyathena, "connect", fake_connect)
    report = tmp_path / "athena.html"
    code = main(
        [
            "report",
            "--athena",
            "--work-group",
            "bedrock-costs",
            "--s3-staging-dir",
            "s3://results-bucket/report/",
            "--region",
            "eu-west-1",
            "--schema",
            MARTS,
            "--out",
            str(report),
        ]
    )
    assert code == 0
    assert calls == [
        {
            "schema_name": MARTS,
            "region_name": "eu-west-1",
            "s3_staging_dir": "s3://results-bucket/report/",
            "work_group": "bedrock-costs",
        }
    ]
    assert connections[0].closed
    assert any("fct_tenant_daily_usage" in s for s in statements)
    assert "Athena bedrock-costs" in report.read_text()
    assert _embedded(report) == _embedded(built.report)


def test_athena_query_failure_exits_1_with_advice(
    built: Built,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    import pyathena

    class Failing(_FakeAthenaConnection):
        def cursor(self) -> _FakeAthenaCursor:
            cursor = super().cursor()

            def execute(sql: str) -> None:
                raise RuntimeError("TABLE_NOT_FOUND: line 1:1")

            cursor.execute = execute  # type: ignore[method-assign]
            return cursor

    monkeypatch.setattr(pyathena, "connect", lambda **_: Failing(built.run.database, []))
    code = main(["report", "--athena", "--work-group", "wg", "--out", str(tmp_path / "x.html")])
    assert code == 1
    err = capsys.readouterr().err
    assert "TABLE_NOT_FOUND" in err
    assert "dbt build" in err


@pytest.mark.parametrize(
    "argv",
    [
        ["report", "--athena"],
        ["report", "--work-group", "wg"],
        ["report", "--region", "us-east-1"],
    ],
)
def test_inconsistent_athena_arguments_exit_2(
    argv: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(argv)
    assert exit_info.value.code == 2
    assert "--athena" in capsys.readouterr().err


def test_help_has_a_description_and_an_example(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["report", "--help"])
    assert exit_info.value.code == 0
    out = capsys.readouterr().out
    assert "self-contained" in out or "static HTML" in out
    assert "Example: bedrock-costs report" in out
    assert "Exit codes" in out


def test_money_travels_exactly_and_the_json_cannot_close_its_script() -> None:
    assert money_units(Decimal("12.345678901234567")) == "12345678901234567"
    assert money_units(Decimal("0.000000000000001")) == "1"
    assert money_units(None) is None
    text = embed_json({"tenant": "</script><script>alert(1)</script>"})
    assert "</script>" not in text
    assert json.loads(text) == {"tenant": "</script><script>alert(1)</script>"}


HOSTILE_TENANTS = ["__proto__", "constructor", "toString", "hasOwnProperty"]


def _rename_tenants(logs: Path) -> None:
    """Give some sample tenants names that are JavaScript object internals, and a hostile tag."""
    renames: dict[str, str] = {}
    for path in sorted(logs.rglob("*.json.gz")):
        lines = gzip.decompress(path.read_bytes()).decode().splitlines()
        out = []
        for line in lines:
            try:
                record = json.loads(line)
            except ValueError:
                record = None
            metadata = record.get("requestMetadata") if isinstance(record, dict) else None
            if not isinstance(metadata, dict):
                out.append(line)  # the sample's malformed lines stay as they are
                continue
            for key in ("tenantId", "TenantID", "tenant_id"):
                if key in metadata:
                    original = metadata[key]
                    if original not in renames and len(renames) < len(HOSTILE_TENANTS):
                        renames[original] = HOSTILE_TENANTS[len(renames)]
                    metadata[key] = renames.get(original, original)
            metadata["team"] = "__proto__" if len(out) % 2 else "constructor"
            out.append(json.dumps(record))
        path.write_bytes(gzip.compress(("\n".join(out) + "\n").encode(), mtime=0))
    assert len(renames) == len(HOSTILE_TENANTS)


def test_tenants_and_tags_named_like_object_internals_are_ordinary_keys(tmp_path: Path) -> None:
    logs = tmp_path / "logs"
    generate_sample_logs(out_dir=logs, days=3, invocations=600, seed=9, progress=False)
    _rename_tenants(logs)
    run = run_dbt(["build"], logs_dir=logs, work_dir=tmp_path / "dbt")
    assert run.ok, run.output[-4000:]
    report = tmp_path / "report.html"
    assert main(["report", "--database", str(run.database), "--out", str(report)]) == 0
    built = Built(run, report)
    for fragment in ("", "tag=team"):
        dom = render_dom(report, tmp_path, fragment)
        check_no_errors(dom)
        for name in CHARTS:
            if name == "anomalies":
                continue  # three days: no baseline yet
            assert dom.chart(name).attrs["data-rendered"] == "true", (fragment, name)
        per_tenant = dict(
            built.query(
                f"select tenant_id, sum(total_cost_usd) from {MARTS}.fct_tenant_daily_usage "
                "group by 1"
            )
        )
        assert set(HOSTILE_TENANTS) <= set(per_tenant)
        shown = {
            e.attrs["data-tenant-cost"]: e.attrs["data-value"] for e in dom.find("data-tenant-cost")
        }
        assert shown == {t: cents(c) for t, c in per_tenant.items()}
        options = {e.attrs.get("value") for e in dom.elements if e.tag == "option"}
        assert set(HOSTILE_TENANTS) <= options
        kpi = next(e for e in dom.elements if e.attrs.get("class") == "sub" and "tenants" in e.text)
        assert kpi.text == f"{len(per_tenant)} tenants"


def test_the_page_embeds_a_bounded_number_of_tag_keys_and_values(
    built: Built, tmp_path: Path
) -> None:
    """Tag keys and values are anyone's text: the page holds the top ones and folds the rest
    into one "other" bar per key, and every key's tokens and cost still add up to the marts."""
    page = tmp_path / "bounded.html"
    args = ["--max-tag-keys", "2", "--max-tag-values", "2"]
    assert main(["report", "--database", str(built.run.database), "--out", str(page), *args]) == 0
    payload = _embedded(page)
    key_ranks = built.query(
        f"""select tag_key, count(distinct tag_value) from {MARTS}.fct_tenant_daily_usage_by_tag
        where tag_value is not null group by tag_key
        order by sum(invocation_count) desc, tag_key"""
    )
    assert len(key_ranks) > 2
    shown = key_ranks[:2]
    tag_keys = payload["sections"]["tag_keys"]["rows"]
    assert tag_keys == [[key, count, min(count, 2)] for key, count in shown]
    assert payload["meta"]["omitted_tag_key_count"] == len(key_ranks) - 2
    tags = payload["sections"]["tags"]
    rows = [dict(zip(tags["columns"], row, strict=True)) for row in tags["rows"]]
    assert {r["tag_key"] for r in rows} == {key for key, _ in shown}
    key, count = next((k, c) for k, c in shown if c > 2)
    assert len({r["tag_value"] for r in rows if r["tag_key"] == key and r["tag_value"]}) == 2
    assert any(r["value_kind"] == "other" for r in rows if r["tag_key"] == key)
    (expected,) = built.query(
        f"""select sum(total_tokens), sum(total_cost_usd) from {MARTS}.fct_tenant_daily_usage_by_tag
        where tag_key = '{key}'"""
    )
    of_key = [r for r in rows if r["tag_key"] == key]
    assert sum(r["total_tokens"] for r in of_key) == expected[0]
    assert sum(int(r["total_cost"]) for r in of_key) == int(money_units(expected[1]) or 0)
    dom = render_dom(page, tmp_path, f"tag={key}")
    check_no_errors(dom)
    totals = json.loads(dom.chart("tokens-by-tag").attrs["data-tag-totals"])
    folded = built.query(
        f"""with ranked as (
            select tag_value, row_number() over (
                order by sum(total_cost_usd) desc, sum(invocation_count) desc, tag_value) as rank,
                sum(total_tokens) as tokens
            from {MARTS}.fct_tenant_daily_usage_by_tag
            where tag_key = '{key}' and tag_value is not null group by tag_value)
        select sum(tokens) from ranked where rank > 2"""
    )
    assert totals[f"({count - 2} other values)"] == folded[0][0]
    assert sum(totals.values()) == expected[0]


def shown_usd(amount: Decimal) -> str:
    """The page's text for an amount: to the cent, or under a cent two significant digits."""
    if amount and abs(amount) < Decimal("0.01"):
        digits = -amount.adjusted() + 1  # decimal places that keep two significant digits
        rounded = amount.quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_UP)
        return ("-$" if amount < 0 else "$") + format(abs(rounded), "f").rstrip("0")
    return ("-$" if amount < 0 else "$") + f"{abs(Decimal(cents(amount))):,}"


def test_amounts_under_a_cent_show_their_significant_digits(tmp_path: Path) -> None:
    """Hand-written records cost fractions of a cent: no tenant may read $0.00."""
    from dbt_harness import HANDWRITTEN_FIXTURE, materialize_fixture_logs, run_dbt_on_handwritten

    logs = materialize_fixture_logs(HANDWRITTEN_FIXTURE, tmp_path / "logs")
    run = run_dbt_on_handwritten(["build"], logs, tmp_path / "dbt")
    assert run.ok, run.output[-4000:]
    report = tmp_path / "report.html"
    assert main(["report", "--database", str(run.database), "--out", str(report)]) == 0
    dom = render_dom(report, tmp_path)
    check_no_errors(dom)
    per_tenant = dict(
        run.query(
            f"select tenant_id, sum(total_cost_usd) from {MARTS}.fct_tenant_daily_usage "
            "group by 1 having sum(total_cost_usd) is not null"
        )
    )
    assert any(0 < abs(c) < Decimal("0.01") for c in per_tenant.values()), per_tenant
    shown = {e.attrs["data-tenant-cost"]: e.text.strip() for e in dom.find("data-tenant-cost")}
    assert {t: shown[t] for t in per_tenant} == {t: shown_usd(c) for t, c in per_tenant.items()}


def test_the_sub_cent_format_of_the_test_is_the_one_described() -> None:
    assert shown_usd(Decimal("0.0005995")) == "$0.0006"
    assert shown_usd(Decimal("0.00066")) == "$0.00066"
    assert shown_usd(Decimal("0.000000000000001")) == "$0.000000000000001"
    assert shown_usd(Decimal("0.0099")) == "$0.0099"
    assert shown_usd(Decimal("1234.565")) == "$1,234.57"
    assert shown_usd(Decimal("0.01")) == "$0.01"
