"""Read the aggregated rows the report page needs from the marts.

Everything embedded in the page is aggregated (tenant x day x model at the finest): the page
re-aggregates these rows in the browser when a filter changes. Money travels as integer strings in
units of 1e-15 USD (the scale of the marts' decimal(38,15)), so the browser can add it up exactly
with BigInt and round to the cent once, as the marts would.

A mart or column that the database does not have leaves its section out (``None`` with a reason)
instead of failing the whole report.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any

from bedrock_costs.report.source import MartSource, quote_identifier, quote_literal, table_columns
from bedrock_costs.untrusted import printable

MONEY_SCALE = 15
_MONEY_QUANTUM = Decimal(1).scaleb(-MONEY_SCALE)
# Latency histograms: bucket b holds latencies in [2^(b/8), 2^((b+1)/8)) milliseconds, so a
# percentile read from the histogram is within 4.4 % of the exact one (see report.js).
LATENCY_BUCKETS_PER_OCTAVE = 8
UNRESOLVED_MODEL = "(unresolved model)"
# The page embeds the most used tag keys, and per key its values with the most cost; the rest of
# a key's values are one "other" row per tenant and day (bedrock-costs report --max-tag-keys,
# --max-tag-values).
DEFAULT_MAX_TAG_KEYS = 50
DEFAULT_MAX_TAG_VALUES = 100
NOT_AVAILABLE = "not available: build the project with dbt build"

DAILY = "fct_tenant_daily_usage"
BY_TAG = "fct_tenant_daily_usage_by_tag"
INVOCATIONS = "fct_bedrock_invocations"
STATEMENTS = "fct_tenant_monthly_statement"
ANOMALIES = "fct_tenant_daily_cost_anomalies"
RECONCILIATION = "fct_bedrock_bill_reconciliation"
TABLES = (DAILY, BY_TAG, INVOCATIONS, STATEMENTS, ANOMALIES, RECONCILIATION)

DAILY_COLUMNS = (
    "usage_date",
    "tenant_id",
    "model_id",
    "invocation_count",
    "error_count",
    "input_tokens",
    "output_tokens",
    "cache_read_input_tokens",
    "cache_write_input_tokens",
    "total_tokens",
    "input_cost_usd",
    "output_cost_usd",
    "cache_read_cost_usd",
    "cache_write_cost_usd",
    "total_cost_usd",
    "unpriced_invocation_count",
    "latency_sample_count",
)
SAVINGS_COLUMN = "cache_read_savings_usd"
# The part of total_cost_usd priced on an estimate (a lower bound); older builds lack it.
ESTIMATED_COLUMN = "estimated_cost_usd"
TAG_COLUMNS = (
    "usage_date",
    "tenant_id",
    "tag_key",
    "tag_value",
    "invocation_count",
    "input_tokens",
    "output_tokens",
    "cache_read_input_tokens",
    "cache_write_input_tokens",
    "total_tokens",
    "total_cost_usd",
)
LATENCY_COLUMNS = ("usage_date", "tenant_id", "model_id", "latency_ms")
STATEMENT_COLUMNS = (
    "statement_month",
    "tenant_id",
    "total_cost_usd",
    "budget_usd",
    "budget_share_used",
    "days_in_month",
    "days_elapsed",
    "is_month_complete",
    "projected_month_end_cost_usd",
    "projected_budget_share",
    "budget_status",
    "as_of_date",
)
# The statement's billed cost in cents (largest remainder: the tenants' cents add up to the bill).
BILLED_COLUMN = "billed_cost_rounded_usd"
ANOMALY_COLUMNS = (
    "usage_date",
    "tenant_id",
    "total_cost_usd",
    "baseline_median_cost_usd",
    "baseline_day_count",
    "cost_ratio_to_baseline",
    "anomaly_multiplier",
    "excess_cost_usd",
    "anomaly_kind",
)
RECONCILIATION_COLUMNS = (
    "usage_date",
    "model_id",
    "reconciliation_status",
    "billed_cost_usd",
    "estimated_cost_usd",
)

#: Why a single-tenant page has no bill section: the bill's buckets hold every tenant's usage.
BILL_NOT_FOR_ONE_TENANT = (
    "not in a single-tenant report: the AWS bill's buckets hold every tenant's usage"
)

Progress = Callable[[str], None]


class UnknownTenantError(Exception):
    """--tenant names a tenant the usage mart does not hold."""


def _stderr_progress(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def money_units(value: Any) -> str | None:
    """A decimal amount in USD as an integer string of 1e-15 USD (None stays None)."""
    if value is None:
        return None
    amount = value if isinstance(value, Decimal) else Decimal(str(value))
    units = amount.quantize(_MONEY_QUANTUM, rounding=ROUND_HALF_EVEN).scaleb(MONEY_SCALE)
    return str(int(units))


def _int(value: Any) -> int:
    return int(value) if value is not None else 0


def _float(value: Any) -> float | None:
    return float(value) if value is not None else None


def _text(value: Any) -> str | None:
    return None if value is None else str(value)


@dataclass
class Section:
    """Rows for one part of the page, or why the part is not available."""

    columns: list[str]
    rows: list[list[Any]] | None = None
    unavailable: str | None = None

    def as_json(self) -> dict[str, Any]:
        if self.rows is None:
            return {"available": False, "reason": self.unavailable or NOT_AVAILABLE}
        return {"available": True, "columns": self.columns, "rows": self.rows}


@dataclass
class ReportData:
    source: str
    generated_at: str
    sections: dict[str, Section] = field(default_factory=dict)
    period_total_cost: Decimal | None = None
    period_invocations: int | None = None
    first_day: str | None = None
    last_day: str | None = None
    has_cache_savings: bool = False
    has_estimated_cost: bool = False
    omitted_tag_key_count: int = 0

    @property
    def available_count(self) -> int:
        return sum(1 for s in self.sections.values() if s.rows is not None)

    def as_json(self) -> dict[str, Any]:
        return {
            "meta": {
                "source": self.source,
                "generated_at": self.generated_at,
                "first_day": self.first_day,
                "last_day": self.last_day,
                "money_scale": MONEY_SCALE,
                "latency_buckets_per_octave": LATENCY_BUCKETS_PER_OCTAVE,
                "has_cache_savings": self.has_cache_savings,
                "has_estimated_cost": self.has_estimated_cost,
                "omitted_tag_key_count": self.omitted_tag_key_count,
                "not_available": NOT_AVAILABLE,
            },
            "check": {
                "total_cost_units": money_units(self.period_total_cost),
                "invocation_count": self.period_invocations,
            },
            "sections": {name: s.as_json() for name, s in self.sections.items()},
        }


@dataclass(frozen=True)
class TagLimits:
    """How much of the by-tag mart the page embeds: tag keys and values are anyone's text, and
    a tenant sending one-off keys or values must not grow the page without bound."""

    max_keys: int = DEFAULT_MAX_TAG_KEYS
    max_values_per_key: int = DEFAULT_MAX_TAG_VALUES


def _tag_value_ranks(by_tag: str) -> str:
    """CTEs ranking each key's values (by cost, then calls) and the keys (by tagged calls)."""
    return f"""
    with
    value_totals as (
        select
            tag_key,
            tag_value,
            sum(total_cost_usd) as total_cost_usd,
            sum(invocation_count) as invocation_count
        from {by_tag} as tagged
        where tag_value is not null
        group by tag_key, tag_value
    ),
    ranked_values as (
        select
            tag_key,
            tag_value,
            row_number() over (
                partition by tag_key
                order by total_cost_usd desc, invocation_count desc, tag_value
            ) as value_rank
        from value_totals
    ),
    ranked_keys as (
        select
            tag_key,
            count(*) as value_count,
            row_number() over (order by sum(invocation_count) desc, tag_key) as key_rank
        from value_totals
        group by tag_key
    )"""


