"""``bedrock-costs report``: a static, self-contained HTML dashboard over the cost marts."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from bedrock_costs.arg_types import default_database, positive_int
from bedrock_costs.exit_codes import EXIT_FAILURE
from bedrock_costs.report.dataset import DEFAULT_MAX_TAG_KEYS, DEFAULT_MAX_TAG_VALUES

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
            "be opened), 2 bad arguments.\n"
            "\n"
            "Example: bedrock-costs report --database target/bedrock_tenant_costs.duckdb "
            "--out report.html\n"
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
        "--database",
        type=Path,
        default=default_database(),
        help="DuckDB file built by dbt (default $BEDROCK_COSTS_DUCKDB_PATH, as for dbt, else "
        "target/bedrock_tenant_costs.duckdb)",
    )
    report.add_argument(
        "--schema",
        default="bedrock_marts",
        help="schema (Athena: database) holding the marts (default bedrock_marts)",
    )
    report.add_argument("--title", default=DEFAULT_TITLE, help="page title")
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
    athena = report.add_argument_group("Athena (instead of DuckDB)")
    athena.add_argument(
        "--athena", action="store_true", help="read the marts from Athena with PyAthena"
    )
    athena.add_argument(
        "--s3-staging-dir",
        default=None,
        help="s3://bucket/prefix/ for query results (needed unless the work group sets one)",
    )
    athena.add_argument("--work-group", default=None, help="Athena work group")
    athena.add_argument("--region", default=None, help="AWS Region (default: from your AWS config)")
    report.set_defaults(handler=run_report, report_parser=report)


def run_report(args: argparse.Namespace) -> int:
    from bedrock_costs.report.dataset import TagLimits, read_report_data
    from bedrock_costs.report.render import write_report
    from bedrock_costs.report.source import (
        AthenaSettings,
        MartSource,
        MartSourceError,
        open_athena,
        open_duckdb,
    )

    parser: argparse.ArgumentParser = args.report_parser
    if not args.athena and (args.s3_staging_dir or args.work_group or args.region):
        parser.error("--s3-staging-dir, --work-group and --region only apply with --athena")
    if args.athena and not (args.s3_staging_dir or args.work_group):
        parser.error(
            "--athena needs --s3-staging-dir s3://bucket/prefix/ or --work-group NAME "
            "(a work group with a query result location)"
        )
    try:
        source: MartSource
        if args.athena:
            source = open_athena(
                AthenaSettings(
                    schema=args.schema,
                    region=args.region,
                    s3_staging_dir=args.s3_staging_dir,
                    work_group=args.work_group,
                )
            )
        else:
            source = open_duckdb(args.database, args.schema)
        try:
            data = read_report_data(
                source, limits=TagLimits(args.max_tag_keys, args.max_tag_values)
            )
        finally:
            source.close()
    except MartSourceError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_FAILURE
    return write_report(data, args.out, args.title)
