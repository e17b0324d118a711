"""Propose updates to the effective-dated price seed from the AWS Price List API.

``bedrock-costs pricing sync`` reads ``seeds/bedrock_model_prices.csv``, fetches the current
Amazon Bedrock prices from the Price List API (``pricing:GetProducts``), maps every price to a seed
key and shows what would change. It never overwrites a price: when an open row's price differs
from the Price List, that row is closed (``effective_to = today``) and a new row opens on the same
day, so invocations before today keep the price they had. New keys are appended, unchanged keys
are left alone, and open rows the Price List no longer has are only reported.

Mapping decisions:

* **Token class** comes from the usage type, matched component by component and exactly:
  ``CacheReadInputTokenCount``, ``CacheWrite1hInputTokenCount`` and ``InputTokenCount`` all end in
  ``InputTokenCount``, so suffix matching would misprice. ``inferenceType``, ``service_tier`` and
  ``feature`` are cross-checked; a product whose signals disagree is skipped, not guessed.
* **Routing scope**: ``_Global`` / ``-cross-region-global`` give ``global``; a plain usage type
  gives ``*``. The plain price is what the source Region charges for in-Region *and* geographic
  profile calls (for Claude >= 4.5 both are the +10 % regional price), and a ``global`` row, being
  more specific, wins for ``global.`` calls. A model without a global SKU thus prices ``global.``
  calls at its plain price, which is right for the models where AWS publishes no global SKU.
* **Service tier**: ``-batch`` / ``_Batch`` / ``feature: Batch Inference`` give ``batch``;
  ``-flex`` / ``-priority`` / ``service_tier`` give ``flex`` / ``priority``; otherwise ``standard``.
* **Context tier**: ``-long-context`` / ``_long_ctx`` / ``_LongContext`` give ``long_context``.
* **Units**: ``1K tokens`` x 1000; ``1M tokens`` and the Marketplace ``Units`` as they are (USD per
  1M tokens); ``Image`` / ``Second`` become ``price_unit`` ``image`` / ``video_second``.
* **Model id** from ``servicename`` (minus `` (Amazon Bedrock Edition)``), ``model``,
  ``titanModel`` or ``modelId``, canonicalised and looked up in the seed
  ``seeds/bedrock_price_list_models.csv`` (read by the bill reconciliation too). Names not in it
  are reported as ``unknown_model``; nothing is matched by containment.
* Not modelled by the seed and reported as skipped: provisioned throughput, reserved capacity,
  model customisation, latency-optimized inference, bedrock-mantle SKUs, audio / image *tokens*,
  30-minute cache writes, tiered (ranged) prices and zero input, output or unit prices (never
  recorded as free). A zero *cache* price is recorded as 0: AWS lists Nova cache writes at $0.
* Two products claiming the same key and token class with different prices make the whole key
  ``conflict``: it is left out of the proposal, so the seed keeps whatever it has.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import os
import re
import sys
import tempfile
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, Final, TextIO

from bedrock_costs.arg_types import iso_date, region_code
from bedrock_costs.exit_codes import EXIT_FAILURE, EXIT_OK, EXIT_STALE, EXIT_USAGE
from bedrock_costs.price_catalog import (
    DEFAULT_MODEL_NAMES,
    DEFAULT_REGIONS,
    DEFAULT_RULES,
    Catalog,
    CatalogFileError,
    CatalogRow,
    PriceRule,
    Region,
    load_model_names,
    load_regions,
    load_rules,
)
from bedrock_costs.price_offers import OfferFileError, read_offers

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

# ---------------------------------------------------------------------------------------------
# Model names -> model ids
# ---------------------------------------------------------------------------------------------

_MARKETPLACE_SUFFIX = re.compile(r"\s*\(amazon bedrock edition\)\s*$", re.IGNORECASE)
_PROVIDER_PREFIXES = (
    "amazon-",
    "anthropic-",
    "meta-",
    "mistral-ai-",
    "cohere-",
    "ai21-labs-",
    "ai21-",
    "deepseek-",
    "openai-",
)
_MODEL_ID_SHAPE = re.compile(r"^[a-z0-9-]+\.[a-z0-9.:-]+$")


def canonical_name(name: str) -> str:
    """Lower case, "+" spelled "plus", runs of non-alphanumerics -> "-", no edge hyphens."""
    text = _MARKETPLACE_SUFFIX.sub("", name).replace("+", " plus ")
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


class ModelResolver:
    """Exact lookup of Price List names in an alias table (plus the model ids themselves)."""

    def __init__(self, aliases: Mapping[str, str]) -> None:
        self._exact: dict[str, str] = {}
        self._compact: dict[str, str] = {}
        entries = list(aliases.items()) + [(model_id, model_id) for model_id in aliases.values()]
        for name, model_id in entries:
            canonical = canonical_name(name)
            for table, form in (
                (self._exact, canonical),
                (self._compact, canonical.replace("-", "")),
            ):
                known = table.setdefault(form, model_id)
                if known != model_id:
                    raise ValueError(f"alias {name!r} is ambiguous: {known} or {model_id}")

    def resolve(self, name: str) -> str | None:
        canonical = canonical_name(name)
        forms = [canonical]
        if canonical.endswith("-instruct"):
            forms.append(canonical.removesuffix("-instruct"))
        for prefix in _PROVIDER_PREFIXES:
            forms.extend(
                form.removeprefix(prefix) for form in list(forms) if form.startswith(prefix)
            )
        for form in forms:
            if form in self._exact:
                return self._exact[form]
        for form in forms:
            compact = form.replace("-", "")
            if compact in self._compact:
                return self._compact[compact]
        return None


# ---------------------------------------------------------------------------------------------
# Rows
# ---------------------------------------------------------------------------------------------


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


# ---------------------------------------------------------------------------------------------
# Fetching
# ---------------------------------------------------------------------------------------------

#: Key of the placeholder yielded for a PriceList element that is not valid JSON.
UNPARSEABLE_KEY: Final = "__unparseable__"


def make_pricing_client(region_name: str = "us-east-1") -> Any:
    """A boto3 ``pricing`` client (the API exists only in us-east-1, ap-south-1, eu-central-1)."""
    import boto3

    return boto3.client("pricing", region_name=region_name)


def fetch_price_list(
    client: Any,
    service_codes: Sequence[str] = DEFAULT_SERVICE_CODES,
    region_codes: Sequence[str] | None = None,
    *,
    progress: Callable[[str], None] | None = None,
    page_size: int = 100,
) -> Iterator[dict[str, Any]]:
    """Yield every product of ``service_codes``, following ``NextToken`` page by page.

    With ``region_codes`` each Region is queried separately with a ``TERM_MATCH`` filter on
    ``regionCode``. Each PriceList element (a JSON string) is parsed; an element that is not a JSON
    object is yielded as ``{UNPARSEABLE_KEY: <text>, "serviceCode": ...}`` so that
    :func:`products_to_price_rows` reports it instead of it vanishing.
    """
    regions: Sequence[str | None] = list(region_codes) if region_codes else [None]
    for service_code in service_codes:
        for region in regions:
            request: dict[str, Any] = {
                "ServiceCode": service_code,
                "FormatVersion": "aws_v1",
                "MaxResults": page_size,
            }
            if region is not None:
                request["Filters"] = [
                    {"Type": "TERM_MATCH", "Field": "regionCode", "Value": region}
                ]
            where = f" in {region}" if region else ""
            page = 0
            total = 0
            token: str | None = None
            while True:
                call = dict(request, NextToken=token) if token else request
                response = client.get_products(**call)
                items = response.get("PriceList", [])
                page += 1
                total += len(items)
                if progress is not None:
                    progress(
                        f"fetched {len(items)} products from {service_code}{where} "
                        f"(page {page}, {total} so far)"
                    )
                for item in items:
                    yield _parse_price_list_item(item, service_code)
                token = response.get("NextToken") or None
                if token is None:
                    break


def _parse_price_list_item(item: Any, service_code: str) -> dict[str, Any]:
    if isinstance(item, dict):
        product = item
    else:
        try:
            product = json.loads(item)
        except (TypeError, ValueError):
            product = None
        if not isinstance(product, dict):
            return {UNPARSEABLE_KEY: str(item)[:200], "serviceCode": service_code}
    if not isinstance(product, dict):
        return {UNPARSEABLE_KEY: str(product)[:200], "serviceCode": service_code}
    product.setdefault("serviceCode", service_code)
    return product


# ---------------------------------------------------------------------------------------------
# Products -> rows
# ---------------------------------------------------------------------------------------------


class _SkipError(Exception):
    def __init__(self, category: str, reason: str) -> None:
        super().__init__(reason)
        self.category = category
        self.reason = reason


@dataclass(frozen=True)
class _Usage:
    price_class: str  # a TOKEN_CLASSES member, or "unit" for per-image / per-second prices
    routing_scope: str
    service_tier: str | None  # None: the usage type names no tier
    context_tier: str
    marketplace: bool  # AmazonBedrockFoundationModels usage type (unit "Units" = per 1M)


@dataclass(frozen=True)
class _Component:
    key: Key
    price_class: str
    price_unit: str
    value: Decimal
    origin: Skipped  # the product's identity, with an empty reason


_FM_USAGE = re.compile(r"^(?P<reg>[A-Z]+[0-9]*)-MP:(?P<reg2>[A-Z]+[0-9]*)_(?P<component>.+)-Units$")
_PLAIN_USAGE = re.compile(r"^(?P<reg>[A-Z]+[0-9]*)-(?P<rest>.+)$")
#: Marketplace camel-case components, matched exactly (never by suffix).
_FM_CAMEL_BASES: Final[Mapping[str, str]] = {
    "InputTokenCount": "input",
    "OutputTokenCount": "output",
    "CacheReadInputTokenCount": "cache_read",
    "CacheWriteInputTokenCount": "cache_write_5m",
    "CacheWrite1hInputTokenCount": "cache_write_1h",
}
#: Marketplace snake-case components (Claude >= 4.7), as token sequences.
_FM_SNAKE_BASES: Final = (
    (("cache", "read", "tokens"), "cache_read"),
    (("cache", "write", "tokens"), "cache_write_5m"),
    (("input", "tokens"), "input"),
    (("output", "tokens"), "output"),
)
#: AmazonBedrock usage-type directions, as hyphen-separated token sequences.
_PLAIN_DIRECTIONS: Final = (
    (("cache", "read", "input", "token", "count"), "cache_read"),
    (("cache", "write", "input", "token", "count"), "cache_write_5m"),
    (("cache", "read", "input", "tokens"), "cache_read"),
    (("cache", "write", "input", "tokens"), "cache_write_5m"),
    (("cache", "read", "tokens"), "cache_read"),
    (("cache", "write", "tokens"), "cache_write_5m"),
    (("input", "tokens"), "input"),
    (("output", "tokens"), "output"),
)
_NON_TEXT_MODALITIES: Final = ("audio", "speech", "image", "video")
_NOT_MODELLED_FEATURES: Final = (
    "provisioned",
    "reserved",
    "customization",
    "customisation",
    "custom model",
    "training",
    "storage",
    "guardrail",
    "knowledge base",
    "evaluation",
    "data automation",
    "agent",
)
#: Token classes whose price AWS lists at 0 for some models (Nova cache writes): 0 is recorded.
_FREE_CLASSES: Final = ("cache_read", "cache_write_5m", "cache_write_1h")
_TOKEN_UNITS: Final[Mapping[str, Decimal]] = {
    "1k tokens": Decimal(1000),
    "1k token": Decimal(1000),
    "1m tokens": Decimal(1),
    "1m token": Decimal(1),
}
_PER_UNIT_UNITS: Final[Mapping[str, str]] = {
    "image": "image",
    "images": "image",
    "second": "video_second",
    "seconds": "video_second",
}


def products_to_price_rows(
    products: Iterable[Mapping[str, Any]],
    *,
    effective_from: date,
    retrieved: date,
    aliases: Mapping[str, str] | None = None,
    source: str = "AWS Price List API",
) -> tuple[list[PriceRow], list[Skipped]]:
    """Map Price List products to seed rows, one row per key with one column per token class.

    ``aliases`` maps Price List model names to model ids (default: the seed
    ``seeds/bedrock_price_list_models.csv``, read from the working directory).

    Every product ends either in a row or in the returned ``Skipped`` list with a reason.
    """
    resolver = ModelResolver(load_model_names() if aliases is None else aliases)
    skipped: list[Skipped] = []
    components: list[_Component] = []
    for product in products:
        origin = _identity(product)
        try:
            components.append(_component(product, origin, resolver))
        except _SkipError as skip:
            skipped.append(replace(origin, category=skip.category, reason=skip.reason))

    by_key: dict[Key, list[_Component]] = defaultdict(list)
    for component in components:
        by_key[component.key].append(component)

    rows: list[PriceRow] = []
    for key in sorted(by_key):
        group = by_key[key]
        problem = _group_problem(group)
        if problem is not None:
            skipped.extend(
                replace(c.origin, category=CONFLICT, reason=f"{problem}; key left out", key=key)
                for c in group
            )
            continue
        rows.append(_row_from_group(key, group, effective_from, retrieved, source))
    return rows, skipped


def _identity(product: Mapping[str, Any]) -> Skipped:
    attributes = _attributes(product) or {}
    service_code = str(product.get("serviceCode") or attributes.get("servicecode") or "")
    sku = ""
    inner = product.get("product")
    if isinstance(inner, Mapping):
        sku = str(inner.get("sku") or "")
    name = next(
        (
            str(attributes[k])
            for k in ("servicename", "model", "titanModel", "modelId")
            if attributes.get(k) and not (k == "servicename" and attributes[k] == "Amazon Bedrock")
        ),
        "",
    )
    return Skipped(
        category="",
        reason="",
        service_code=service_code,
        sku=sku,
        name=name,
        usagetype=str(attributes.get("usagetype") or ""),
        region=str(attributes.get("regionCode") or ""),
    )


def _attributes(product: Mapping[str, Any]) -> Mapping[str, Any] | None:
    inner = product.get("product")
    if not isinstance(inner, Mapping):
        return None
    attributes = inner.get("attributes")
    return attributes if isinstance(attributes, Mapping) else None


def _component(product: Mapping[str, Any], origin: Skipped, resolver: ModelResolver) -> _Component:
    if UNPARSEABLE_KEY in product:
        raise _SkipError(MALFORMED, "PriceList element is not a JSON object")
    attributes = _attributes(product)
    if attributes is None:
        raise _SkipError(MALFORMED, "no product.attributes")
    feature = str(attributes.get("feature") or "")
    if any(word in feature.lower() for word in _NOT_MODELLED_FEATURES):
        raise _SkipError(NOT_MODELLED, f"feature {feature!r} is not on-demand inference")
    price, unit, description = _on_demand_price(product)

    unit_key = unit.lower()
    if unit_key in _PER_UNIT_UNITS:
        usage = _per_unit_usage(origin.usagetype)
        price_unit = _PER_UNIT_UNITS[unit_key]
        scale = Decimal(1)
    else:
        usage = _token_usage(origin.usagetype, attributes)
        price_unit = "token"
        scale = _token_scale(unit, description, usage)
    tier = _resolve_tier(usage, attributes)

    model_id = _resolve_model(attributes, resolver)
    region = origin.region
    if not region:
        raise _SkipError(MALFORMED, "no regionCode attribute")
    if price == 0 and usage.price_class not in _FREE_CLASSES:
        raise _SkipError(ZERO_PRICE, "the Price List says 0; not recorded as free")
    key: Key = (model_id, region, usage.routing_scope, tier, usage.context_tier)
    value = price * scale
    return _Component(key, usage.price_class, price_unit, value, origin)


def _on_demand_price(product: Mapping[str, Any]) -> tuple[Decimal, str, str]:
    terms = product.get("terms")
    if not isinstance(terms, Mapping):
        raise _SkipError(MALFORMED, "no terms")
    on_demand = terms.get("OnDemand")
    if not isinstance(on_demand, Mapping) or not on_demand:
        others = sorted(str(name) for name, value in terms.items() if name != "OnDemand" and value)
        if others:
            raise _SkipError(NOT_MODELLED, f"no OnDemand terms (only {', '.join(others)})")
        raise _SkipError(MALFORMED, "no OnDemand terms")
    found: set[tuple[Decimal, str]] = set()
    description = ""
    for term in on_demand.values():
        dimensions = term.get("priceDimensions") if isinstance(term, Mapping) else None
        if not isinstance(dimensions, Mapping) or not dimensions:
            raise _SkipError(MALFORMED, "OnDemand term without priceDimensions")
        for dimension in dimensions.values():
            if not isinstance(dimension, Mapping):
                raise _SkipError(MALFORMED, "price dimension is not an object")
            unit = dimension.get("unit")
            if not isinstance(unit, str) or not unit.strip():
                raise _SkipError(MALFORMED, "price dimension without unit")
            per_unit = dimension.get("pricePerUnit")
            if not isinstance(per_unit, Mapping) or "USD" not in per_unit:
                raise _SkipError(MALFORMED, "price dimension without a USD price")
            price = _parse_price(per_unit["USD"])
            begin = str(dimension.get("beginRange", "0"))
            end = str(dimension.get("endRange", "Inf"))
            if begin != "0" or end != "Inf":
                raise _SkipError(NOT_MODELLED, f"tiered price (range {begin}-{end})")
            found.add((price, unit.strip()))
            description = description or str(dimension.get("description") or "")
    if len(found) != 1:
        listing = ", ".join(f"{price} per {unit}" for price, unit in sorted(found))
        raise _SkipError(MALFORMED, f"several OnDemand prices in one product: {listing}")
    (price, unit) = found.pop()
    return price, unit, description


def product_regions(products: Iterable[Mapping[str, Any]]) -> set[str]:
    """The ``regionCode`` values of the products (the Regions a fetch covered)."""
    return {
        str(code)
        for product in products
        if (code := (_attributes(product) or {}).get("regionCode"))
    }


def _parse_price(raw: Any) -> Decimal:
    if isinstance(raw, bool) or not isinstance(raw, str | int):
        raise _SkipError(MALFORMED, f"non-numeric price {raw!r}")
    try:
        price = Decimal(str(raw).strip())
    except InvalidOperation:
        raise _SkipError(MALFORMED, f"non-numeric price {raw!r}") from None
    if not price.is_finite() or price < 0:
        raise _SkipError(MALFORMED, f"invalid price {raw!r}")
    return price


def _token_usage(usagetype: str, attributes: Mapping[str, Any]) -> _Usage:
    if not usagetype:
        return _usage_from_inference_type(attributes)
    marketplace = _FM_USAGE.match(usagetype)
    if marketplace:
        return _marketplace_usage(marketplace.group("component"), usagetype)
    plain = _PLAIN_USAGE.match(usagetype)
    if plain:
        return _plain_usage(plain.group("rest").split("-"), usagetype)
    raise _SkipError(_unparsed_category(usagetype), f"unrecognised usage type {usagetype!r}")


def _unparsed_category(text: str) -> str:
    lowered = text.lower()
    if "token" in lowered and not any(w in lowered for w in ("reserved", "provisioned", "tpm")):
        return UNRECOGNISED_USAGE
    return NOT_MODELLED


def _marketplace_usage(component: str, usagetype: str) -> _Usage:
    parts = component.split("_")
    if parts[0] in _FM_CAMEL_BASES:
        return _apply_modifiers(_FM_CAMEL_BASES[parts[0]], parts[1:], usagetype, marketplace=True)
    lowered = [part.lower() for part in parts]
    for base, price_class in _FM_SNAKE_BASES:
        if tuple(lowered[: len(base)]) == base:
            return _apply_modifiers(price_class, lowered[len(base) :], usagetype, marketplace=True)
    raise _unparsed(component, usagetype, f"unrecognised token component {component!r} in")


def _plain_usage(tokens: list[str], usagetype: str) -> _Usage:
    lowered = [token.lower() for token in tokens]
    for start in range(len(lowered)):
        for direction, price_class in _PLAIN_DIRECTIONS:
            if tuple(lowered[start : start + len(direction)]) == direction:
                model_part = lowered[:start]
                _check_model_part(model_part, usagetype)
                rest = lowered[start + len(direction) :]
                return _apply_modifiers(price_class, rest, usagetype, marketplace=False)
    raise _unparsed(usagetype, usagetype, "no token direction found in usage type")


def _unparsed(text: str, usagetype: str, problem: str) -> _SkipError:
    """Why a usage type gave no price: not a per-token price at all, or a part not understood."""
    category = _unparsed_category(text)
    if category == NOT_MODELLED:
        return _SkipError(category, f"usage type {usagetype!r} is not a per-token price")
    return _SkipError(category, f"{problem} {usagetype!r}")


def _check_model_part(model_part: list[str], usagetype: str) -> None:
    if not model_part:
        raise _SkipError(UNRECOGNISED_USAGE, f"no model name in usage type {usagetype!r}")
    if model_part[-1] in _NON_TEXT_MODALITIES:
        raise _SkipError(NOT_MODELLED, f"{model_part[-1]} tokens have no seed column ({usagetype})")
    if "mantle" in model_part:
        raise _SkipError(NOT_MODELLED, f"bedrock-mantle endpoint SKU ({usagetype})")
    if "customization" in model_part:
        raise _SkipError(NOT_MODELLED, f"model customization SKU ({usagetype})")


def _apply_modifiers(
    price_class: str, modifiers: list[str], usagetype: str, *, marketplace: bool
) -> _Usage:
    scope = "*"
    tier: str | None = None
    context = "standard"
    words = [word.lower() for word in modifiers if word]
    index = 0

    def set_scope(value: str) -> None:
        nonlocal scope
        if scope not in ("*", value):
            raise _SkipError(UNRECOGNISED_USAGE, f"two routing scopes in {usagetype!r}")
        scope = value

    while index < len(words):
        word = words[index]
        pair = tuple(words[index : index + 2])
        triple = tuple(words[index : index + 3])
        step = 1
        if triple in (("cross", "region", "global"), ("cross", "region", "geo")):
            set_scope(triple[2])
            step = 3
        elif word in ("global", "geo"):
            set_scope(word)
        elif pair in (("long", "context"), ("long", "ctx")):
            context = "long_context"
            step = 2
        elif word in ("longcontext", "longctx"):
            context = "long_context"
        elif pair == ("latency", "optimized") or word == "latencyoptimized":
            raise _SkipError(
                NOT_MODELLED, f"latency-optimized inference has its own price ({usagetype})"
            )
        elif pair == ("custom", "model"):
            raise _SkipError(NOT_MODELLED, f"custom model SKU ({usagetype})")
        elif word in SERVICE_TIERS:
            if tier not in (None, word):
                raise _SkipError(UNRECOGNISED_USAGE, f"two service tiers in {usagetype!r}")
            tier = word
        elif word in ("1h", "5m", "30m") and price_class == "cache_write_5m":
            if word == "30m":
                raise _SkipError(
                    NOT_MODELLED, f"30-minute cache writes have no column ({usagetype})"
                )
            price_class = "cache_write_1h" if word == "1h" else price_class
        else:
            raise _SkipError(
                UNRECOGNISED_USAGE, f"unrecognised part {modifiers[index]!r} in {usagetype!r}"
            )
        index += step
    return _Usage(price_class, scope, tier, context, marketplace)


def _per_unit_usage(usagetype: str) -> _Usage:
    lowered = usagetype.lower()
    scope = "global" if ("cross-region-global" in lowered or "_global" in lowered) else "*"
    tiers = {tier for tier in ("batch", "flex", "priority") if re.search(rf"[-_]{tier}\b", lowered)}
    if len(tiers) > 1:
        raise _SkipError(UNRECOGNISED_USAGE, f"two service tiers in {usagetype!r}")
    return _Usage("unit", scope, tiers.pop() if tiers else None, "standard", marketplace=False)


def _usage_from_inference_type(attributes: Mapping[str, Any]) -> _Usage:
    direction, _tiers, scope = _attribute_signals(attributes)
    if direction is None:
        raise _SkipError(UNRECOGNISED_USAGE, "no usagetype and no token direction in inferenceType")
    price_class = "cache_write_5m" if direction == "cache_write" else direction
    return _Usage(price_class, scope or "*", None, "standard", marketplace=False)


def _attribute_signals(attributes: Mapping[str, Any]) -> tuple[str | None, set[str], str | None]:
    """Direction, tiers and scope named by inferenceType / service_tier / feature, if any."""
    inference_type = str(attributes.get("inferenceType") or "").lower()
    words = re.findall(r"[a-z0-9]+", inference_type)
    direction: str | None = None
    if "tokens" in words or "token" in words:
        if any(word in words for word in _NON_TEXT_MODALITIES):
            raise _SkipError(NOT_MODELLED, f"inferenceType {inference_type!r} has no seed column")
        if "cache" in words and "read" in words:
            direction = "cache_read"
        elif "cache" in words and "write" in words:
            direction = "cache_write_1h" if "1h" in words or "hour" in words else "cache_write"
        elif "output" in words:
            direction = "output"
        elif "input" in words:
            direction = "input"
    tiers = (
        {word for word in words if word in ("batch", "flex", "priority")} if direction else set()
    )
    scope = "global" if direction and "global" in words else None
    for tier_key in ("service_tier", "serviceTier"):
        declared = str(attributes.get(tier_key) or "").strip().lower()
        if declared:
            if declared not in SERVICE_TIERS:
                raise _SkipError(UNRECOGNISED_USAGE, f"unknown service_tier {declared!r}")
            tiers.add(declared)
    feature = str(attributes.get("feature") or "").lower()
    if "batch" in feature:
        tiers.add("batch")
    return direction, tiers, scope


def _resolve_tier(usage: _Usage, attributes: Mapping[str, Any]) -> str:
    direction, tiers, scope = _attribute_signals(attributes)
    if usage.service_tier is not None:
        tiers.add(usage.service_tier)
    if len(tiers) > 1:
        raise _SkipError(UNRECOGNISED_USAGE, f"inconsistent service tiers {sorted(tiers)}")
    if direction is not None and usage.price_class != "unit":
        compatible = direction == usage.price_class or (
            direction == "cache_write" and usage.price_class.startswith("cache_write")
        )
        if not compatible:
            raise _SkipError(
                UNRECOGNISED_USAGE,
                f"usagetype says {usage.price_class} but inferenceType says {direction}",
            )
    if scope == "global" and usage.routing_scope != "global":
        raise _SkipError(UNRECOGNISED_USAGE, "inferenceType says global but usagetype does not")
    return tiers.pop() if tiers else "standard"


def _token_scale(unit: str, description: str, usage: _Usage) -> Decimal:
    """Multiplier from the product's unit to USD per 1M tokens."""
    key = unit.lower()
    if key in _TOKEN_UNITS:
        return _TOKEN_UNITS[key]
    if key == "units" and usage.marketplace:
        text = description.lower()
        if "1k" in text or "thousand" in text:
            raise _SkipError(MALFORMED, f"unit 'Units' but description says {description!r}")
        return Decimal(1)  # Marketplace token SKUs are priced per 1M tokens
    raise _SkipError(MALFORMED, f"unknown unit {unit!r} for a token price")


