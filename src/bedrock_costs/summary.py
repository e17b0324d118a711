"""A readable summary of the marts in a DuckDB database built by `dbt build --target local`."""

from __future__ import annotations

import sys
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import duckdb

from bedrock_costs.exit_codes import EXIT_FAILURE, EXIT_OK
from bedrock_costs.untrusted import printable


@dataclass(frozen=True)
class TenantRow:
    tenant_id: str
    invocation_count: int
    total_tokens: int
    total_cost_usd: Decimal
    unpriced_invocation_count: int
    # the tenant's share of the AWS bill (fct_tenant_daily_billed_cost); None without a bill
    billed_cost_usd: Decimal | None = None


@dataclass(frozen=True)
class BillTotals:
    """The days the AWS bill (CUR 2.0) covers, with the estimate and the bill for them."""

    first_day: str
    last_day: str
    estimated_cost_usd: Decimal
    billed_cost_usd: Decimal


@dataclass(frozen=True)
class Overview:
    first_day: str
    last_day: str
    invocation_count: int
    tenant_count: int
    total_cost_usd: Decimal
    unpriced_invocation_count: int
    quarantined_line_count: int
    # the part of total_cost_usd priced on an estimate (cost_basis = estimated): a lower bound
    estimated_cost_usd: Decimal = Decimal(0)
    # (issue type, invocations) of dq_tenant_attribution_issues, the build's warning when any
    attribution_issues: tuple[tuple[str, int], ...] = ()
    # None when no bill is configured (fct_tenant_daily_billed_cost is empty)
    bill: BillTotals | None = None


def quote_identifier(name: str) -> str:
    """A DuckDB identifier (a schema name given on the command line) as a quoted SQL name."""
    return '"' + name.replace('"', '""') + '"'


def read_overview(con: duckdb.DuckDBPyConnection, schema: str) -> Overview:
    s = quote_identifier(schema)
    totals = con.sql(
        f"""
        select
            cast(min(usage_date) as varchar),
            cast(max(usage_date) as varchar),
            count(*),
            count(distinct tenant_id),
            coalesce(sum(total_cost_usd), 0),
            count(*) filter (where not is_priced),
            coalesce(sum(total_cost_usd) filter (where cost_basis = 'estimated'), 0)
        from {s}.fct_bedrock_invocations
        """
    ).fetchall()[0]
    quarantined = con.sql(f"select count(*) from {s}.dq_quarantined_log_lines").fetchall()[0][0]
    issues = con.sql(
        f"""select issue_type, sum(invocation_count) from {s}.dq_tenant_attribution_issues
        group by issue_type order by issue_type"""
    ).fetchall()
    billed = con.sql(
        f"""select cast(min(usage_date) as varchar), cast(max(usage_date) as varchar),
            coalesce(sum(estimated_cost_usd), 0), coalesce(sum(billed_cost_usd), 0), count(*)
        from {s}.fct_tenant_daily_billed_cost"""
    ).fetchall()[0]
    bill = (
        BillTotals(str(billed[0]), str(billed[1]), Decimal(billed[2]), Decimal(billed[3]))
        if billed[4]
        else None
    )
    return Overview(
        first_day=totals[0] or "-",
        last_day=totals[1] or "-",
        invocation_count=int(totals[2]),
        tenant_count=int(totals[3]),
        total_cost_usd=Decimal(totals[4]),
        unpriced_invocation_count=int(totals[5]),
        quarantined_line_count=int(quarantined),
        estimated_cost_usd=Decimal(totals[6]),
        attribution_issues=tuple((str(kind), int(count)) for kind, count in issues),
        bill=bill,
    )


def read_top_tenants(con: duckdb.DuckDBPyConnection, schema: str, limit: int) -> list[TenantRow]:
    s = quote_identifier(schema)
    rows = con.sql(
        f"""
        with billed as (
            select tenant_id, sum(billed_cost_usd) as billed_cost_usd
            from {s}.fct_tenant_daily_billed_cost
            group by tenant_id
        )
        select dim_tenants.tenant_id, invocation_count, total_tokens, total_cost_usd,
               unpriced_invocation_count, billed.billed_cost_usd
        from {s}.dim_tenants
        left join billed on dim_tenants.tenant_id = billed.tenant_id
        order by total_cost_usd desc, dim_tenants.tenant_id
        limit {int(limit)}
        """
    ).fetchall()
    return [
        TenantRow(
            tenant_id=str(r[0]),
            invocation_count=int(r[1]),
            total_tokens=int(r[2]),
            total_cost_usd=Decimal(r[3]),
            unpriced_invocation_count=int(r[4]),
            billed_cost_usd=None if r[5] is None else Decimal(r[5]),
        )
        for r in rows
    ]


