"""``bedrock-costs statements``: one statement per tenant for a month, as HTML and as CSV.

A statement is what finance sends one customer: the month's estimated cost by model and token
class, the budget, and the tenant's share of the AWS bill once a bill is configured. Each file
holds one tenant's rows only. Amounts are the marts' exact decimals rounded to the cent by
largest remainder, so a statement's lines add up to its total to the cent.

Files: ``<tenant>-<digest>.html`` and ``.csv`` per tenant (the stem keeps the tenant id's safe
characters and adds a digest of the whole id: tenant ids come from the logs and are never
trusted as paths) and ``index.csv``, which says which file is whose.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import html
import re
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_FLOOR, ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any, Final

from bedrock_costs.exit_codes import EXIT_FAILURE, EXIT_OK
from bedrock_costs.report.source import (
    MartSource,
    MartSourceError,
    add_mart_source_arguments,
    open_mart_source,
    quote_identifier,
    table_columns,
)
from bedrock_costs.untrusted import file_stem, printable, spreadsheet_cell

DAILY: Final = "fct_tenant_daily_usage"
STATEMENTS: Final = "fct_tenant_monthly_statement"
CENT: Final = Decimal("0.01")
#: The token classes of fct_tenant_daily_usage: (name on the statement, tokens, cost column).
TOKEN_CLASSES: Final = (
    ("input", "input_tokens", "input_cost_usd"),
    ("output", "output_tokens", "output_cost_usd"),
    ("cache read", "cache_read_input_tokens", "cache_read_cost_usd"),
    ("cache write", "cache_write_input_tokens", "cache_write_cost_usd"),
)
CSV_COLUMNS: Final = (
    "statement_month",
    "tenant_id",
    "line",
    "model_id",
    "token_class",
    "tokens",
    "amount_usd",
)
UNRESOLVED_MODEL: Final = "(unresolved model)"
_MONTH = re.compile(r"([0-9]{4})-(0[1-9]|1[0-2])")


class StatementError(Exception):
    """The month has no statements, or the marts lack what a statement needs."""


def statement_month(value: str) -> date:
    """A month written YYYY-MM (argparse type)."""
    match = _MONTH.fullmatch(value)
    if not match:
        raise argparse.ArgumentTypeError(f"expected a month as YYYY-MM, got {value!r}")
    return date(int(match.group(1)), int(match.group(2)), 1)


def cents_by_largest_remainder(amounts: Sequence[Decimal]) -> list[Decimal]:
    """Each amount in whole cents, so that they add up to their exact sum rounded half up: every
    amount gets its cents rounded down, and the cents left go to the largest remainders (ties to
    the earlier amount). Amounts are never negative here (costs)."""
    floors = [a.quantize(CENT, rounding=ROUND_FLOOR) for a in amounts]
    target = sum(amounts, Decimal(0)).quantize(CENT, rounding=ROUND_HALF_UP)
    left = int((target - sum(floors, Decimal(0))) / CENT)
    by_remainder = sorted(range(len(amounts)), key=lambda i: (floors[i] - amounts[i], i))
    for i in by_remainder[:left]:
        floors[i] += CENT
    return floors


@dataclass(frozen=True)
class Line:
    model_id: str
    token_class: str
    tokens: int
    cost_usd: Decimal


@dataclass
class Statement:
    month: date
    tenant_id: str
    total_cost_usd: Decimal
    invocation_count: int
    unpriced_invocation_count: int
    budget_usd: Decimal | None
    budget_status: str
    projected_cost_usd: Decimal | None
    is_month_complete: bool
    as_of_date: str | None
    billed_cost_usd: Decimal | None
    billed_cost_rounded_usd: Decimal | None
    lines: list[Line] = field(default_factory=list)

    def line_cents(self) -> list[Decimal]:
        return cents_by_largest_remainder([line.cost_usd for line in self.lines])

    @property
    def total_cents(self) -> Decimal:
        return self.total_cost_usd.quantize(CENT, rounding=ROUND_HALF_UP)


def _decimal(value: Any) -> Decimal | None:
    return None if value is None else Decimal(str(value))


def read_statements(source: MartSource, month: date) -> list[Statement]:
    """Every tenant's statement for the month, with its lines (model x token class, cost > 0 or
    tokens > 0), read from the marts."""
    columns = table_columns(source, (DAILY, STATEMENTS))
    for table in (DAILY, STATEMENTS):
        if table not in columns:
            raise StatementError(
                f"the mart {table} is not in {source.description}: build the project with "
                "dbt build (and check --schema)"
            )
    s = quote_identifier(source.schema)
    first = f"date '{month.isoformat()}'"
    billed = (
        "billed_cost_usd, billed_cost_rounded_usd"
        if "billed_cost_rounded_usd" in columns[STATEMENTS]
        else "cast(null as decimal(38, 15)), cast(null as decimal(38, 15))"
    )
    rows = source.fetch(
        "select tenant_id, total_cost_usd, invocation_count, unpriced_invocation_count,"
        " budget_usd, budget_status, projected_month_end_cost_usd, is_month_complete,"
        f" cast(as_of_date as varchar), {billed}"
        f" from {s}.{STATEMENTS} where statement_month = {first} order by tenant_id"
    )
    if not rows:
        months = [
            str(r[0])[:7]
            for r in source.fetch(
                f"select distinct cast(statement_month as varchar) from {s}.{STATEMENTS} order by 1"
            )
        ]
        raise StatementError(
            f"no statements for {month:%Y-%m} in {source.description}; months there: "
            f"{', '.join(months) or 'none'}"
        )
    statements = {
        str(r[0]): Statement(
            month=month,
            tenant_id=str(r[0]),
            total_cost_usd=_decimal(r[1]) or Decimal(0),
            invocation_count=int(r[2] or 0),
            unpriced_invocation_count=int(r[3] or 0),
            budget_usd=_decimal(r[4]),
            budget_status=str(r[5]),
            projected_cost_usd=_decimal(r[6]),
            is_month_complete=bool(r[7]),
            as_of_date=None if r[8] is None else str(r[8]),
            billed_cost_usd=_decimal(r[9]),
            billed_cost_rounded_usd=_decimal(r[10]),
        )
        for r in rows
    }
    sums = ", ".join(f"sum({tokens}), sum({cost})" for _, tokens, cost in TOKEN_CLASSES)
    usage = source.fetch(
        f"select tenant_id, model_id, {sums} from {s}.{DAILY}"
        f" where usage_date >= {first} and usage_date < {first} + interval '1' month"
        " group by 1, 2 order by 1, 2"
    )
    for tenant, model, *measures in usage:
        statement = statements.get(str(tenant))
        if statement is None:
            continue
        for i, (name, _, _) in enumerate(TOKEN_CLASSES):
            tokens, cost = int(measures[2 * i] or 0), _decimal(measures[2 * i + 1]) or Decimal(0)
            if tokens or cost:
                label = UNRESOLVED_MODEL if model is None else str(model)
                statement.lines.append(Line(label, name, tokens, cost))
    return list(statements.values())


def _usd(amount: Decimal | None) -> str:
    return "-" if amount is None else f"${amount:,.2f}"


def statement_csv_rows(statement: Statement) -> list[list[str]]:
    """The statement as CSV rows (CSV_COLUMNS): one `usage` row per line, then `total`, and
    `budget` and `billed` when known. Amounts in USD to the cent; text cells are safe to open
    in a spreadsheet."""
    month = f"{statement.month:%Y-%m}"
    tenant = spreadsheet_cell(statement.tenant_id)
    rows = [
        [
            month,
            tenant,
            "usage",
            spreadsheet_cell(line.model_id),
            line.token_class,
            str(line.tokens),
            str(cents),
        ]
        for line, cents in zip(statement.lines, statement.line_cents(), strict=True)
    ]
    rows.append([month, tenant, "total", "", "", "", str(statement.total_cents)])
    if statement.budget_usd is not None:
        budget = statement.budget_usd.quantize(CENT, rounding=ROUND_HALF_UP)
        rows.append([month, tenant, "budget", "", "", "", str(budget)])
    if statement.billed_cost_rounded_usd is not None:
        billed = statement.billed_cost_rounded_usd.quantize(CENT, rounding=ROUND_HALF_UP)
        rows.append([month, tenant, "billed", "", "", "", str(billed)])
    return rows


_PAGE_CSS: Final = (
    "body{font-family:system-ui,sans-serif;margin:2rem;color:#222}"
    "table{border-collapse:collapse;margin:1rem 0}td,th{padding:.3rem .8rem;text-align:left;"
    "border-bottom:1px solid #ddd}td.n,th.n{text-align:right}.note{color:#555}"
)


def statement_html(statement: Statement) -> str:
    """One self-contained page (no script, no network) with the tenant's statement."""
    e = html.escape
    month = f"{statement.month:%B %Y}"
    body = [
        f"<h1>Amazon Bedrock usage statement: {e(statement.tenant_id)}</h1>",
        f"<p>{e(month)}"
        + ("" if statement.is_month_complete else f", to {e(statement.as_of_date or '-')}")
        + " (UTC). Estimated from the invocation logs at list prices.</p>",
        "<table><thead><tr><th>Model</th><th>Token class</th><th class=n>Tokens</th>"
        "<th class=n>Cost (USD)</th></tr></thead><tbody>",
    ]
    for line, cents in zip(statement.lines, statement.line_cents(), strict=True):
        body.append(
            f"<tr data-line><td>{e(line.model_id)}</td><td>{e(line.token_class)}</td>"
            f"<td class=n>{line.tokens:,}</td><td class=n>{_usd(cents)}</td></tr>"
        )
    body.append(
        f"</tbody><tfoot><tr><th colspan=3>Total</th>"
        f"<th class=n data-total>{_usd(statement.total_cents)}</th></tr></tfoot></table>"
    )
    facts = [f"Calls: {statement.invocation_count:,}."]
    if statement.unpriced_invocation_count:
        facts.append(
            f"{statement.unpriced_invocation_count:,} calls have no list price yet: the total is "
            "a lower bound."
        )
    if statement.budget_usd is not None:
        facts.append(
            f"Budget: {_usd(statement.budget_usd)} ({e(statement.budget_status.replace('_', ' '))}"
            + (
                f"; projected month end {_usd(statement.projected_cost_usd)}"
                if not statement.is_month_complete
                else ""
            )
            + ")."
        )
    if statement.billed_cost_rounded_usd is not None:
        facts.append(
            f"Share of the AWS bill: <span data-billed>{_usd(statement.billed_cost_rounded_usd)}"
            "</span> (the month's billed Bedrock usage, allocated in proportion to estimated cost)."
        )
    body.append("".join(f"<p class=note>{fact}</p>" for fact in facts))
    return (
        f"<!doctype html><html lang=en><head><meta charset=utf-8>"
        f"<title>{e(statement.tenant_id)}: {e(month)}</title><style>{_PAGE_CSS}</style></head>"
        f"<body>{''.join(body)}</body></html>\n"
    )