def _resolve_model(attributes: Mapping[str, Any], resolver: ModelResolver) -> str:
    names: list[str] = []
    servicename = str(attributes.get("servicename") or "")
    if servicename and servicename != "Amazon Bedrock":
        names.append(servicename)
    names.extend(str(attributes[k]) for k in ("model", "titanModel") if attributes.get(k))
    model_id_attribute = str(attributes.get("modelId") or "").strip().lower()
    for name in names:
        resolved = resolver.resolve(name)
        if resolved is not None:
            return resolved
    if model_id_attribute and _MODEL_ID_SHAPE.match(model_id_attribute):
        resolved = resolver.resolve(model_id_attribute)
        if resolved is not None:
            return resolved
    shown = ", ".join(repr(n) for n in names) or "(no model name attribute)"
    hint = f" (modelId attribute {model_id_attribute!r})" if model_id_attribute else ""
    raise _SkipError(
        UNKNOWN_MODEL, f"no model id for {shown}{hint}; add it to {DEFAULT_MODEL_NAMES}"
    )


def _group_problem(group: Sequence[_Component]) -> str | None:
    units = {component.price_unit for component in group}
    if len(units) > 1:
        return f"mixes price units {sorted(units)}"
    by_class: dict[str, set[Decimal]] = defaultdict(set)
    for component in group:
        by_class[component.price_class].add(component.value)
    for price_class, values in sorted(by_class.items()):
        if len(values) > 1:
            listing = " / ".join(format_price(v) for v in sorted(values))
            return f"{len(values)} different {price_class} prices ({listing}) for one key"
    return None