def format_usd(amount: Decimal) -> str:
    """Dollars to the cent; under a dollar, four decimals so that small costs stay visible."""
    places = Decimal("0.01") if abs(amount) >= 1 else Decimal("0.0001")
    return f"${amount.quantize(places):,}"


def _estimate_note(overview: Overview) -> list[str]:
    if not overview.estimated_cost_usd:
        return []
    share = overview.estimated_cost_usd / overview.total_cost_usd * 100
    return [
        f"Of that, {format_usd(overview.estimated_cost_usd)} ({share:.1f}%) is an estimate and "
        "can only be low: cache writes logged without their 5-minute/1-hour split (bodies off) "
        "are priced at the 5-minute rate (cost_basis = estimated in fct_bedrock_invocations)."
    ]


def _attribution_note(overview: Overview) -> list[str]:
    if not overview.attribution_issues:
        return []
    counts = ", ".join(f"{kind} {count:,}" for kind, count in overview.attribution_issues)
    return [
        f"Tenant attribution to check (invocations): {counts}. See dq_tenant_attribution_issues; "
        "dbt build warns while it is not empty."
    ]


def _bill_note(overview: Overview) -> list[str]:
    bill = overview.bill
    if bill is None:
        return []
    difference = bill.billed_cost_usd - bill.estimated_cost_usd
    share = f" ({difference / bill.billed_cost_usd * 100:+.1f}%)" if bill.billed_cost_usd else ""
    return [
        f"AWS bill (CUR 2.0), {bill.first_day} to {bill.last_day}: billed "
        f"{format_usd(bill.billed_cost_usd)} against {format_usd(bill.estimated_cost_usd)} "
        f"estimated from the logs, {format_usd(difference)}{share} apart; each tenant's share in "
        "fct_tenant_daily_billed_cost, the reasons in fct_bedrock_bill_reconciliation."
    ]


def render(overview: Overview, tenants: list[TenantRow]) -> str:
    billed = overview.bill is not None
    header: tuple[str, ...] = ("tenant", "invocations", "tokens", "cost (USD)", "share", "unpriced")
    if billed:
        header = (*header, "billed (USD)")
    body = []
    for row in tenants:
        share = (
            row.total_cost_usd / overview.total_cost_usd * 100
            if overview.total_cost_usd
            else Decimal(0)
        )
        body.append(
            (
                printable(row.tenant_id),
                f"{row.invocation_count:,}",
                f"{row.total_tokens:,}",
                format_usd(row.total_cost_usd),
                f"{share:.1f}%",
                f"{row.unpriced_invocation_count:,}",
                *(
                    [format_usd(row.billed_cost_usd) if row.billed_cost_usd is not None else "-"]
                    if billed
                    else []
                ),
            )
        )
    widths = [max(len(str(cells[i])) for cells in [header, *body]) for i in range(len(header))]

    def line(cells: tuple[str, ...]) -> str:
        first = cells[0].ljust(widths[0])
        rest = [c.rjust(w) for c, w in zip(cells[1:], widths[1:], strict=True)]
        return "  ".join([first, *rest])

    out = [
        f"Top {len(tenants)} tenants by cost, {overview.first_day} to {overview.last_day} (UTC)",
        "",
        line(header),
        line(tuple("-" * w for w in widths)),
        *(line(cells) for cells in body),
        "",
        f"All tenants: {overview.tenant_count:,} tenants, {overview.invocation_count:,} "
        f"invocations, {format_usd(overview.total_cost_usd)} priced.",
        *_estimate_note(overview),
        f"Unpriced invocations: {overview.unpriced_invocation_count:,} (see dq_unpriced_usage). "
        f"Quarantined log lines: {overview.quarantined_line_count:,} "
        "(see dq_quarantined_log_lines).",
        *_attribution_note(overview),
        *_bill_note(overview),
    ]
    return "\n".join(out)


def print_top_tenants(database: Path, schema: str, limit: int) -> int:
    if not database.exists():
        print(
            f"error: no DuckDB database at {database}. Build it first: "
            "`make build` (or `dbt build --target local`).",
            file=sys.stderr,
        )
        return EXIT_FAILURE
    try:
        con = duckdb.connect(str(database), read_only=True)
    except duckdb.Error as exc:
        print(
            f"error: could not open {database} as a DuckDB database ({exc}). Is a dbt build "
            "still writing it, or is it another kind of file?",
            file=sys.stderr,
        )
        return EXIT_FAILURE
    try:
        overview = read_overview(con, schema)
        tenants = read_top_tenants(con, schema, limit)
    except duckdb.CatalogException as exc:
        print(
            f"error: the marts are missing from schema {schema!r} in {database} ({exc}). "
            "Run `dbt build --target local` first.",
            file=sys.stderr,
        )
        return EXIT_FAILURE
    finally:
        con.close()
    print(f"summary: read DuckDB {database}, schema {schema}", file=sys.stderr)
    print(render(overview, tenants))
    return EXIT_OK
