"""The ``bedrock-costs`` command line.

Every sub-command lives in its own module; this file only wires arguments to functions so that
``bedrock-costs --help`` stays fast (heavy imports happen inside the handlers).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from bedrock_costs.alerts import add_alerts_parser
from bedrock_costs.arg_types import default_database, iso_date, positive_int
from bedrock_costs.athena_check import add_athena_parser
from bedrock_costs.bill_fetch import add_bill_parser
from bedrock_costs.build_history import add_build_history_parser
from bedrock_costs.exit_codes import EXIT_FAILURE, EXIT_OK
from bedrock_costs.logging_setup import add_logging_parser
from bedrock_costs.logs_fetch import add_logs_parser
from bedrock_costs.pricing_sync import add_pricing_parser
from bedrock_costs.quicksight import add_quicksight_parser
from bedrock_costs.report import add_report_parser
from bedrock_costs.statements import add_statements_parser

Handler = Callable[[argparse.Namespace], int]


def _cmd_sample_logs(args: argparse.Namespace) -> int:
    from bedrock_costs.sample_bill import SampleBillError
    from bedrock_costs.sample_logs import ForeignLogsError, generate_sample_logs

    try:
        stats = generate_sample_logs(
            out_dir=args.out,
            days=args.days,
            invocations=args.invocations,
            seed=args.seed,
            start=args.start,
            progress=not args.quiet,
            force=args.force,
            cur_out=args.cur_out,
            seeds=args.seeds,
        )
    except (ForeignLogsError, SampleBillError) as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_FAILURE
    print(stats.describe())
    return EXIT_OK


def _cmd_summary(args: argparse.Namespace) -> int:
    from bedrock_costs.summary import print_top_tenants

    return print_top_tenants(database=args.database, schema=args.schema, limit=args.limit)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="bedrock-costs",
        description=(
            "Tools around the bedrock_tenant_costs dbt project: generate sample Bedrock model "
            "invocation logs, summarise the cost marts that `dbt build` produces, and keep the "
            "price seed in step with the AWS Price List. In your AWS account: turn on Bedrock "
            "model invocation logging (`logging`), download the logs (`logs fetch`) and a month "
            "of the CUR 2.0 bill (`bill fetch`)."
        ),
        epilog=(
            "Exit codes: 0 success, 1 the command ran but failed (details on stderr), "
            "2 bad arguments. Run `bedrock-costs COMMAND --help` for each command."
        ),
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    sample = commands.add_parser(
        "sample-logs",
        help="write realistic synthetic Bedrock invocation logs (gzip NDJSON in the S3 layout)",
        description=(
            "Write deterministic synthetic Bedrock model invocation logs laid out exactly as "
            "Bedrock delivers them to S3: "
            "AWSLogs/<account>/BedrockModelInvocationLogs/<region>/YYYY/MM/DD/HH/"
            "<YYYYMMDDTHHMMSSmmmZ>_<16 hex>.json.gz. The same --seed always gives the same files."
        ),
        epilog="Example: bedrock-costs sample-logs --out data/sample-logs --days 30 "
        "--invocations 50000 --seed 42",
    )
    sample.add_argument("--out", type=Path, required=True, help="directory to write AWSLogs/ into")
    sample.add_argument("--days", type=positive_int, default=30, help="days of logs (default 30)")
    sample.add_argument(
        "--invocations",
        type=positive_int,
        default=50_000,
        help="number of model invocations to generate (default 50000)",
    )
    sample.add_argument("--seed", type=int, default=42, help="random seed (default 42)")
    sample.add_argument(
        "--start",
        type=iso_date,
        default=None,
        help="first day of logs, YYYY-MM-DD (default: a fixed date, so output is reproducible)",
    )
    sample.add_argument(
        "--cur-out",
        type=Path,
        default=None,
        help="also write a CUR 2.0 export (Data Exports layout) of what AWS would bill for these "
        "calls, with one log file left out, Claude billed through AWS Marketplace and a credit; "
        "build with var bedrock_cur_dir set to this folder to reconcile it (priced from --seeds)",
    )
    sample.add_argument(
        "--seeds",
        type=Path,
        default=Path("seeds"),
        help="the project's seeds folder, which prices the --cur-out bill (default: seeds)",
    )
    sample.add_argument("--quiet", action="store_true", help="no progress output")
    sample.add_argument(
        "--force",
        action="store_true",
        help="replace an AWSLogs/ tree in --out that this command did not write (default: refuse)",
    )
    sample.set_defaults(handler=_cmd_sample_logs)

    summary = commands.add_parser(
        "summary",
        help="print the top tenants by cost from a built DuckDB database",
        description="Print a table of the tenants with the highest cost over the whole period "
        "held in the marts of a DuckDB database built by `dbt build --target local`.",
        epilog="Example: bedrock-costs summary --database target/bedrock_tenant_costs.duckdb",
    )
    summary.add_argument(
        "--database",
        type=Path,
        default=default_database(),
        help="DuckDB file built by dbt (default $BEDROCK_COSTS_DUCKDB_PATH, as for dbt, else "
        "target/bedrock_tenant_costs.duckdb)",
    )
    summary.add_argument(
        "--schema",
        default="bedrock_marts",
        help="schema holding the marts (default bedrock_marts)",
    )
    summary.add_argument("--limit", type=positive_int, default=10, help="rows to show (default 10)")
    summary.set_defaults(handler=_cmd_summary)

    add_pricing_parser(commands)
    add_logging_parser(commands)
    add_logs_parser(commands)
    add_bill_parser(commands)
    add_quicksight_parser(commands)
    add_report_parser(commands)
    add_statements_parser(commands)
    add_alerts_parser(commands)
    add_build_history_parser(commands)
    add_athena_parser(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    handler: Handler = args.handler
    try:
        return handler(args)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return EXIT_FAILURE
    except OSError as error:
        # a file or folder the command was given cannot be read or written: say which, no trace
        print(f"error: {error}", file=sys.stderr)
        return EXIT_FAILURE


if __name__ == "__main__":
    sys.exit(main())