def _row_from_group(
    key: Key, group: Sequence[_Component], effective_from: date, retrieved: date, source_name: str
) -> PriceRow:
    values: dict[str, Decimal | None] = dict.fromkeys(PRICE_FIELDS)
    for component in group:
        column = "usd_per_unit" if component.price_class == "unit" else component.price_class
        values[column] = component.value
    origins = sorted({f"{c.origin.service_code} {c.origin.name}".strip() for c in group})
    source = f"{source_name} {'; '.join(origins)} {key[1]} retrieved {retrieved.isoformat()}"
    model_id, region, scope, tier, context = key
    return PriceRow(
        model_id=model_id,
        region=region,
        routing_scope=scope,
        service_tier=tier,
        context_tier=context,
        price_unit=group[0].price_unit,
        input=values["input"],
        output=values["output"],
        cache_read=values["cache_read"],
        cache_write_5m=values["cache_write_5m"],
        cache_write_1h=values["cache_write_1h"],
        usd_per_unit=values["usd_per_unit"],
        effective_from=effective_from,
        effective_to=None,
        source=_clean_source(source),
    )


def _clean_source(text: str) -> str:
    return re.sub(r"\s+", " ", text.replace(",", ";")).strip()


# ---------------------------------------------------------------------------------------------
# Seed file
# ---------------------------------------------------------------------------------------------


