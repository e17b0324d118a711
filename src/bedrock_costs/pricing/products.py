"""Price List products -> seed rows.

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

import re
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any, Final

from bedrock_costs.price_catalog import (
    DEFAULT_MODEL_NAMES,
    load_model_names,
)
from bedrock_costs.pricing.model_names import MODEL_ID_SHAPE, ModelResolver
from bedrock_costs.pricing.price_list import UNPARSEABLE_KEY
from bedrock_costs.pricing.rows import (
    CONFLICT,
    MALFORMED,
    NOT_MODELLED,
    PRICE_FIELDS,
    SERVICE_TIERS,
    UNKNOWN_MODEL,
    UNRECOGNISED_USAGE,
    ZERO_PRICE,
    Key,
    PriceRow,
    Skipped,
    clean_source,
    format_price,
)


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
    if model_id_attribute and MODEL_ID_SHAPE.match(model_id_attribute):
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
        source=clean_source(source),
    )
