"""A CUR 2.0 export consistent with the sample logs: what AWS would bill for the calls they hold.

``sample-logs --cur-out DIR`` writes it beside the logs, so that ``make demo`` shows the bill
reconciliation. The bill is the generator's own record of every successful call (each once,
whatever the logs' re-deliveries and malformed lines), summed per hour, account, source Region,
model, token class, scope, service tier and context tier, and priced with the price catalog as
dbt builds it (:class:`bedrock_costs.price_catalog.Catalog`, checked row for row against dbt).
On top of that, the differences a real bill has:

- one delivery the logs lack (the generator does not write it; the bill still has its calls),
  so a few buckets are billed for more tokens than were logged;
- Claude billed through AWS Marketplace (``USE1-MP:USE1_InputTokenCount-Units``, an opaque
  product code, the model in the resource id), every other model as Bedrock usage
  (``USE1-NovaLite-input-tokens``);
- a credit line (a promotional credit of 1% of the month's usage), kept apart from usage.

Calls the catalog cannot price are left off the bill (they are unpriced in the marts too).
"""

from __future__ import annotations

import csv
import re
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Final

from bedrock_costs.cur_export import write_export
from bedrock_costs.price_catalog import Catalog, load_model_names, load_regions, load_rules
from bedrock_costs.pricing.seed import read_seed
from bedrock_costs.sample_logs import LoggedUsage

EXPORT_NAME: Final = "cur2"
PAYER_ACCOUNT: Final = "111122223333"
MARKETPLACE_PRODUCT_CODE: Final = "8ahn0mrnbh9d7eew3xi5l9tgy"
CREDIT_SHARE: Final = Decimal("0.01")
# Inference profile prefixes: geographic, or global.
_PROFILE = re.compile(r"^(us|eu|apac|jp|ca|au|us-gov|global)\.")
_ARN_MODEL = re.compile(
    r"^arn:aws[a-z-]*:bedrock:[^:]*:[^:]*:(foundation-model|inference-profile)/"
)
_APPLICATION_PROFILE = re.compile(r"application-inference-profile/([a-z0-9]+)$")
# token class (also the price attribute) -> (native usage-type class, Marketplace component)
_CLASSES: Final[dict[str, tuple[str, str]]] = {
    "input": ("input-tokens", "InputTokenCount"),
    "output": ("output-tokens", "OutputTokenCount"),
    "cache_read": ("cache-read-input-token-count", "CacheReadInputTokenCount"),
    "cache_write_5m": ("cache-write-input-token-count", "CacheWriteInputTokenCount"),
    "cache_write_1h": ("cache-write-1h-input-token-count", "CacheWrite1hInputTokenCount"),
}


class SampleBillError(ValueError):
    """A seed the bill needs is missing or lacks a Region or model the sample logs use."""


@dataclass(frozen=True)
class SampleBillStats:
    out_dir: Path
    periods: tuple[str, ...]
    usage_lines: int
    billed_usd: Decimal
    credit_usd: Decimal
    unpriced_calls: int

    def describe(self) -> str:
        return (
            f"Wrote a CUR 2.0 export ({EXPORT_NAME}, {', '.join(self.periods)}) under "
            f"{self.out_dir}: {self.usage_lines:,} usage lines billing ${self.billed_usd:,.2f} "
            f"and a credit of ${-self.credit_usd:,.2f}; {self.unpriced_calls:,} calls the price "
            "catalog cannot price are not on it. Build with --vars "
            f'\'{{"bedrock_cur_dir": "{self.out_dir}"}}\' to reconcile it with the logs.'
        )


@dataclass(frozen=True)
class _Resolved:
    model_id: str
    routing_scope: str  # in_region | geo | global (as the marts say)


def _resolve(model_id: str, application_profiles: Mapping[str, _Resolved]) -> _Resolved:
    """The base model and routing scope of a logged modelId, as the marts resolve it."""
    application = _APPLICATION_PROFILE.search(model_id)
    if application:
        return application_profiles[application.group(1)]
    name = _ARN_MODEL.sub("", model_id)
    profile = _PROFILE.match(name)
    if profile is None:
        return _Resolved(name, "in_region")
    return _Resolved(name[profile.end() :], "global" if profile.group(1) == "global" else "geo")


def _read(path: Path) -> list[dict[str, str]]:
    try:
        with path.open(newline="", encoding="utf-8") as handle:
            return list(csv.DictReader(handle))
    except FileNotFoundError as error:
        raise SampleBillError(
            f"the sample bill needs {path}, which is missing: run the command in the project "
            "folder, or give --seeds DIR"
        ) from error


