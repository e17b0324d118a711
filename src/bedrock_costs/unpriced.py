"""Usage the logs show but the price seed cannot price, read from a DuckDB build's marts.

`pricing sync --check --database ...` lists it next to the Price List diff, so that a model
launched yesterday shows up in the scheduled check before anyone reads a report without it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import duckdb

from bedrock_costs.summary import quote_identifier
from bedrock_costs.untrusted import printable


class UnpricedReadError(Exception):
    """The database cannot be read, or it has no dq_unpriced_usage mart."""


@dataclass(frozen=True)
class UnpricedUsage:
    model_id: str
    region: str
    routing_scope: str
    service_tier: str
    invocation_count: int
    first_day: str
    last_day: str

    def describe(self) -> str:
        days = (
            self.first_day
            if self.first_day == self.last_day
            else (f"{self.first_day} .. {self.last_day}")
        )
        return (
            f"{printable(self.model_id)} in {printable(self.region)} "
            f"(scope {printable(self.routing_scope)}, tier {printable(self.service_tier)}): "
            f"{self.invocation_count:,} invocations, {days}"
        )


def read_unpriced_usage(database: Path, schema: str) -> list[UnpricedUsage]:
    """Each model, Region, scope and tier with unpriced invocations, most invocations first."""
    if not database.exists():
        raise UnpricedReadError(f"no DuckDB database at {database}: build it with dbt build")
    try:
        con = duckdb.connect(str(database), read_only=True)
    except duckdb.Error as exc:
        raise UnpricedReadError(f"could not open {database} ({exc})") from exc
    try:
        rows = con.sql(
            f"""
            select model_id, region, routing_scope, service_tier, sum(invocation_count),
                   cast(min(usage_date) as varchar), cast(max(usage_date) as varchar)
            from {quote_identifier(schema)}.dq_unpriced_usage
            group by all
            order by 5 desc, 1, 2, 3, 4
            """
        ).fetchall()
    except duckdb.Error as exc:
        raise UnpricedReadError(
            f"{database} has no {schema}.dq_unpriced_usage ({exc}): build it with dbt build"
        ) from exc
    finally:
        con.close()
    return [
        UnpricedUsage(str(r[0]), str(r[1]), str(r[2]), str(r[3]), int(r[4]), str(r[5]), str(r[6]))
        for r in rows
    ]