class SeedFormatError(ValueError):
    """The seed file does not follow the contract (header, values)."""


@dataclass(frozen=True)
class SeedFile:
    """A parsed seed with what is needed to write it back byte for byte."""

    rows: list[PriceRow]
    header_raw: str = ",".join(SEED_HEADER) + "\n"
    line_terminator: str = "\n"
    bom: bool = False


def read_seed(path: Path) -> SeedFile:
    """Parse ``path``; raises ``FileNotFoundError`` or :class:`SeedFormatError`."""
    text = path.read_bytes().decode("utf-8")
    return parse_seed(text, name=str(path))


def parse_seed(text: str, *, name: str = "seed") -> SeedFile:
    bom = text.startswith("\ufeff")
    if bom:
        text = text[1:]
    lines = text.splitlines(keepends=True)
    consumed: list[str] = []
    line_number = 0

    def feed() -> Iterator[str]:
        for line in lines:
            consumed.append(line)
            yield line

    reader = csv.reader(feed())
    header = next(reader, None)
    if header is None:
        raise SeedFormatError(f"{name} is empty; expected the header {','.join(SEED_HEADER)}")
    header_raw = "".join(consumed)
    line_number += len(consumed)
    consumed.clear()
    if tuple(header) != SEED_HEADER:
        raise SeedFormatError(
            f"{name} does not have the expected header.\n  expected: {','.join(SEED_HEADER)}\n"
            f"  found:    {','.join(header)}"
        )
    terminator = "\r\n" if header_raw.endswith("\r\n") else "\n"
    rows: list[PriceRow] = []
    errors: list[str] = []
    for record in reader:
        raw = "".join(consumed)
        first_line = line_number + 1
        line_number += len(consumed)
        consumed.clear()
        if not record or all(not cell.strip() for cell in record):
            continue
        try:
            rows.append(_row_from_cells(tuple(record), raw))
        except SeedFormatError as error:
            errors.append(f"line {first_line}: {error}")
    if errors:
        shown = "\n  ".join(errors[:10])
        more = f"\n  ... and {len(errors) - 10} more" if len(errors) > 10 else ""
        raise SeedFormatError(f"{name} has invalid rows:\n  {shown}{more}")
    return SeedFile(rows=rows, header_raw=header_raw, line_terminator=terminator, bom=bom)


