"""The price catalog as dbt builds it, in Python: Regions, price rules and the winning price row.

``pricing sync`` compares Price List prices with what the catalog *charges*, not only with the
seed's literal rows: a us-east-1 price is already covered by a ``us`` region-group row or by a
row a rule derives (geo = 1.10 x global). This module mirrors ``int_pricing__model_prices`` (rule
expansion) and the macros ``bedrock_price_applies`` / ``bedrock_price_specificity``; a test
builds the catalog with dbt and checks that both agree row for row.

It also reads the seed that maps Price List model names to model ids
(``seeds/bedrock_price_list_models.csv``), which the bill reconciliation reads too.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import TYPE_CHECKING, Final

if TYPE_CHECKING:
    from bedrock_costs.pricing.rows import PriceRow

DEFAULT_REGIONS: Final = Path("seeds/bedrock_regions.csv")
DEFAULT_RULES: Final = Path("seeds/bedrock_price_rules.csv")
DEFAULT_MODEL_NAMES: Final = Path("seeds/bedrock_price_list_models.csv")
COMMERCIAL_PARTITION: Final = "aws"
_PRICE_NAMES: Final = ("input", "output", "cache_read", "cache_write_5m", "cache_write_1h")


class CatalogFileError(ValueError):
    """A catalog seed is missing a column or holds a value it cannot read."""


@dataclass(frozen=True)
class Region:
    region: str
    aws_partition: str
    region_group: str


@dataclass(frozen=True)
class PriceRule:
    rule_id: str
    model_id: str
    from_region: str | None
    from_routing_scope: str
    service_tier: str
    context_tier: str
    to_region: str | None
    to_routing_scope: str
    to_service_tier: str | None
    multiplier: Decimal
    effective_from: date
    effective_to: date | None

    def reads(self, row: PriceRow) -> bool:
        return (
            row.model_id == self.model_id
            and (self.from_region is None or row.region == self.from_region)
            and row.routing_scope == self.from_routing_scope
            and self.service_tier in ("*", row.service_tier)
            and self.context_tier in ("*", row.context_tier)
            and (self.effective_to is None or row.effective_from < self.effective_to)
            and (row.effective_to is None or row.effective_to > self.effective_from)
        )


@dataclass(frozen=True)
class CatalogRow:
    """A price row of the catalog: listed in the seed (``rule_id`` None) or derived by a rule."""

    row: PriceRow
    rule_id: str | None = None


def _read_csv(path: Path, required: Sequence[str]) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        missing = [name for name in required if name not in (reader.fieldnames or [])]
        if missing:
            raise CatalogFileError(f"{path}: missing column(s) {', '.join(missing)}")
        return [{k: (v or "").strip() for k, v in row.items() if k} for row in reader]


def _date(text: str, path: Path, column: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise CatalogFileError(f"{path}: {column} {text!r} is not a YYYY-MM-DD date") from None


def load_regions(path: Path = DEFAULT_REGIONS) -> dict[str, Region]:
    rows = _read_csv(path, ("region", "aws_partition", "region_group"))
    return {
        row["region"].lower(): Region(
            row["region"].lower(), row["aws_partition"].lower(), row["region_group"].lower()
        )
        for row in rows
    }


def load_rules(path: Path = DEFAULT_RULES) -> list[PriceRule]:
    columns = (
        "rule_id",
        "model_id",
        "from_region",
        "from_routing_scope",
        "service_tier",
        "context_tier",
        "to_region",
        "to_routing_scope",
        "to_service_tier",
        "multiplier",
        "effective_from",
        "effective_to",
    )
    rules = []
    for row in _read_csv(path, columns):
        try:
            multiplier = Decimal(row["multiplier"])
        except InvalidOperation:
            raise CatalogFileError(f"{path}: multiplier {row['multiplier']!r}") from None
        rules.append(
            PriceRule(
                rule_id=row["rule_id"],
                model_id=row["model_id"].lower(),
                from_region=row["from_region"].lower() or None,
                from_routing_scope=row["from_routing_scope"],
                service_tier=row["service_tier"],
                context_tier=row["context_tier"],
                to_region=row["to_region"].lower() or None,
                to_routing_scope=row["to_routing_scope"],
                to_service_tier=row["to_service_tier"] or None,
                multiplier=multiplier,
                effective_from=_date(row["effective_from"], path, "effective_from"),
                effective_to=(
                    _date(row["effective_to"], path, "effective_to")
                    if row["effective_to"]
                    else None
                ),
            )
        )
    return rules


def load_model_names(path: Path = DEFAULT_MODEL_NAMES) -> dict[str, str]:
    """Price List / billing model names -> base model ids."""
    rows = _read_csv(path, ("price_list_name", "model_id"))
    names: dict[str, str] = {}
    for row in rows:
        name, model_id = row["price_list_name"], row["model_id"].lower()
        if not name or not model_id:
            raise CatalogFileError(f"{path}: a row without price_list_name or model_id")
        if names.get(name, model_id) != model_id:
            raise CatalogFileError(f"{path}: {name!r} maps to {names[name]} and {model_id}")
        names[name] = model_id
    return names


def derive_rows(listed: Iterable[PriceRow], rules: Sequence[PriceRule]) -> list[CatalogRow]:
    """The rows the rules derive from listed rows (as ``int_pricing__model_prices`` does)."""
    derived = []
    for row in listed:
        for rule in rules:
            if not rule.reads(row):
                continue
            values: dict[str, Decimal | None] = {
                name: None if getattr(row, name) is None else getattr(row, name) * rule.multiplier
                for name in (*_PRICE_NAMES, "usd_per_unit")
            }
            ends = [end for end in (row.effective_to, rule.effective_to) if end is not None]
            derived_row = replace(
                row,
                region=rule.to_region or row.region,
                routing_scope=rule.to_routing_scope,
                service_tier=rule.to_service_tier or row.service_tier,
                effective_from=max(row.effective_from, rule.effective_from),
                effective_to=min(ends) if ends else None,
                source=f"rule {rule.rule_id} x {rule.multiplier} of {row.describe_key()}",
                cells=None,
                raw=None,
                input=values["input"],
                output=values["output"],
                cache_read=values["cache_read"],
                cache_write_5m=values["cache_write_5m"],
                cache_write_1h=values["cache_write_1h"],
                usd_per_unit=values["usd_per_unit"],
            )
            derived.append(CatalogRow(derived_row, rule.rule_id))
    return derived


def _is_commercial(info: Region | None) -> bool:
    return info is not None and info.aws_partition == COMMERCIAL_PARTITION


@dataclass(frozen=True)
class Catalog:
    """Listed and derived rows with the Region table; ``regions=None`` treats every Region as
    commercial and in no region group (the seed alone, as before the catalog had groups)."""

    rows: Sequence[CatalogRow]
    regions: Mapping[str, Region] | None = None

    @classmethod
    def build(
        cls,
        listed: Sequence[PriceRow],
        rules: Sequence[PriceRule] = (),
        regions: Mapping[str, Region] | None = None,
    ) -> Catalog:
        return cls([CatalogRow(row) for row in listed] + derive_rows(listed, rules), regions)

    def _applies(self, row: PriceRow, region: str, scope: str, day: date) -> int | None:
        """The specificity of ``row`` for a call from ``region`` with ``scope``, or None."""
        info = None if self.regions is None else self.regions.get(region)
        if row.region == region:
            region_rank = 0
        elif info is not None and row.region == info.region_group:
            region_rank = 2
        elif row.region == "*" and (self.regions is None or _is_commercial(info)):
            region_rank = 4
        else:
            return None
        if row.routing_scope not in (scope, "*"):
            return None
        if day < row.effective_from or (row.effective_to is not None and day >= row.effective_to):
            return None
        return region_rank + (1 if row.routing_scope == "*" else 0)

    def winners(
        self,
        model_id: str,
        region: str,
        scope: str,
        service_tier: str,
        context_tier: str,
        day: date,
    ) -> list[CatalogRow]:
        """The applying rows at the best specificity (one, unless the catalog has a tie)."""
        ranked: list[tuple[int, CatalogRow]] = []
        for item in self.rows:
            row = item.row
            if (row.model_id, row.service_tier, row.context_tier) != (
                model_id,
                service_tier,
                context_tier,
            ):
                continue
            rank = self._applies(row, region, scope, day)
            if rank is not None:
                ranked.append((rank, item))
        if not ranked:
            return []
        best = min(rank for rank, _ in ranked)
        return [item for rank, item in ranked if rank == best]
