"""The price seed's rows and vocabulary: the columns of seeds/bedrock_model_prices.csv, the
routing scopes, tiers and units a row may have, the reasons a Price List product is skipped, and
PriceRow itself.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Final

DEFAULT_SEED: Final = Path("seeds/bedrock_model_prices.csv")
DEFAULT_SERVICE_CODES: Final = ("AmazonBedrock", "AmazonBedrockFoundationModels")
#: The Price List API is served only from these Regions.
PRICING_API_REGIONS: Final = ("us-east-1", "ap-south-1", "eu-central-1")

SEED_HEADER: Final = (
    "model_id",
    "region",
    "routing_scope",
    "service_tier",
    "context_tier",
    "price_unit",
    "input_usd_per_1m_tokens",
    "output_usd_per_1m_tokens",
    "cache_read_usd_per_1m_tokens",
    "cache_write_5m_usd_per_1m_tokens",
    "cache_write_1h_usd_per_1m_tokens",
    "usd_per_unit",
    "effective_from",
    "effective_to",
    "source",
)
#: Short names of the price columns, in header order (also the PriceRow attribute names).
PRICE_FIELDS: Final = (
    "input",
    "output",
    "cache_read",
    "cache_write_5m",
    "cache_write_1h",
    "usd_per_unit",
)
TOKEN_CLASSES: Final = PRICE_FIELDS[:5]
ROUTING_SCOPES: Final = ("in_region", "geo", "global", "*")
SERVICE_TIERS: Final = ("standard", "priority", "flex", "batch")
CONTEXT_TIERS: Final = ("standard", "long_context")
PRICE_UNITS: Final = ("token", "image", "video_second")

# Skipped categories.
MALFORMED: Final = "malformed"
UNKNOWN_MODEL: Final = "unknown_model"
UNRECOGNISED_USAGE: Final = "unrecognised_usage"
NOT_MODELLED: Final = "not_modelled"
ZERO_PRICE: Final = "zero_price"
CONFLICT: Final = "conflict"


Key = tuple[str, str, str, str, str]


@dataclass(frozen=True)
class PriceRow:
    """One seed row. Prices are USD per 1M tokens (token rows) or per unit (image/video rows).

    ``cells`` and ``raw`` hold the row exactly as read from a seed file (``None`` for rows built
    from the Price List); they let unchanged rows be written back byte for byte.
    """

    model_id: str
    region: str
    routing_scope: str
    service_tier: str
    context_tier: str
    price_unit: str
    input: Decimal | None
    output: Decimal | None
    cache_read: Decimal | None
    cache_write_5m: Decimal | None
    cache_write_1h: Decimal | None
    usd_per_unit: Decimal | None
    effective_from: date
    effective_to: date | None
    source: str
    cells: tuple[str, ...] | None = field(default=None, compare=False, repr=False)
    raw: str | None = field(default=None, compare=False, repr=False)

    @property
    def key(self) -> Key:
        return (
            self.model_id,
            self.region,
            self.routing_scope,
            self.service_tier,
            self.context_tier,
        )

    @property
    def is_open(self) -> bool:
        return self.effective_to is None

    def prices(self) -> tuple[Decimal | None, ...]:
        return tuple(getattr(self, name) for name in PRICE_FIELDS)

    def cell(self, name: str) -> str:
        """The text of a column: as read when the row came from a file, else formatted."""
        index = SEED_HEADER.index(name) if name in SEED_HEADER else _price_index(name)
        return self.to_cells()[index]

    def to_cells(self) -> tuple[str, ...]:
        if self.cells is not None:
            return self.cells
        return (
            self.model_id,
            self.region,
            self.routing_scope,
            self.service_tier,
            self.context_tier,
            self.price_unit,
            *(format_price(value) for value in self.prices()),
            self.effective_from.isoformat(),
            self.effective_to.isoformat() if self.effective_to else "",
            self.source,
        )

    def closed_on(self, day: date) -> PriceRow:
        """This row with ``effective_to = day``; every other cell stays as it was read."""
        cells = list(self.to_cells())
        cells[SEED_HEADER.index("effective_to")] = day.isoformat()
        return replace(self, effective_to=day, cells=tuple(cells), raw=None)

    def describe_key(self) -> str:
        return " ".join(self.key)


def _price_index(short_name: str) -> int:
    return SEED_HEADER.index("input_usd_per_1m_tokens") + PRICE_FIELDS.index(short_name)


def format_price(value: Decimal | None) -> str:
    """``None`` -> empty cell; otherwise plain notation with at least two decimals."""
    if value is None:
        return ""
    normalized = value.normalize()
    exponent = normalized.as_tuple().exponent
    if isinstance(exponent, int) and exponent > -2:
        normalized = normalized.quantize(Decimal("0.01"))
    return format(normalized, "f")


@dataclass(frozen=True)
class Skipped:
    """A Price List product that produced no seed price, and why."""

    category: str
    reason: str
    service_code: str = ""
    sku: str = ""
    name: str = ""
    usagetype: str = ""
    region: str = ""
    #: The seed key the product mapped to, when known (set for ``conflict``).
    key: Key | None = None

    def describe(self) -> str:
        where = " ".join(part for part in (self.service_code, self.sku) if part) or "product"
        what = "; ".join(
            part
            for part in (
                f"name {self.name!r}" if self.name else "",
                f"usagetype {self.usagetype}" if self.usagetype else "",
                self.region,
            )
            if part
        )
        return f"{where} ({what}): {self.reason}" if what else f"{where}: {self.reason}"


def price_changes(before: PriceRow, after: PriceRow) -> str:
    parts = []
    if before.price_unit != after.price_unit:
        parts.append(f"price_unit {before.price_unit} -> {after.price_unit}")
    for name in PRICE_FIELDS:
        old, new = getattr(before, name), getattr(after, name)
        if old != new:
            parts.append(f"{name} {shown_price(before, name)} -> {shown_price(after, name)}")
    return "; ".join(parts) or "same prices"


def shown_price(row: PriceRow, name: str) -> str:
    return row.cell(name) or "(none)"


def clean_source(text: str) -> str:
    return re.sub(r"\s+", " ", text.replace(",", ";")).strip()