def _row_from_cells(cells: tuple[str, ...], raw: str) -> PriceRow:
    if len(cells) != len(SEED_HEADER):
        raise SeedFormatError(f"{len(cells)} cells, expected {len(SEED_HEADER)}")
    value = dict(zip(SEED_HEADER, cells, strict=True))
    for column in ("model_id", "region", "effective_from", "source"):
        if not value[column].strip():
            raise SeedFormatError(f"empty {column}")
    for column, allowed in (
        ("routing_scope", ROUTING_SCOPES),
        ("service_tier", SERVICE_TIERS),
        ("context_tier", CONTEXT_TIERS),
        ("price_unit", PRICE_UNITS),
    ):
        if value[column] not in allowed:
            raise SeedFormatError(f"{column} {value[column]!r} is not one of {', '.join(allowed)}")
    prices: dict[str, Decimal | None] = {}
    for short, column in zip(PRICE_FIELDS, SEED_HEADER[6:12], strict=True):
        prices[short] = _seed_decimal(value[column], column)
    effective_from = _seed_date(value["effective_from"], "effective_from")
    effective_to = (
        _seed_date(value["effective_to"], "effective_to") if value["effective_to"] else None
    )
    if effective_to is not None and effective_to < effective_from:
        raise SeedFormatError("effective_to is before effective_from")
    return PriceRow(
        model_id=value["model_id"],
        region=value["region"],
        routing_scope=value["routing_scope"],
        service_tier=value["service_tier"],
        context_tier=value["context_tier"],
        price_unit=value["price_unit"],
        **prices,
        effective_from=effective_from,
        effective_to=effective_to,
        source=value["source"],
        cells=cells,
        raw=raw,
    )


def _seed_decimal(text: str, column: str) -> Decimal | None:
    if not text.strip():
        return None
    try:
        number = Decimal(text.strip())
    except InvalidOperation:
        raise SeedFormatError(f"{column} {text!r} is not a number") from None
    if not number.is_finite() or number < 0:
        raise SeedFormatError(f"{column} {text!r} is not a non-negative number")
    return number


def _seed_date(text: str, column: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise SeedFormatError(f"{column} {text!r} is not a YYYY-MM-DD date") from None


def render_seed(rows: Sequence[PriceRow], template: SeedFile | None = None) -> str:
    """The CSV text for ``rows``: rows read from a file are written exactly as read."""
    template = template or SeedFile(rows=[])
    chunks: list[str] = []
    for row in rows:
        if row.raw is not None:
            chunks.append(row.raw)
        else:
            buffer = io.StringIO()
            csv.writer(buffer, lineterminator=template.line_terminator).writerow(row.to_cells())
            chunks.append(buffer.getvalue())
    header = template.header_raw
    if chunks and not header.endswith(("\n", "\r")):
        header += template.line_terminator
    for index in range(len(chunks) - 1):
        if not chunks[index].endswith(("\n", "\r")):
            chunks[index] += template.line_terminator
    return ("\ufeff" if template.bom else "") + header + "".join(chunks)


def write_seed(path: Path, rows: Sequence[PriceRow], template: SeedFile | None = None) -> None:
    """Write atomically (a temporary file in the same directory, then a rename)."""
    text = render_seed(rows, template)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="") as stream:
            stream.write(text)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


# ---------------------------------------------------------------------------------------------
# Proposal
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RowChange:
    """An open row whose price changed: it is closed and a new row opens the same day."""

    previous: PriceRow
    closed: PriceRow
    opened: PriceRow
    kept: tuple[str, ...] = ()


@dataclass(frozen=True)
class NewRow:
    """A key the seed did not have. ``overrides`` is the wildcard row that priced it until now."""

    row: PriceRow
    overrides: PriceRow | None = None
    kept: tuple[str, ...] = ()


@dataclass(frozen=True)
class Conflict:
    """A fetched price the proposal cannot apply without editing history; left for a human."""

    fetched: PriceRow
    reason: str


@dataclass
class Proposal:
    today: date
    rows: list[PriceRow]
    changed: list[RowChange] = field(default_factory=list)
    added: list[NewRow] = field(default_factory=list)
    unchanged: list[PriceRow] = field(default_factory=list)
    covered: list[tuple[PriceRow, PriceRow]] = field(default_factory=list)
    missing: list[PriceRow] = field(default_factory=list)
    ambiguous: list[PriceRow] = field(default_factory=list)
    kept: list[tuple[PriceRow, tuple[str, ...]]] = field(default_factory=list)
    conflicts: list[Conflict] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)

    @property
    def is_stale(self) -> bool:
        """True when the seed disagrees with the Price List (including unresolved conflicts)."""
        return bool(self.changed or self.added or self.conflicts)