def _tag_rows_sql(by_tag: str, limits: TagLimits) -> str:
    """The by-tag rows of the most used keys; beyond a key's top values, one "other" row per
    tenant and day (value_kind 'other', tag_value null). Every key's rows still add up to the
    tenant's day, so no token or cent is lost by the bound."""
    shown = f"ranked_values.value_rank <= {int(limits.max_values_per_key)}"
    return f"""{_tag_value_ranks(by_tag)}
    select
        cast(by_tag.usage_date as varchar) as usage_date,
        by_tag.tenant_id,
        by_tag.tag_key,
        case when {shown} then by_tag.tag_value end as tag_value,
        case
            when by_tag.tag_value is null then 'not_set'
            when {shown} then 'value'
            else 'other'
        end as value_kind,
        sum(by_tag.invocation_count),
        sum(by_tag.input_tokens),
        sum(by_tag.output_tokens),
        sum(by_tag.cache_read_input_tokens),
        sum(by_tag.cache_write_input_tokens),
        sum(by_tag.total_tokens),
        sum(by_tag.total_cost_usd)
    from {by_tag} as by_tag
    inner join ranked_keys
        on by_tag.tag_key = ranked_keys.tag_key and ranked_keys.key_rank <= {int(limits.max_keys)}
    left join ranked_values
        on by_tag.tag_key = ranked_values.tag_key and by_tag.tag_value = ranked_values.tag_value
    group by 1, 2, 3, 4, 5
    order by 1, 2, 3, 5, 4"""


