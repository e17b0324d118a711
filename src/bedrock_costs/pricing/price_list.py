"""Fetching Amazon Bedrock's products from the AWS Price List API (pricing:GetProducts)."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Sequence
from typing import Any, Final

from bedrock_costs.pricing.rows import DEFAULT_SERVICE_CODES

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
