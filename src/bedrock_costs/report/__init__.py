"""``bedrock-costs report``: a static, self-contained HTML dashboard over the cost marts."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from bedrock_costs.arg_types import positive_int
from bedrock_costs.exit_codes import EXIT_FAILURE
from bedrock_costs.report.dataset import DEFAULT_MAX_TAG_KEYS, DEFAULT_MAX_TAG_VALUES
from bedrock_costs.report.source import add_mart_source_arguments

DEFAULT_TITLE = "Amazon Bedrock cost by tenant"


def add_report_parser(subparsers: Any) -> None:
    """Register ``report`` on the CLI's sub-parsers (imports stay light until it runs)."""
    report = subparsers.add_parser(
        "report",
        help="write a self-contained HTML dashboard of the cost marts",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description=(
            "Write ONE static HTML page (inline CSS, JavaScript and data; it works offline from\n"
            "file://) with cost per tenant, cost over time, tokens by tag, model mix, token\n"
            "classes, latency p50/p95/p99 by model, cache savings, error rate, budget burn and\n"
            "anomalies, plus date, tenant and model filters that re-draw every chart in the\n"
            "browser. Filters can also be set in the URL, e.g.\n"
            "report.html#tenant=acme-corp&model=amazon.nova-lite-v1:0&from=2026-10-01&to=2026-10-07.\n"
            "Reads a DuckDB file built by `dbt build --target local` (default) or Athena\n"
            "(--athena). A mart the database does not have yet shows as not available."
        ),
        epilog=(
            "Exit codes: 0 report written, 1 no mart could be read (or the database could not\n"
            "be opened, or --tenant names no tenant in the marts), 2 bad arguments.\n"
            "\n"
            "Example: bedrock-costs report --database target/bedrock_tenant_costs.duckdb "
            "--out report.html\n"
            "Example: bedrock-costs report --tenant acme-corp --out acme-corp.html\n"
            "Example: bedrock-costs report --athena --work-group bedrock-costs --region us-east-1 "
            "--schema bedrock_marts --out report.html"
        ),
    )
    report.add_argument(
        "--out",
        type=Path,
        default=Path("report.html"),
        help="HTML file to write (default report.html)",
    )
    report.add_argument(
        "--tenant",
        default=None,
        metavar="TENANT_ID",
        help=(
            "embed this tenant's rows only (a page to send to that customer: no other tenant's "
            "id, tag or amount is in it; the bill section, which covers every tenant, is left out)"
        ),
    )
    report.add_argument(
        "--title", default=None, help=f"page title (default {DEFAULT_TITLE!r}, or 'for TENANT')"
    )
    report.add_argument(
        "--max-tag-keys",
        type=positive_int,
        default=DEFAULT_MAX_TAG_KEYS,
        help="embed the N most used tag keys (default %(default)s); the page says how many more",
    )
    report.add_argument(
        "--max-tag-values",
        type=positive_int,
        default=DEFAULT_MAX_TAG_VALUES,
        help=(
            "per tag key, embed the N values with the most cost (default %(default)s); the rest "
            "are one '(N other values)' bar, so totals still add up"
        ),
    )
    add_mart_source_arguments(report)
    report.set_defaults(handler=run_report, report_parser=report)


def run_report(args: argparse.Namespace) -> int:
    from bedrock_costs.report.dataset import TagLimits, UnknownTenantError, read_report_data
    from bedrock_costs.report.render import write_report
    from bedrock_costs.report.source import MartSourceError, open_mart_source

    title = args.title or (
        DEFAULT_TITLE if args.tenant is None else f"Amazon Bedrock cost for {args.tenant}"
    )
    try:
        source = open_mart_source(args, args.report_parser)
        try:
            data = read_report_data(
                source,
                limits=TagLimits(args.max_tag_keys, args.max_tag_values),
                tenant=args.tenant,
            )
        finally:
            source.close()
    except (MartSourceError, UnknownTenantError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_FAILURE
    return write_report(data, args.out, title)
