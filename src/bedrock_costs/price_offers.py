"""Read AWS Price List *bulk offer files* from disk, so that ``pricing sync`` runs offline.

AWS publishes every service's prices as JSON files, without credentials, at
``https://pricing.us-east-1.amazonaws.com/offers/v1.0/aws/<ServiceCode>/current/<region>/index.json``
(and one ``current/index.json`` for all Regions). Download them once (``curl`` or any browser),
keep the same folders under one directory, and point ``--offers-dir`` at it::

    <offers-dir>/offers/v1.0/aws/AmazonBedrock/current/us-east-1/index.json
    <offers-dir>/offers/v1.0/aws/AmazonBedrockFoundationModels/current/us-east-1/index.json

An offer file holds ``products`` keyed by SKU (``sku``, ``productFamily``, ``attributes``) and
``terms`` keyed by term type, then SKU, then offer term (``priceDimensions`` ...). Each product is
turned into the shape one element of ``pricing:GetProducts`` has (``product``, ``serviceCode``,
``terms`` with that SKU's terms only), so both sources go through the same mapping.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any, Final

OFFERS_SUBDIR: Final = Path("offers/v1.0/aws")


class OfferFileError(ValueError):
    """An offer file is missing, unreadable or not in the bulk format."""


def offer_files(
    root: Path, service_codes: Sequence[str], region_codes: Sequence[str] | None = None
) -> list[tuple[str, Path]]:
    """The (service code, file) pairs to read: one per Region asked for, else every Region found.

    Raises :class:`OfferFileError` naming the expected path when a file is missing.
    """
    found: list[tuple[str, Path]] = []
    for service_code in service_codes:
        current = root / OFFERS_SUBDIR / service_code / "current"
        if region_codes:
            for region in region_codes:
                path = current / region / "index.json"
                if not path.is_file():
                    raise OfferFileError(
                        f"no offer file for {service_code} in {region}: expected {path} "
                        f"(download https://pricing.us-east-1.amazonaws.com/{OFFERS_SUBDIR}/"
                        f"{service_code}/current/{region}/index.json)"
                    )
                found.append((service_code, path))
            continue
        per_region = sorted(current.glob("*/index.json"))
        if per_region:
            found.extend((service_code, path) for path in per_region)
        elif (current / "index.json").is_file():
            found.append((service_code, current / "index.json"))
        else:
            raise OfferFileError(
                f"no offer file for {service_code} under {current} (expected "
                f"<region>/index.json or index.json)"
            )
    return found


def read_offer_file(path: Path, service_code: str) -> Iterator[dict[str, Any]]:
    """Yield every product of one offer file in the ``GetProducts`` element shape."""
    try:
        offer = json.loads(path.read_bytes())
    except (OSError, ValueError) as error:
        raise OfferFileError(f"cannot read offer file {path}: {error}") from None
    if not isinstance(offer, dict) or not isinstance(offer.get("products"), dict):
        raise OfferFileError(f"{path} is not a Price List offer file (no 'products' object)")
    declared = offer.get("offerCode")
    if declared is not None and declared != service_code:
        raise OfferFileError(f"{path} holds offer {declared!r}, not {service_code!r}")
    raw_terms = offer.get("terms")
    terms: dict[str, Any] = raw_terms if isinstance(raw_terms, dict) else {}
    for sku, product in offer["products"].items():
        product_terms = {
            term_type: by_sku[sku]
            for term_type, by_sku in terms.items()
            if isinstance(by_sku, dict) and sku in by_sku
        }
        yield {
            "product": product,
            "serviceCode": service_code,
            "terms": product_terms,
            "publicationDate": offer.get("publicationDate"),
            "version": offer.get("version"),
        }


def read_offers(
    root: Path,
    service_codes: Sequence[str],
    region_codes: Sequence[str] | None = None,
    *,
    progress: Callable[[str], None] | None = None,
) -> Iterator[dict[str, Any]]:
    """Yield the products of every offer file under ``root`` (see the module docstring)."""
    for service_code, path in offer_files(root, service_codes, region_codes):
        count = 0
        for product in read_offer_file(path, service_code):
            count += 1
            yield product
        if progress is not None:
            progress(f"read {count} products from {path}")