def _tag_keys_sql(by_tag: str) -> str:
    """Every tag key with its number of distinct values and its rank."""
    return f"""{_tag_value_ranks(by_tag)}
    select tag_key, value_count, key_rank from ranked_keys order by key_rank"""


def _missing(table: str, needed: Sequence[str], columns: dict[str, set[str]]) -> str | None:
    """Why the table cannot feed its section, or None when it can."""
    if table not in columns:
        return f"{NOT_AVAILABLE} (the mart {table} is missing)"
    absent = [c for c in needed if c not in columns[table]]
    if absent:
        return f"{NOT_AVAILABLE} ({table} has no column {', '.join(absent)})"
    return None


def _tenant_scope(source: MartSource, tenant: str | None) -> Callable[[str], str]:
    """The relation every query reads a mart through: the mart itself, or, for a single-tenant
    page, only the tenant's rows, so nothing computed from another tenant (a rank, a count, a
    total) can reach the page."""
    schema = quote_identifier(source.schema)
    if tenant is None:
        return lambda table: f"{schema}.{table}"
    only = quote_literal(tenant)
    return lambda table: f"(select * from {schema}.{table} where tenant_id = {only})"


def _check_tenant(source: MartSource, tenant: str, columns: dict[str, set[str]]) -> None:
    if DAILY not in columns:
        return
    s = quote_identifier(source.schema)
    ((found,),) = source.fetch(
        f"select count(*) from {s}.{DAILY} where tenant_id = {quote_literal(tenant)}"
    )
    if _int(found) == 0:
        known = [
            str(r[0])
            for r in source.fetch(f"select distinct tenant_id from {s}.{DAILY} order by 1 limit 21")
        ]
        listed = ", ".join(printable(t) for t in known[:20]) + (", ..." if len(known) > 20 else "")
        raise UnknownTenantError(
            f"no tenant '{printable(tenant)}' in {DAILY} of {source.description}. "
            f"Tenants there: {listed or 'none'}."
        )