def propose_update(
    current_rows: Sequence[PriceRow],
    fetched_rows: Sequence[PriceRow],
    *,
    today: date,
    skipped: Sequence[Skipped] = (),
    region_codes: Sequence[str] | None = None,
    rules: Sequence[PriceRule] = (),
    regions: Mapping[str, Region] | None = None,
) -> Proposal:
    """Compare fetched prices with the seed's open rows without rewriting any price.

    For each fetched key (model_id, region, routing_scope, service_tier, context_tier):

    * exact open row, same prices -> unchanged;
    * exact open row, other prices -> the row gets ``effective_to = today`` and a new row opens
      ``today`` (a conflict instead if the open row starts today or later);
    * no exact open row -> the row the dbt lookup would use today (exact Region before region
      group before ``*``, then exact scope before ``*``; with ``regions`` and ``rules`` the
      catalog as dbt builds it, see :mod:`bedrock_costs.price_catalog`) is compared: same
      prices -> covered, nothing to do; otherwise a new, more specific row is appended. When
      that row is derived by a price rule, a difference is a conflict: the rule, not a copy of
      its row, has to change.

    "Same prices" compares the classes the Price List has. A class only the seed has (for example
    a derived batch output price) is not evidence that the class became free or unpriced: it is
    kept, carried into any new row, and listed in ``kept``.

    Rows open on ``max(fetched.effective_from, today)``: nothing is back-dated automatically
    (back-date a brand-new key by hand if earlier invocations should be priced). Closed rows are
    never modified; rows the fetch did not cover are reported in ``missing``.
    """
    rows = list(current_rows)
    positions: dict[Key, list[int]] = defaultdict(list)
    for position, row in enumerate(rows):
        positions[row.key].append(position)
    proposal = Proposal(today=today, rows=rows, skipped=list(skipped))
    lookup = _CatalogLookup(rows, rules, regions)
    used: set[int] = set()
    fallback_agreement: dict[int, list[bool]] = defaultdict(list)
    seen: set[Key] = set()
    new_rows: list[PriceRow] = []

    for fetched in sorted(fetched_rows, key=lambda r: r.key):
        if fetched.key in seen:
            raise ValueError(f"fetched rows hold the key {fetched.describe_key()} twice")
        seen.add(fetched.key)
        exact = positions.get(fetched.key, [])
        open_exact = [p for p in exact if rows[p].is_open]
        used.update(open_exact)
        if len(open_exact) > 1:
            proposal.conflicts.append(Conflict(fetched, f"{len(open_exact)} open rows for the key"))
            continue
        if open_exact:
            current = rows[open_exact[0]]
            differs, merged, kept = _compare(current, fetched)
            if not differs:
                proposal.unchanged.append(current)
                if kept:
                    proposal.kept.append((current, kept))
                continue
            if current.effective_from >= today:
                proposal.conflicts.append(
                    Conflict(
                        fetched,
                        f"the open row starts {current.effective_from.isoformat()}, not before "
                        f"{today.isoformat()}; closing it would leave an empty range",
                    )
                )
                continue
            closed = current.closed_on(today)
            opened = replace(merged, effective_from=today, effective_to=None)
            rows[open_exact[0]] = closed
            lookup.invalidate()
            new_rows.append(opened)
            proposal.changed.append(RowChange(current, closed, opened, kept))
            continue

        winner = lookup.winner(fetched, today)
        fallback = None
        if winner is not None and winner.rule_id is not None:
            differs, _, kept = _compare(winner.row, fetched)
            if not differs:
                proposal.covered.append((fetched, winner.row))
            else:
                proposal.conflicts.append(
                    Conflict(
                        fetched,
                        f"priced today by rule {winner.rule_id} ({winner.row.source}) at "
                        f"{_price_changes(winner.row, fetched)}: change the rule in "
                        "seeds/bedrock_price_rules.csv, or close it and list the price, by hand",
                    )
                )
            continue
        if winner is not None:
            fallback = lookup.position(winner.row)
        kept = ()
        if fallback is not None:
            used.add(fallback)
            differs, merged, kept = _compare(rows[fallback], fetched)
            fallback_agreement[fallback].append(not differs)
            if not differs:
                proposal.covered.append((fetched, rows[fallback]))
                if kept:
                    proposal.kept.append((rows[fallback], kept))
                continue
            fetched = merged
        opens = max(fetched.effective_from, today)
        overlap = max(
            (end for p in exact if (end := rows[p].effective_to) is not None), default=None
        )
        if overlap is not None and overlap > opens:
            proposal.conflicts.append(
                Conflict(
                    fetched,
                    f"a closed row runs until {overlap.isoformat()}; a new row would overlap it",
                )
            )
            continue
        row = replace(fetched, effective_from=opens, effective_to=None)
        new_rows.append(row)
        overrides = rows[fallback] if fallback is not None else None
        proposal.added.append(NewRow(row, overrides, kept))

    for position, agreements in sorted(fallback_agreement.items()):
        if agreements and not any(agreements):
            row = rows[position]
            proposal.notes.append(
                f"the '*' row {row.describe_key()} (from {row.effective_from.isoformat()}) "
                f"differs from all {len(agreements)} fetched key(s) it covered; consider closing "
                "it by hand"
            )
    asked = set(region_codes) if region_codes else None
    if asked is not None and regions is not None:
        asked |= {regions[code].region_group for code in list(asked) if code in regions}
    ambiguous_keys = {item.key for item in skipped if item.category == CONFLICT and item.key}
    for position, row in enumerate(rows):
        if position in used or not row.is_open:
            continue
        if row.key in ambiguous_keys:
            proposal.ambiguous.append(row)
        elif asked is None or row.region == "*" or row.region in asked:
            proposal.missing.append(row)

    new_rows.sort(key=lambda r: (*r.key, r.effective_from))
    proposal.rows = rows + new_rows
    return proposal


def _compare(current: PriceRow, fetched: PriceRow) -> tuple[bool, PriceRow, tuple[str, ...]]:
    """Whether the fetched prices differ from ``current``, the fetched row completed with the
    classes only ``current`` has, and the names of those kept classes."""
    if current.price_unit != fetched.price_unit:
        return True, fetched, ()
    differs = any(
        getattr(fetched, name) is not None and getattr(fetched, name) != getattr(current, name)
        for name in PRICE_FIELDS
    )
    kept = tuple(
        name
        for name in PRICE_FIELDS
        if getattr(fetched, name) is None and getattr(current, name) is not None
    )
    if not kept:
        return differs, fetched, ()
    source = (
        f"{fetched.source}; {' '.join(kept)} kept from the seed row of "
        f"{current.effective_from.isoformat()} (not in the Price List)"
    )
    values = {name: getattr(current, name) for name in kept}
    return differs, replace(fetched, **values, source=_clean_source(source)), kept


class _CatalogLookup:
    """The catalog row dbt would price a fetched key with today, over the proposal's rows."""

    def __init__(
        self,
        rows: list[PriceRow],
        rules: Sequence[PriceRule],
        regions: Mapping[str, Region] | None,
    ) -> None:
        self._rows = rows
        self._rules = rules
        self._regions = regions
        self._catalog: Catalog | None = None

    def invalidate(self) -> None:
        self._catalog = None

    def winner(self, fetched: PriceRow, today: date) -> CatalogRow | None:
        if self._catalog is None:
            self._catalog = Catalog.build(self._rows, self._rules, self._regions)
        model_id, region, scope, tier, context = fetched.key
        call_scope = "in_region" if scope == "*" else scope
        winners = [
            item
            for item in self._catalog.winners(model_id, region, call_scope, tier, context, today)
            if not (item.rule_id is None and item.row.key == fetched.key)
        ]
        return winners[0] if winners else None

    def position(self, row: PriceRow) -> int:
        return next(i for i, candidate in enumerate(self._rows) if candidate is row)


# ---------------------------------------------------------------------------------------------
# Diff
# ---------------------------------------------------------------------------------------------