def write_statements(statements: Sequence[Statement], out: Path) -> list[tuple[str, str]]:
    """Write each statement's HTML and CSV and index.csv; returns (tenant, file stem) pairs."""
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for statement in statements:
        digest = hashlib.sha256(statement.tenant_id.encode("utf-8")).hexdigest()
        stem = f"{statement.month:%Y-%m}-{file_stem(statement.tenant_id, digest)}"
        (out / f"{stem}.html").write_text(statement_html(statement), encoding="utf-8")
        with (out / f"{stem}.csv").open("w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow(CSV_COLUMNS)
            writer.writerows(statement_csv_rows(statement))
        written.append((statement.tenant_id, stem))
    with (out / "index.csv").open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["tenant_id", "html", "csv"])
        for tenant, stem in written:
            writer.writerow([spreadsheet_cell(tenant), f"{stem}.html", f"{stem}.csv"])
    return written


def add_statements_parser(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "statements",
        help="write one statement per tenant for a month (HTML and CSV)",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description=(
            "Write one statement per tenant for --month: cost by model and token class (cents\n"
            "by largest remainder, so the lines add up to the total), calls, budget and budget\n"
            "status, and the tenant's share of the AWS bill when the build has one. Each file\n"
            "holds one tenant only; index.csv says which file is whose."
        ),
        epilog=(
            "Exit codes: 0 written, 1 the marts cannot be read or hold no statement for the\n"
            "month, 2 bad arguments.\n\n"
            "Example: bedrock-costs statements --month 2026-10 --out target/statements"
        ),
    )
    parser.add_argument("--month", type=statement_month, required=True, help="the month, YYYY-MM")
    parser.add_argument(
        "--out", type=Path, required=True, help="folder to write the statements into"
    )
    add_mart_source_arguments(parser)
    parser.set_defaults(handler=run_statements, statements_parser=parser)


def run_statements(args: argparse.Namespace) -> int:
    try:
        source = open_mart_source(args, args.statements_parser)
        try:
            statements = read_statements(source, args.month)
        finally:
            source.close()
    except (MartSourceError, StatementError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_FAILURE
    written = write_statements(statements, args.out)
    for tenant, stem in written:
        print(f"statements: {printable(tenant)}: {args.out / stem}.html, .csv", file=sys.stderr)
    print(f"statements: wrote {len(written)} statements for {args.month:%Y-%m} to {args.out}")
    return EXIT_OK
