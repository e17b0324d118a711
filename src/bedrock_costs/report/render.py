"""Write the report: one self-contained HTML file (inline CSS, JS, data; no network at all)."""

from __future__ import annotations

import html
import json
import sys
from decimal import ROUND_HALF_UP, Decimal
from importlib import resources
from pathlib import Path

from bedrock_costs.exit_codes import EXIT_FAILURE, EXIT_OK
from bedrock_costs.report.dataset import ReportData

_ASSETS = resources.files("bedrock_costs.report") / "assets"


def _asset(name: str) -> str:
    return (_ASSETS / name).read_text(encoding="utf-8")


def format_cents(amount: Decimal) -> str:
    """USD to the cent, rounding half up (the page's JavaScript rounds the same way)."""
    return f"${amount.quantize(Decimal('0.01'), rounding=ROUND_HALF_UP):,}"


def embed_json(payload: object) -> str:
    """JSON that is safe inside <script type="application/json"> (no "</script>" can appear)."""
    text = json.dumps(payload, separators=(",", ":"), ensure_ascii=True)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def _server_summary(data: ReportData) -> str:
    if data.period_total_cost is None:
        return "The usage mart is not available: build the project with dbt build."
    total = data.period_total_cost.quantize(Decimal("0.01"), ROUND_HALF_UP)
    return (
        f"Whole period {html.escape(data.first_day or '-')} to "
        f"{html.escape(data.last_day or '-')} (UTC): "
        f'<span data-server-total="{total}">'
        f"{format_cents(data.period_total_cost)}</span> over "
        f"{data.period_invocations or 0:,} invocations."
    )


def render_html(data: ReportData, title: str) -> str:
    page = _asset("report.html")
    replacements = {
        "<!--REPORT_TITLE-->": html.escape(title),
        "<!--REPORT_SOURCE-->": html.escape(data.source),
        "<!--REPORT_GENERATED-->": html.escape(data.generated_at),
        "<!--REPORT_SUMMARY-->": _server_summary(data),
        "/*REPORT_CSS*/": _asset("report.css"),
        "/*REPORT_JS*/": _asset("report.js"),
        "<!--REPORT_DATA-->": embed_json(data.as_json()),
    }
    for marker, value in replacements.items():
        if marker not in page:
            raise RuntimeError(f"report template has no {marker} marker")
        page = page.replace(marker, value)
    return page


def write_report(data: ReportData, out: Path, title: str) -> int:
    """Write the page; exit code 1 when no mart at all could be read."""
    if data.available_count == 0:
        print(
            f"error: none of the marts the report needs are in {data.source}. "
            "Build the project first: `make build` (or `dbt build`), and check --schema.",
            file=sys.stderr,
        )
        return EXIT_FAILURE
    for name, section in data.sections.items():
        if section.rows is None:
            print(f"report: section {name} left out: {section.unavailable}", file=sys.stderr)
    out.parent.mkdir(parents=True, exist_ok=True)
    text = render_html(data, title)
    out.write_text(text, encoding="utf-8")
    print(f"report: wrote {out} ({len(text.encode('utf-8')) / 1024:,.0f} KiB)", file=sys.stderr)
    return EXIT_OK