def render_diff(proposal: Proposal, *, verbose: bool = False, limit: int = 20) -> str:
    """Human-readable proposal: one line per change, a summary and the skipped products."""
    lines: list[str] = []
    for change in proposal.changed:
        previous, opened = change.previous, change.opened
        lines.append(
            f"~ {previous.describe_key()}: {_price_changes(previous, opened)}{_kept(change.kept)} "
            f"(closes the row from {previous.effective_from.isoformat()} on "
            f"{proposal.today.isoformat()}; opens {opened.effective_from.isoformat()})"
        )
    for new in proposal.added:
        row = new.row
        if new.overrides is not None:
            base = new.overrides
            detail = (
                f"new row overriding '{base.describe_key()}' for this key: "
                f"{_price_changes(base, row)}"
            )
        else:
            detail = f"new row {_price_list(row)}"
        lines.append(
            f"+ {row.describe_key()}: {detail}{_kept(new.kept)} "
            f"(opens {row.effective_from.isoformat()})"
        )
    for conflict in proposal.conflicts:
        lines.append(
            f"! {conflict.fetched.describe_key()}: not changed: {conflict.reason}; "
            f"Price List has {_price_list(conflict.fetched)}"
        )
    missing = proposal.missing if verbose else proposal.missing[:limit]
    for row in missing:
        lines.append(
            f"? {row.describe_key()}: open row (from {row.effective_from.isoformat()}) "
            "not in the fetched Price List; left as it is"
        )
    if len(missing) < len(proposal.missing):
        lines.append(
            f"? ... {len(proposal.missing) - len(missing)} more open rows not in the fetched "
            "Price List (--verbose lists them)"
        )
    for row in proposal.ambiguous:
        lines.append(
            f"? {row.describe_key()}: the Price List has several prices for this key "
            "(see conflict below); left as it is"
        )
    if verbose:
        for row, kept in proposal.kept:
            lines.append(f"= {row.describe_key()}: matches the Price List{_kept(kept)}")
    lines.extend(f"note: {note}" for note in proposal.notes)
    if not proposal.is_stale:
        lines.append("seed is up to date with the Price List")
    opened_count = len(proposal.changed) + len(proposal.added)
    lines.append(
        f"summary: {len(proposal.changed)} changed, {len(proposal.added)} new, "
        f"{len(proposal.unchanged)} unchanged, "
        f"{len(proposal.covered)} covered by wider or derived rows, "
        f"{len(proposal.missing)} not in the Price List, {len(proposal.ambiguous)} ambiguous, "
        f"{len(proposal.conflicts)} conflicts, {len(proposal.kept)} with seed-only prices kept; "
        f"{len(proposal.changed)} rows to close, {opened_count} to open; "
        f"{len(proposal.skipped)} products skipped"
    )
    lines.extend(_skipped_summary(proposal.skipped, list_all=verbose, limit=limit))
    return "\n".join(lines)


def _kept(kept: Sequence[str]) -> str:
    return f"; keeps {' '.join(kept)} (not in the Price List)" if kept else ""


def _price_changes(before: PriceRow, after: PriceRow) -> str:
    parts = []
    if before.price_unit != after.price_unit:
        parts.append(f"price_unit {before.price_unit} -> {after.price_unit}")
    for name in PRICE_FIELDS:
        old, new = getattr(before, name), getattr(after, name)
        if old != new:
            parts.append(f"{name} {_shown(before, name)} -> {_shown(after, name)}")
    return "; ".join(parts) or "same prices"


def _price_list(row: PriceRow) -> str:
    parts = [
        f"{name} {_shown(row, name)}" for name in PRICE_FIELDS if getattr(row, name) is not None
    ]
    return "; ".join(parts) or "no prices"


def _shown(row: PriceRow, name: str) -> str:
    return row.cell(name) or "(none)"


def _skipped_summary(skipped: Sequence[Skipped], *, list_all: bool, limit: int) -> list[str]:
    if not skipped:
        return []
    counts = Counter(item.category for item in skipped)
    lines = [
        f"skipped {len(skipped)} products: "
        + ", ".join(f"{count} {category}" for category, count in counts.most_common())
    ]
    unknown = Counter(
        item.name or "(unnamed)" for item in skipped if item.category == UNKNOWN_MODEL
    )
    if unknown:
        names = sorted(unknown.items())
        shown = names if list_all else names[:limit]
        lines.append(
            f"  unknown models (add them to {DEFAULT_MODEL_NAMES} if they are invoked): "
            + "; ".join(f"{name} ({count})" for name, count in shown)
            + (f"; ... {len(names) - len(shown)} more" if len(shown) < len(names) else "")
        )
    for category in (MALFORMED, UNRECOGNISED_USAGE, CONFLICT, ZERO_PRICE):
        items = [item for item in skipped if item.category == category]
        shown_items = items if list_all else items[:limit]
        lines.extend(f"  {category}: {item.describe()}" for item in shown_items)
        if len(shown_items) < len(items):
            lines.append(f"  {category}: ... {len(items) - len(shown_items)} more (--verbose)")
    reasons = Counter(_reason_family(item) for item in skipped if item.category == NOT_MODELLED)
    if reasons:
        lines.append(
            "  not modelled by the seed: "
            + "; ".join(f"{reason} ({count})" for reason, count in reasons.most_common())
        )
        if list_all:
            lines.extend(
                f"  {NOT_MODELLED}: {item.describe()}"
                for item in skipped
                if item.category == NOT_MODELLED
            )
    return lines


def _reason_family(item: Skipped) -> str:
    """The reason without the product's own usage type, so that like reasons group together."""
    reason = item.reason
    if item.usagetype:
        reason = reason.replace(repr(item.usagetype), "'<usagetype>'")
        reason = reason.replace(item.usagetype, "<usagetype>")
    return re.sub(r"\s*\(<usagetype>\)$", "", reason)


# ---------------------------------------------------------------------------------------------
# Orchestration and command line
# ---------------------------------------------------------------------------------------------


def run_sync(
    seed_path: Path,
    out_path: Path | None,
    check: bool,
    client: Any,
    today: date,
    *,
    region_codes: Sequence[str] | None = None,
    service_codes: Sequence[str] = DEFAULT_SERVICE_CODES,
    verbose: bool = False,
    stdout: TextIO | None = None,
    stderr: TextIO | None = None,
    database: Path | None = None,
    schema: str = "bedrock_marts",
    offers_dir: Path | None = None,
    rules_path: Path | None = None,
    regions_path: Path | None = None,
    model_names_path: Path | None = None,
) -> int:
    """Fetch, compare, print the diff; with ``out_path`` write the proposal there.

    Products come from the Price List API through ``client``, or with ``offers_dir`` from bulk
    offer files on disk (see :mod:`bedrock_costs.price_offers`). With ``rules_path`` and
    ``regions_path`` the comparison is with the catalog dbt builds (region groups, derived
    prices); ``model_names_path`` is the name -> model id seed (default
    seeds/bedrock_price_list_models.csv).

    With ``database`` (a DuckDB build), the usage its logs show without a price is listed too,
    and ``check`` fails on it as on a stale seed.

    Exit codes: 0 up to date or proposal printed/written; 1 ``check`` found the seed stale, or
    the Price List could not be read / gave no usable price; 2 usage errors (bad seed, bad flags).
    """
    out = stdout or sys.stdout
    err = stderr or sys.stderr
    if check and out_path is not None:
        print("error: --check and --out cannot be used together", file=err)
        return EXIT_USAGE
    try:
        seed = read_seed(seed_path)
    except FileNotFoundError:
        print(f"error: seed file not found: {seed_path}", file=err)
        return EXIT_USAGE
    except (SeedFormatError, UnicodeDecodeError) as error:
        print(f"error: {error}", file=err)
        return EXIT_USAGE
    try:
        aliases = load_model_names(model_names_path or DEFAULT_MODEL_NAMES)
        rules = load_rules(rules_path) if rules_path is not None else []
        regions = load_regions(regions_path) if regions_path is not None else None
    except (OSError, CatalogFileError, ValueError) as error:
        print(f"error: {error}", file=err)
        return EXIT_USAGE

    from botocore.exceptions import BotoCoreError, ClientError

    def progress(message: str) -> None:
        print(message, file=err, flush=True)

    try:
        if offers_dir is not None:
            products = list(read_offers(offers_dir, service_codes, region_codes, progress=progress))
        else:
            products = list(
                fetch_price_list(client, service_codes, region_codes, progress=progress)
            )
    except OfferFileError as error:
        print(f"error: {error}", file=err)
        return EXIT_FAILURE
    except (BotoCoreError, ClientError) as error:
        print(f"error: could not read the AWS Price List: {error}", file=err)
        return EXIT_FAILURE
    source = "AWS Price List offer files" if offers_dir is not None else "AWS Price List API"
    if offers_dir is not None and not region_codes:
        # only the Regions the files cover can say a row is missing from the Price List
        region_codes = sorted(product_regions(products))
    rows, skipped = products_to_price_rows(
        products, effective_from=today, retrieved=today, aliases=aliases, source=source
    )
    if not rows:
        print(
            f"error: none of the {len(products)} fetched products gave a usable price; "
            "refusing to compare (check --region-code and --service-code)",
            file=err,
        )
        for line in _skipped_summary(skipped, list_all=False, limit=20):
            print(line, file=err)
        return EXIT_FAILURE

    proposal = propose_update(
        seed.rows,
        rows,
        today=today,
        skipped=skipped,
        region_codes=region_codes,
        rules=rules,
        regions=regions,
    )
    print(render_diff(proposal, verbose=verbose), file=out)
    unpriced = []
    if database is not None:
        from bedrock_costs.unpriced import UnpricedReadError, read_unpriced_usage

        try:
            unpriced = read_unpriced_usage(database, schema)
        except UnpricedReadError as error:
            print(f"error: {error}", file=err)
            return EXIT_FAILURE
        for usage in unpriced:
            print(f"? seen in the logs without a price: {usage.describe()}", file=out)
    if check:
        if proposal.is_stale:
            print(f"{seed_path} is stale: run without --check and with --out to update", file=err)
            return EXIT_STALE
        if unpriced:
            print(
                f"{len(unpriced)} model/Region/scope/tier combinations in {database} have no "
                f'price: add rows to {seed_path} (docs/pricing.md, "Changing a price")',
                file=err,
            )
            return EXIT_STALE
        return EXIT_OK
    if out_path is not None:
        write_seed(out_path, proposal.rows, seed)
        print(f"wrote {len(proposal.rows)} rows to {out_path}", file=err)
    elif proposal.is_stale:
        print("dry run: nothing written (pass --out PATH to write the proposal)", file=err)
    return EXIT_OK