def read_report_data(
    source: MartSource,
    progress: Progress = _stderr_progress,
    limits: TagLimits | None = None,
    tenant: str | None = None,
) -> ReportData:
    """Every aggregated row the page embeds, read from the source's marts; with ``tenant``,
    only that tenant's rows (and no bill section)."""
    limits = limits or TagLimits()
    mart = _tenant_scope(source, tenant)
    data = ReportData(
        source=source.description if tenant is None else f"schema {source.schema}",
        generated_at=datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
    )
    progress(f"report: looking for the marts in {source.description}")
    columns = table_columns(source, TABLES)
    if tenant is not None:
        _check_tenant(source, tenant, columns)
        progress(f"report: embedding tenant '{printable(tenant)}' only")

    # Daily usage: tenant x day x model.
    daily_columns = [
        "usage_date",
        "tenant_id",
        "model_id",
        "invocations",
        "errors",
        "input_tokens",
        "output_tokens",
        "cache_read_tokens",
        "cache_write_tokens",
        "total_tokens",
        "input_cost",
        "output_cost",
        "cache_read_cost",
        "cache_write_cost",
        "total_cost",
        "cache_savings",
        "estimated_cost",
        "unpriced_invocations",
        "latency_samples",
    ]
    daily = Section(daily_columns)
    reason = _missing(DAILY, DAILY_COLUMNS, columns)
    if reason:
        daily.unavailable = reason
    else:
        data.has_cache_savings = SAVINGS_COLUMN in columns[DAILY]
        savings = SAVINGS_COLUMN if data.has_cache_savings else "cast(null as decimal(38, 15))"
        data.has_estimated_cost = ESTIMATED_COLUMN in columns[DAILY]
        estimated = ESTIMATED_COLUMN if data.has_estimated_cost else "cast(null as decimal(38, 15))"
        progress(f"report: reading {DAILY}")
        select = ", ".join(
            [
                "cast(usage_date as varchar)",
                *DAILY_COLUMNS[1:15],
                savings,
                estimated,
                *DAILY_COLUMNS[15:],
            ]
        )
        rows = source.fetch(f"select {select} from {mart(DAILY)} as daily order by 1, 2, 3")
        daily.rows = [
            [
                str(r[0]),
                str(r[1]),
                UNRESOLVED_MODEL if r[2] is None else str(r[2]),
                *(_int(v) for v in r[3:10]),
                *(money_units(v) or "0" for v in r[10:15]),
                money_units(r[15]),
                money_units(r[16]),
                _int(r[17]),
                _int(r[18]),
            ]
            for r in rows
        ]
        ((first, last, total, invocations),) = source.fetch(
            f"select cast(min(usage_date) as varchar), cast(max(usage_date) as varchar), "
            f"sum(total_cost_usd), sum(invocation_count) from {mart(DAILY)} as daily"
        )
        data.first_day, data.last_day = _text(first), _text(last)
        data.period_total_cost = Decimal(total) if total is not None else Decimal(0)
        data.period_invocations = _int(invocations)
    data.sections["daily"] = daily

    # Tokens and cost by tag: tenant x day x tag key x tag value, bounded (see _tag_rows_sql).
    tags = Section(
        [
            "usage_date",
            "tenant_id",
            "tag_key",
            "tag_value",
            "value_kind",
            "invocations",
            "input_tokens",
            "output_tokens",
            "cache_read_tokens",
            "cache_write_tokens",
            "total_tokens",
            "total_cost",
        ]
    )
    tag_keys = Section(["tag_key", "value_count", "shown_value_count"])
    reason = _missing(BY_TAG, TAG_COLUMNS, columns)
    if reason:
        tags.unavailable = tag_keys.unavailable = reason
    else:
        progress(f"report: reading {BY_TAG}")
        rows = source.fetch(_tag_rows_sql(mart(BY_TAG), limits))
        tags.rows = [
            [
                str(r[0]),
                str(r[1]),
                str(r[2]),
                _text(r[3]),
                str(r[4]),
                *(_int(v) for v in r[5:11]),
                money_units(r[11]) or "0",
            ]
            for r in rows
        ]
        keys = source.fetch(_tag_keys_sql(mart(BY_TAG)))
        tag_keys.rows = [
            [str(key), _int(count), min(_int(count), limits.max_values_per_key)]
            for key, count, rank in keys
            if _int(rank) <= limits.max_keys
        ]
        data.omitted_tag_key_count = len(keys) - len(tag_keys.rows)
    data.sections["tags"] = tags
    data.sections["tag_keys"] = tag_keys

    # Latency histograms: tenant x day x model x bucket, so percentiles survive any filter.
    latency = Section(["usage_date", "tenant_id", "model_id", "buckets"])
    reason = _missing(INVOCATIONS, LATENCY_COLUMNS, columns)
    if reason:
        latency.unavailable = reason
    else:
        progress(f"report: reading latency histograms from {INVOCATIONS}")
        per_octave = LATENCY_BUCKETS_PER_OCTAVE
        bucket = (
            f"cast(floor(ln(cast(greatest(latency_ms, 1) as double)) * {per_octave} / ln(2)) "
            "as integer)"
        )
        rows = source.fetch(
            f"select cast(usage_date as varchar), tenant_id, model_id, {bucket}, count(*) "
            f"from {mart(INVOCATIONS)} as invocations where latency_ms is not null "
            "group by 1, 2, 3, 4 order by 1, 2, 3, 4"
        )
        grouped: dict[tuple[str, str, str], list[list[int]]] = {}
        for day, row_tenant, model, bucket_index, count in rows:
            key = (str(day), str(row_tenant), UNRESOLVED_MODEL if model is None else str(model))
            grouped.setdefault(key, []).append([int(bucket_index), int(count)])
        latency.rows = [[*key, buckets] for key, buckets in grouped.items()]
    data.sections["latency"] = latency

    # Monthly statements: budget burn.
    statements = Section(
        [
            "statement_month",
            "tenant_id",
            "total_cost",
            "budget",
            "budget_share_used",
            "days_in_month",
            "days_elapsed",
            "is_month_complete",
            "projected_cost",
            "projected_budget_share",
            "budget_status",
            "as_of_date",
            "billed_cost",
        ]
    )
    reason = _missing(STATEMENTS, STATEMENT_COLUMNS, columns)
    if reason:
        statements.unavailable = reason
    else:
        progress(f"report: reading {STATEMENTS}")
        # the tenant's share of the AWS bill in cents (null without a bill; builds before the
        # bill reconciliation lack the column)
        billed = (
            BILLED_COLUMN
            if BILLED_COLUMN in columns.get(STATEMENTS, set())
            else "cast(null as decimal(38, 15))"
        )
        select = ", ".join(
            [
                "cast(statement_month as varchar)",
                *STATEMENT_COLUMNS[1:11],
                "cast(as_of_date as varchar)",
                billed,
            ]
        )
        rows = source.fetch(f"select {select} from {mart(STATEMENTS)} as statements order by 1, 2")
        statements.rows = [
            [
                str(r[0]),
                str(r[1]),
                money_units(r[2]) or "0",
                money_units(r[3]),
                _float(r[4]),
                _int(r[5]),
                _int(r[6]),
                bool(r[7]),
                money_units(r[8]),
                _float(r[9]),
                str(r[10]),
                _text(r[11]),
                money_units(r[12]),
            ]
            for r in rows
        ]
    data.sections["statements"] = statements

    # Cost anomalies: only the anomalous tenant-days.
    anomalies = Section(
        [
            "usage_date",
            "tenant_id",
            "total_cost",
            "baseline_median_cost",
            "baseline_day_count",
            "cost_ratio_to_baseline",
            "anomaly_multiplier",
            "excess_cost",
            "anomaly_kind",
        ]
    )
    reason = _missing(ANOMALIES, ANOMALY_COLUMNS, columns)
    if reason:
        anomalies.unavailable = reason
    else:
        progress(f"report: reading {ANOMALIES}")
        select = ", ".join(["cast(usage_date as varchar)", *ANOMALY_COLUMNS[1:]])
        rows = source.fetch(f"select {select} from {mart(ANOMALIES)} as anomalies order by 1, 2")
        anomalies.rows = [
            [
                str(r[0]),
                str(r[1]),
                money_units(r[2]) or "0",
                money_units(r[3]),
                _int(r[4]),
                _float(r[5]),
                _float(r[6]),
                money_units(r[7]) or "0",
                str(r[8]),
            ]
            for r in rows
        ]
    data.sections["anomalies"] = anomalies

    # The AWS bill against the logs: day x model x reconciliation status (empty without a bill).
    reconciliation = Section(
        ["usage_date", "model_id", "status", "buckets", "billed_cost", "estimated_cost"]
    )
    reason = (
        BILL_NOT_FOR_ONE_TENANT
        if tenant is not None
        else _missing(RECONCILIATION, RECONCILIATION_COLUMNS, columns)
    )
    if reason:
        reconciliation.unavailable = reason
    else:
        progress(f"report: reading {RECONCILIATION}")
        rows = source.fetch(
            "select cast(usage_date as varchar), model_id, reconciliation_status, count(*),"
            " sum(billed_cost_usd), sum(estimated_cost_usd)"
            f" from {mart(RECONCILIATION)} as bill group by 1, 2, 3 order by 1, 2, 3"
        )
        reconciliation.rows = [
            [
                str(r[0]),
                UNRESOLVED_MODEL if r[1] is None else str(r[1]),
                str(r[2]),
                _int(r[3]),
                money_units(r[4]) or "0",
                money_units(r[5]),
            ]
            for r in rows
        ]
    data.sections["reconciliation"] = reconciliation
    return data