@dataclass(frozen=True)
class BillSeeds:
    catalog: Catalog
    prefixes: Mapping[str, str]  # region -> usage type prefix
    names: Mapping[str, str]  # model id -> Price List name
    application_profiles: Mapping[str, _Resolved]
    long_context: Mapping[str, tuple[int, bool]]  # model id -> (threshold, counts cache)

    @classmethod
    def read(cls, seeds: Path) -> BillSeeds:
        try:
            listed = read_seed(seeds / "bedrock_model_prices.csv").rows
            catalog = Catalog.build(
                listed,
                load_rules(seeds / "bedrock_price_rules.csv"),
                load_regions(seeds / "bedrock_regions.csv"),
            )
            model_names = load_model_names(seeds / "bedrock_price_list_models.csv")
        except FileNotFoundError as error:
            raise SampleBillError(
                f"the sample bill is priced from the project's seeds and {error.filename} is "
                "missing: run the command in the project folder, or give --seeds DIR"
            ) from error
        except ValueError as error:  # a malformed seed (SeedFormatError, CatalogFileError)
            raise SampleBillError(f"cannot price the sample bill: {error}") from error
        prefixes: dict[str, str] = {}
        for row in _read(seeds / "bedrock_usage_type_regions.csv"):
            prefixes.setdefault(row["region"], row["usage_type_prefix"])
        names: dict[
            str, str
        ] = {}  # the first Price List name of each model, as the seed lists them
        for name, model_id in model_names.items():
            names.setdefault(model_id, name)
        profiles = {
            row["application_profile_id"]: _Resolved(row["model_id"], row["routing_scope"])
            for row in _read(seeds / "bedrock_application_inference_profiles.csv")
        }
        long_context = {
            row["model_id"]: (
                int(row["threshold_input_tokens"]),
                row["threshold_counts_cache_tokens"] == "true",
            )
            for row in _read(seeds / "bedrock_long_context_rules.csv")
        }
        return cls(catalog, prefixes, names, profiles, long_context)


def _context_tier(usage: LoggedUsage, model_id: str, seeds: BillSeeds) -> str:
    rule = seeds.long_context.get(model_id)
    if rule is None:
        return "standard"
    threshold, counts_cache = rule
    prompt = usage.input_tokens
    if counts_cache:
        prompt += (
            usage.cache_read_tokens + usage.cache_write_5m_tokens + usage.cache_write_1h_tokens
        )
    return "long_context" if prompt > threshold else "standard"


# token class -> the LoggedUsage field that counts it
_USAGE_FIELDS: Final = {
    "input": "input_tokens",
    "output": "output_tokens",
    "cache_read": "cache_read_tokens",
    "cache_write_5m": "cache_write_5m_tokens",
    "cache_write_1h": "cache_write_1h_tokens",
}


def _usage_type(prefix: str, bucket: _Bucket, seeds: BillSeeds) -> tuple[str, str, str, str]:
    """(usage type, pricing unit, product code, product name) of one bucket's line."""
    native_class, component = _CLASSES[bucket.token_class]
    if bucket.model_id.startswith("anthropic."):
        modifiers = ("_Global" if bucket.scope == "global" else "") + (
            "_long_ctx" if bucket.context_tier == "long_context" else ""
        )
        name = seeds.names.get(bucket.model_id, bucket.model_id)
        return (
            f"{prefix}-MP:{prefix}_{component}{modifiers}-Units",
            "Units",
            MARKETPLACE_PRODUCT_CODE,
            f"{name} (Amazon Bedrock Edition)",
        )
    name = re.sub(r"[^A-Za-z0-9.]", "", seeds.names.get(bucket.model_id, bucket.model_id))
    modifiers = (
        (f"-{bucket.service_tier}" if bucket.service_tier != "standard" else "")
        + ("-long-context" if bucket.context_tier == "long_context" else "")
        + ("-cross-region-global" if bucket.scope == "global" else "")
    )
    return (f"{prefix}-{name}-{native_class}{modifiers}", "1K tokens", "AmazonBedrock", "")


@dataclass(frozen=True, order=True)
class _Bucket:
    """One line of the bill: an hour of one model's token class in one account and Region."""

    hour: datetime
    account: str
    region: str
    model_id: str
    token_class: str
    scope: str  # global | regional (geo and in-Region calls share a usage type)
    service_tier: str
    context_tier: str


def _buckets(
    usage: Iterable[LoggedUsage], seeds: BillSeeds
) -> tuple[dict[_Bucket, Decimal], dict[_Bucket, int], int]:
    """Cost and tokens per bucket, and the number of calls the catalog cannot price."""
    costs: dict[_Bucket, Decimal] = defaultdict(Decimal)
    tokens: dict[_Bucket, int] = defaultdict(int)
    unpriced = 0
    for call in usage:
        resolved = _resolve(call.model_id, seeds.application_profiles)
        context = _context_tier(call, resolved.model_id, seeds)
        winners = seeds.catalog.winners(
            resolved.model_id,
            call.region,
            resolved.routing_scope,
            call.service_tier,
            context,
            call.hour.date(),
        )
        if not winners:
            unpriced += 1
            continue
        row = winners[0].row
        scope = "global" if resolved.routing_scope == "global" else "regional"
        for token_class in _CLASSES:
            count = int(getattr(call, _USAGE_FIELDS[token_class]))
            price = getattr(row, token_class)
            if not count or price is None:
                continue
            bucket = _Bucket(
                call.hour,
                call.account,
                call.region,
                resolved.model_id,
                token_class,
                scope,
                call.service_tier,
                context,
            )
            tokens[bucket] += count
            costs[bucket] += Decimal(count) * price / Decimal(1_000_000)
    return costs, tokens, unpriced


