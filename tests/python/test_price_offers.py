"""`pricing sync --offers-dir`: the Price List bulk offer files, read offline, against the catalog.

tests/python/fixtures/price_list_offers holds small excerpts in the bulk offer file format
(``offers/v1.0/aws/<ServiceCode>/current/<region>/index.json``: ``products`` by SKU, ``terms`` by
term type and SKU). Attribute names and usage types are those of the Price List; SKUs are made
up and the prices are the cited list prices of the seed (see docs/price-sources.md), so that the
shipped catalog must reproduce every one of them.
"""

from __future__ import annotations

import io
import json
import shutil
from datetime import date
from pathlib import Path

import pytest

from bedrock_costs import exit_codes
from bedrock_costs import pricing_sync as ps
from bedrock_costs.price_catalog import load_model_names
from bedrock_costs.price_offers import OfferFileError, offer_files, read_offers
from bedrock_costs.pricing import products as pricing_products
from bedrock_costs.pricing import rows as pricing_rows
from bedrock_costs.pricing import seed as pricing_seed

PROJECT = Path(__file__).resolve().parents[2]
OFFERS = PROJECT / "tests" / "python" / "fixtures" / "price_list_offers"
SEEDS = PROJECT / "seeds"
TODAY = date(2026, 12, 2)


def sync(
    offers: Path, seed: Path = SEEDS / "bedrock_model_prices.csv", **kwargs: object
) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = ps.run_sync(
        seed,
        kwargs.pop("out_path", None),  # type: ignore[arg-type]
        bool(kwargs.pop("check", False)),
        None,
        TODAY,
        offers_dir=offers,
        rules_path=SEEDS / "bedrock_price_rules.csv",
        regions_path=SEEDS / "bedrock_regions.csv",
        model_names_path=SEEDS / "bedrock_price_list_models.csv",
        stdout=out,
        stderr=err,
        verbose=True,
        **kwargs,  # type: ignore[arg-type]
    )
    return code, out.getvalue(), err.getvalue()


def fetched_rows(offers: Path) -> list[pricing_rows.PriceRow]:
    products = list(read_offers(offers, pricing_rows.DEFAULT_SERVICE_CODES))
    rows, _ = pricing_products.products_to_price_rows(
        products,
        effective_from=TODAY,
        retrieved=TODAY,
        aliases=load_model_names(SEEDS / "bedrock_price_list_models.csv"),
    )
    return rows


def test_every_excerpt_price_is_what_the_shipped_catalog_charges() -> None:
    rows = fetched_rows(OFFERS)
    # the excerpts cover per-Region rows, region groups, rules (geo, GovCloud, flex, priority)
    assert {row.region for row in rows} == {"us-east-1", "eu-west-1", "ap-south-1", "us-gov-west-1"}
    assert {row.service_tier for row in rows} >= {"standard", "flex", "priority", "batch"}
    code, out, err = sync(OFFERS, check=True)
    assert code == exit_codes.EXIT_OK, out + err
    assert "seed is up to date with the Price List" in out
    summary = next(line for line in out.splitlines() if line.startswith("summary:"))
    assert "0 changed, 0 new" in summary
    assert "0 conflicts" in summary
    unchanged = int(summary.split(" unchanged")[0].rsplit(" ", 1)[-1])
    covered = int(summary.split(" covered")[0].rsplit(" ", 1)[-1])
    assert unchanged + covered == len(rows)


def edit_price(path: Path, usagetype: str, usd: str) -> None:
    offer = json.loads(path.read_text())
    sku = next(
        sku for sku, p in offer["products"].items() if p["attributes"]["usagetype"] == usagetype
    )
    for term in offer["terms"]["OnDemand"][sku].values():
        for dimension in term["priceDimensions"].values():
            dimension["pricePerUnit"]["USD"] = usd
    path.write_text(json.dumps(offer))


def test_a_changed_listed_price_is_a_new_row_and_a_changed_derived_price_a_conflict(
    tmp_path: Path,
) -> None:
    offers = tmp_path / "offers"
    shutil.copytree(OFFERS, offers)
    aws = offers / "offers/v1.0/aws"
    # Nova Lite from eu-west-1 today bills the 'eu' region-group row (0.078 in)
    edit_price(
        aws / "AmazonBedrock/current/eu-west-1/index.json",
        "EU-NovaLite-input-tokens",
        "0.0000900000",
    )
    # Sonnet 4.5 geo in us-east-1 is 1.10 x global by the regional_premium rule
    edit_price(
        aws / "AmazonBedrockFoundationModels/current/us-east-1/index.json",
        "USE1-MP:USE1_InputTokenCount-Units",
        "3.5",
    )
    code, out, err = sync(offers, check=True)
    assert code == exit_codes.EXIT_STALE, out + err
    assert (
        "+ amazon.nova-lite-v1:0 eu-west-1 * standard standard: new row overriding "
        "'amazon.nova-lite-v1:0 eu * standard standard' for this key: input 0.078 -> 0.09"
    ) in out
    conflict = next(
        line for line in out.splitlines() if line.startswith("! anthropic.claude-sonnet-4-5")
    )
    assert "priced today by rule regional_premium" in conflict
    assert "seeds/bedrock_price_rules.csv" in conflict


def test_products_it_cannot_map_are_listed_never_dropped() -> None:
    _, out, _ = sync(OFFERS)
    assert (
        "unknown models (add them to seeds/bedrock_price_list_models.csv if they are invoked): "
        in out
    )
    assert "Acme Frontier 1 (Amazon Bedrock Edition)" in out
    assert "feature 'Guardrail' is not on-demand inference" in out


def test_a_missing_offer_file_names_the_download_address() -> None:
    with pytest.raises(OfferFileError, match=r"current/eu-central-1/index\.json"):
        offer_files(OFFERS, ["AmazonBedrock"], ["eu-central-1"])
    code, _, err = sync(OFFERS, region_codes=["eu-central-1"])
    assert code == exit_codes.EXIT_FAILURE
    assert (
        "https://pricing.us-east-1.amazonaws.com/offers/v1.0/aws/AmazonBedrock/current/"
        "eu-central-1/index.json" in err
    )


def test_a_file_that_is_not_an_offer_file_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "offers/v1.0/aws/AmazonBedrock/current/us-east-1/index.json"
    path.parent.mkdir(parents=True)
    path.write_text('{"formatVersion": "v1.0"}')
    code, _, err = sync(tmp_path, region_codes=["us-east-1"], service_codes=("AmazonBedrock",))
    assert code == exit_codes.EXIT_FAILURE
    assert "is not a Price List offer file (no 'products' object)" in err


def test_from_an_empty_seed_the_generator_writes_every_excerpt_price(tmp_path: Path) -> None:
    seed = tmp_path / "seed.csv"
    seed.write_text(",".join(pricing_rows.SEED_HEADER) + "\n")
    out_path = tmp_path / "generated.csv"
    code, out, err = sync(OFFERS, seed=seed, out_path=out_path)
    assert code == exit_codes.EXIT_OK, out + err
    written = {row.key: row.prices() for row in pricing_seed.read_seed(out_path).rows}
    assert written == {row.key: row.prices() for row in fetched_rows(OFFERS)}
    sources = {row.source for row in pricing_seed.read_seed(out_path).rows}
    assert all(s.startswith("AWS Price List offer files ") for s in sources)
    assert all("retrieved 2026-12-02" in s for s in sources)