def add_pricing_parser(subparsers: Any) -> None:
    """Register ``pricing`` (with the sub-command ``sync``) on the CLI's sub-parsers."""
    pricing = subparsers.add_parser(
        "pricing",
        help="keep the price seed in step with the AWS Price List API",
        description="Price seed maintenance. `pricing sync` compares "
        "seeds/bedrock_model_prices.csv with the AWS Price List API.",
        epilog="Example: bedrock-costs pricing sync --check",
    )
    commands = pricing.add_subparsers(dest="pricing_command", metavar="SUBCOMMAND", required=True)
    sync = commands.add_parser(
        "sync",
        help="show (and optionally write) seed changes from the AWS Price List API",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description=(
            "Fetch Amazon Bedrock prices from the AWS Price List API (services AmazonBedrock and\n"
            "AmazonBedrockFoundationModels, via the `pricing` API in us-east-1), map them to seed\n"
            "keys (model_id, region, routing_scope, service_tier, context_tier) and print what\n"
            "would change. Prices are never overwritten: a changed open row is closed today and\n"
            "a new row opens today; new keys are appended; rows the Price List no longer has are\n"
            "only reported. Without --out nothing is written.\n"
            "Needs AWS credentials allowed pricing:GetProducts."
        ),
        epilog=(
            "Exit codes: 0 up to date (or proposal printed / written), 1 --check found the seed\n"
            "stale or the Price List could not be read, 2 bad arguments or an invalid seed.\n"
            "\n"
            "Example: bedrock-costs pricing sync --region-code us-east-1 us-west-2 "
            "--out seeds/bedrock_model_prices.csv"
        ),
    )
    sync.add_argument(
        "--seed",
        type=Path,
        default=DEFAULT_SEED,
        help=f"price seed to compare with (default {DEFAULT_SEED})",
    )
    mode = sync.add_mutually_exclusive_group()
    mode.add_argument(
        "--out",
        type=Path,
        default=None,
        help="write the proposed seed here (may be the --seed path; rows are only appended or "
        "closed)",
    )
    mode.add_argument(
        "--check",
        action="store_true",
        help="write nothing; exit 1 when the seed differs from the Price List (for CI)",
    )
    sync.add_argument(
        "--region-code",
        dest="region_codes",
        type=region_code,
        nargs="+",
        action="extend",
        metavar="REGION",
        default=None,
        help="only these source Regions (repeatable; default: every Region in the Price List)",
    )
    sync.add_argument(
        "--service-code",
        dest="service_codes",
        nargs="+",
        action="extend",
        metavar="CODE",
        default=None,
        help=f"Price List service codes (default: {' '.join(DEFAULT_SERVICE_CODES)})",
    )
    sync.add_argument(
        "--effective-date",
        type=iso_date,
        default=None,
        help="date that closes changed rows and opens new ones, YYYY-MM-DD (default: today UTC)",
    )
    sync.add_argument(
        "--pricing-region",
        choices=PRICING_API_REGIONS,
        default="us-east-1",
        help="Region of the Price List API endpoint (default us-east-1)",
    )
    sync.add_argument(
        "--verbose",
        action="store_true",
        help="list every Price List product that gave no seed price (not only a summary) and "
        "every matching row whose seed-only prices are kept",
    )
    sync.add_argument(
        "--database",
        type=Path,
        default=None,
        help="also list the models, Regions and tiers a DuckDB build's logs used without a "
        "price (its dq_unpriced_usage); --check then fails on them too",
    )
    sync.add_argument(
        "--schema",
        default="bedrock_marts",
        help="schema of the marts in --database (default bedrock_marts)",
    )
    sync.add_argument(
        "--offers-dir",
        type=Path,
        default=None,
        help="read the Price List bulk offer files under this folder instead of the API (no "
        "credentials, works offline): <DIR>/offers/v1.0/aws/<ServiceCode>/current/<region>/"
        "index.json, as downloaded from https://pricing.us-east-1.amazonaws.com",
    )
    sync.add_argument(
        "--rules",
        type=Path,
        default=DEFAULT_RULES,
        help=f"price rules seed; prices it derives count as present (default {DEFAULT_RULES})",
    )
    sync.add_argument(
        "--regions",
        type=Path,
        default=DEFAULT_REGIONS,
        help=f"Regions seed with partitions and region groups (default {DEFAULT_REGIONS})",
    )
    sync.add_argument(
        "--model-names",
        type=Path,
        default=DEFAULT_MODEL_NAMES,
        help=f"Price List model names -> model ids (default {DEFAULT_MODEL_NAMES})",
    )
    sync.set_defaults(handler=_cmd_pricing_sync)


def _cmd_pricing_sync(args: argparse.Namespace) -> int:
    today = args.effective_date or datetime.now(UTC).date()
    from botocore.exceptions import BotoCoreError

    client = None
    if args.offers_dir is None:
        try:
            client = make_pricing_client(args.pricing_region)
        except BotoCoreError as error:
            print(f"error: cannot create the AWS pricing client: {error}", file=sys.stderr)
            return EXIT_FAILURE
    return run_sync(
        args.seed,
        args.out,
        args.check,
        client,
        today,
        region_codes=args.region_codes,
        service_codes=tuple(args.service_codes or DEFAULT_SERVICE_CODES),
        verbose=args.verbose,
        database=args.database,
        schema=args.schema,
        offers_dir=args.offers_dir,
        rules_path=args.rules,
        regions_path=args.regions,
        model_names_path=args.model_names,
    )