def read_bill_seeds(seeds: Path = Path("seeds")) -> BillSeeds:
    """What prices and names the bill (raises SampleBillError naming a missing or bad seed)."""
    return BillSeeds.read(seeds)


def write_sample_bill(
    usage: Iterable[LoggedUsage], out_dir: Path, seeds: BillSeeds
) -> SampleBillStats:
    """Write the export for ``usage`` under ``out_dir`` (one delivery per billing period)."""
    costs, tokens, unpriced = _buckets(usage, seeds)
    lines_by_period: dict[str, list[dict[str, str]]] = defaultdict(list)
    usage_by_period: dict[str, Decimal] = defaultdict(Decimal)
    for bucket in sorted(costs):
        prefix = seeds.prefixes.get(bucket.region)
        if prefix is None:
            raise SampleBillError(
                f"seeds/bedrock_usage_type_regions.csv has no prefix for {bucket.region}"
            )
        period = f"{bucket.hour:%Y-%m}"
        billed = costs[bucket].quantize(Decimal("1e-10"))
        lines_by_period[period].append(_line(bucket, prefix, tokens[bucket], billed, seeds))
        usage_by_period[period] += billed
    total_credit = Decimal(0)
    for period, lines in lines_by_period.items():
        credit = -(usage_by_period[period] * CREDIT_SHARE).quantize(Decimal("1e-10"))
        total_credit += credit
        first = min(line["line_item_usage_start_date"] for line in lines)
        lines.append(
            {
                **lines[0],
                "line_item_usage_start_date": first,
                "line_item_usage_end_date": first,
                "line_item_usage_type": "USE1-Promotional-Credit",
                "line_item_operation": "",
                "line_item_line_item_type": "Credit",
                "line_item_usage_amount": "0",
                "pricing_unit": "",
                "line_item_unblended_cost": str(credit),
                "line_item_net_unblended_cost": str(credit),
                "line_item_product_code": "AmazonBedrock",
                "line_item_resource_id": "",
                "product_product_name": "",
                "bill_billing_entity": "AWS",
            }
        )
        write_export(out_dir, EXPORT_NAME, period, lines, parts=2)
    return SampleBillStats(
        out_dir=out_dir,
        periods=tuple(sorted(lines_by_period)),
        usage_lines=sum(len(lines) - 1 for lines in lines_by_period.values()),
        billed_usd=sum(usage_by_period.values(), Decimal(0)),
        credit_usd=total_credit,
        unpriced_calls=unpriced,
    )


def _line(
    bucket: _Bucket, prefix: str, tokens: int, cost: Decimal, seeds: BillSeeds
) -> dict[str, str]:
    usage_type, unit, product_code, product_name = _usage_type(prefix, bucket, seeds)
    per_unit = Decimal(1_000_000) if unit == "Units" else Decimal(1000)
    partition = "aws-us-gov" if bucket.region.startswith("us-gov-") else "aws"
    end = bucket.hour + timedelta(hours=1)
    return {
        "bill_billing_period_start_date": f"{bucket.hour:%Y-%m}-01T00:00:00.000Z",
        "bill_payer_account_id": PAYER_ACCOUNT,
        "bill_billing_entity": "AWS Marketplace" if unit == "Units" else "AWS",
        "line_item_usage_account_id": bucket.account,
        "line_item_usage_start_date": f"{bucket.hour:%Y-%m-%dT%H}:00:00.000Z",
        "line_item_usage_end_date": f"{end:%Y-%m-%dT%H}:00:00.000Z",
        "line_item_product_code": product_code,
        "line_item_usage_type": usage_type,
        "line_item_operation": "InvokeModelInference",
        "line_item_line_item_type": "Usage",
        "line_item_usage_amount": str(Decimal(tokens) / per_unit),
        "pricing_unit": unit,
        "line_item_unblended_cost": str(cost),
        "line_item_net_unblended_cost": str(cost),
        "line_item_resource_id": (
            f"arn:{partition}:bedrock:{bucket.region}::foundation-model/{bucket.model_id}"
        ),
        "line_item_iam_principal": "",
        "product_product_name": product_name,
        "product_region_code": bucket.region,
    }
