"""pricing sync: Price List fetching (Stubber), mapping to seed rows, proposals, CSV, CLI."""

from __future__ import annotations

import argparse
import io
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import botocore.session
import pytest
from botocore.stub import Stubber

from bedrock_costs import pricing_sync as ps
from bedrock_costs.price_catalog import load_model_names
from bedrock_costs.pricing import diff as pricing_diff
from bedrock_costs.pricing import model_names as pricing_model_names
from bedrock_costs.pricing import price_list as pricing_price_list
from bedrock_costs.pricing import products as pricing_products
from bedrock_costs.pricing import proposal as pricing_proposal
from bedrock_costs.pricing import rows as pricing_rows
from bedrock_costs.pricing import seed as pricing_seed
from fixtures import price_list as pl

TODAY = date(2026, 10, 1)
SONNET = "anthropic.claude-sonnet-4-5-20250929-v1:0"
NOVA_PRO = "amazon.nova-pro-v1:0"
HEADER = ",".join(pricing_rows.SEED_HEADER)

#: A seed in the contract format: a closed history row and a stale open row for Nova Pro, Claude
#: rows for every Region (`*`) that the us-east-1 Price List agrees with, and rows the Price List
#: fetched here does not cover.
SEED_LINES = [
    HEADER,
    f"{NOVA_PRO},us-east-1,*,standard,standard,token,0.75,3.00,,,,,2024-12-03,2025-01-01,"
    "AWS pricing page 2024-12 (example history)",
    f"{NOVA_PRO},us-east-1,*,standard,standard,token,0.70,2.80,0.175,,,,2025-01-01,,"
    "AWS pricing page 2025-01 (example)",
    f"{SONNET},*,global,standard,standard,token,3.00,15.00,0.30,3.75,6.00,,2025-09-29,,"
    "AWS Bedrock _Global price [ref B C]",
    f"{SONNET},*,*,standard,standard,token,3.30,16.50,0.33,4.125,6.60,,2025-09-29,,"
    "AWS Bedrock geo/in-Region price [ref B C]",
    "anthropic.claude-haiku-4-5-20251001-v1:0,*,*,standard,standard,token,1.00,5.00,0.10,1.25,2.00,"
    ",2025-10-15,2025-11-01,superseded example row",
    "anthropic.claude-haiku-4-5-20251001-v1:0,*,*,standard,standard,token,1.10,5.50,0.11,1.375,2.20,"
    ",2025-11-01,,AWS Bedrock geo price [ref B C]",
]
SEED_TEXT = "\n".join(SEED_LINES) + "\n"


def pricing_client() -> Any:
    session = botocore.session.get_session()
    return session.create_client(
        "pricing",
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )


def request(service_code: str, token: str | None = None, region: str | None = None) -> dict:
    params: dict[str, Any] = {
        "ServiceCode": service_code,
        "FormatVersion": "aws_v1",
        "MaxResults": 100,
    }
    if region is not None:
        params["Filters"] = [{"Type": "TERM_MATCH", "Field": "regionCode", "Value": region}]
    if token is not None:
        params["NextToken"] = token
    return params


def stub_all_pages(stubber: Stubber, *, with_garbage: bool = False) -> None:
    """AmazonBedrock over two pages (NextToken), then AmazonBedrockFoundationModels in one."""
    page_2: list[Any] = [*pl.BEDROCK_PAGE_2, pl.NOT_JSON] if with_garbage else pl.BEDROCK_PAGE_2
    stubber.add_response(
        "get_products", pl.response(pl.BEDROCK_PAGE_1, "token-1"), request("AmazonBedrock")
    )
    stubber.add_response("get_products", pl.response(page_2), request("AmazonBedrock", "token-1"))
    stubber.add_response(
        "get_products",
        pl.response(pl.FOUNDATION_MODELS_PAGE),
        request("AmazonBedrockFoundationModels"),
    )


def all_products() -> list[dict[str, Any]]:
    return [*pl.BEDROCK_PAGE_1, *pl.BEDROCK_PAGE_2, *pl.FOUNDATION_MODELS_PAGE]


def rows_by_key(products: list[dict[str, Any]]) -> dict[tuple[str, ...], pricing_rows.PriceRow]:
    rows, _ = pricing_products.products_to_price_rows(
        products, effective_from=TODAY, retrieved=TODAY
    )
    return {row.key: row for row in rows}


# --- fetching ---------------------------------------------------------------------------------


def test_fetch_follows_next_token_across_pages_and_service_codes() -> None:
    client = pricing_client()
    messages: list[str] = []
    with Stubber(client) as stubber:
        stub_all_pages(stubber)
        products = list(pricing_price_list.fetch_price_list(client, progress=messages.append))
        stubber.assert_no_pending_responses()
    expected = all_products()
    assert len(products) == len(expected)
    assert [p["product"]["sku"] for p in products if "product" in p] == [
        p["product"]["sku"] for p in expected
    ]
    assert products[0]["product"]["attributes"]["usagetype"] == "USE1-NovaPro-input-tokens"
    assert messages == [
        "fetched 5 products from AmazonBedrock (page 1, 5 so far)",
        "fetched 5 products from AmazonBedrock (page 2, 10 so far)",
        f"fetched {len(pl.FOUNDATION_MODELS_PAGE)} products from AmazonBedrockFoundationModels "
        f"(page 1, {len(pl.FOUNDATION_MODELS_PAGE)} so far)",
    ]


def test_fetch_filters_each_region_with_term_match() -> None:
    client = pricing_client()
    with Stubber(client) as stubber:
        for region in ("us-east-1", "us-west-2"):
            stubber.add_response(
                "get_products",
                pl.response([pl.NOVA_PRO_INPUT]),
                request("AmazonBedrock", region=region),
            )
        products = list(
            pricing_price_list.fetch_price_list(
                client, ("AmazonBedrock",), ["us-east-1", "us-west-2"]
            )
        )
        stubber.assert_no_pending_responses()
    assert len(products) == 2


def test_unparseable_element_is_reported_not_dropped() -> None:
    client = pricing_client()
    with Stubber(client) as stubber:
        stubber.add_response("get_products", pl.response([pl.NOT_JSON]), request("AmazonBedrock"))
        products = list(pricing_price_list.fetch_price_list(client, ("AmazonBedrock",)))
    rows, skipped = pricing_products.products_to_price_rows(
        products, effective_from=TODAY, retrieved=TODAY
    )
    assert rows == []
    assert [(s.category, s.reason, s.service_code) for s in skipped] == [
        (pricing_rows.MALFORMED, "PriceList element is not a JSON object", "AmazonBedrock")
    ]


# --- mapping products to rows -------------------------------------------------------------------


def test_per_1k_token_prices_become_exact_per_1m_decimals() -> None:
    row = rows_by_key([pl.NOVA_PRO_INPUT, pl.NOVA_PRO_OUTPUT, pl.NOVA_PRO_CACHE_READ])[
        (NOVA_PRO, "us-east-1", "*", "standard", "standard")
    ]
    assert isinstance(row.input, Decimal)
    assert row.input == Decimal("0.8")
    assert row.output == Decimal("3.2")
    assert row.cache_read == Decimal("0.2")
    assert (row.cache_write_5m, row.cache_write_1h, row.usd_per_unit) == (None, None, None)
    assert row.price_unit == "token"
    cells = dict(zip(pricing_rows.SEED_HEADER, row.to_cells(), strict=True))
    assert cells["input_usd_per_1m_tokens"] == "0.80"
    assert cells["output_usd_per_1m_tokens"] == "3.20"
    assert cells["cache_read_usd_per_1m_tokens"] == "0.20"


def test_marketplace_units_are_already_per_1m() -> None:
    row = rows_by_key([pl.SONNET_45_INPUT])[(SONNET, "us-east-1", "*", "standard", "standard")]
    assert row.input == Decimal("3.3")


def test_components_are_matched_exactly_not_by_suffix() -> None:
    rows = rows_by_key(pl.SONNET_45_ALL)
    geo = rows[(SONNET, "us-east-1", "*", "standard", "standard")]
    assert geo.prices() == (
        Decimal("3.30"),
        Decimal("16.50"),
        Decimal("0.33"),
        Decimal("4.125"),
        Decimal("6.60"),
        None,
    )
    # The 1h write alone must land in its own column, not in input or the 5m write.
    (only_1h,) = rows_by_key([pl.SONNET_45_CACHE_WRITE_1H]).values()
    assert only_1h.prices() == (None, None, None, None, Decimal("6.6"), None)
    (only_read,) = rows_by_key([pl.SONNET_45_CACHE_READ]).values()
    assert only_read.prices() == (None, None, Decimal("0.33"), None, None, None)


def test_global_batch_priority_and_long_context_are_separate_keys() -> None:
    rows = rows_by_key(
        [
            *pl.SONNET_45_ALL,
            *pl.BEDROCK_PAGE_1,
            pl.NOVA_PRO_PRIORITY_INPUT,
            pl.SONNET_4_LONG_CONTEXT_GLOBAL_INPUT,
        ]
    )
    assert set(rows) == {
        (SONNET, "us-east-1", "*", "standard", "standard"),
        (SONNET, "us-east-1", "global", "standard", "standard"),
        (SONNET, "us-east-1", "*", "batch", "standard"),
        (NOVA_PRO, "us-east-1", "*", "standard", "standard"),
        (NOVA_PRO, "us-east-1", "*", "batch", "standard"),
        (NOVA_PRO, "us-east-1", "*", "priority", "standard"),
        (
            "anthropic.claude-sonnet-4-20250514-v1:0",
            "us-east-1",
            "global",
            "standard",
            "long_context",
        ),
    }
    global_row = rows[(SONNET, "us-east-1", "global", "standard", "standard")]
    assert global_row.prices()[:5] == tuple(
        Decimal(v) for v in ("3.00", "15.00", "0.30", "3.75", "6.00")
    )
    assert rows[(SONNET, "us-east-1", "*", "batch", "standard")].input == Decimal("1.65")
    nova_batch = rows[(NOVA_PRO, "us-east-1", "*", "batch", "standard")]
    assert (nova_batch.input, nova_batch.output) == (Decimal("0.4"), Decimal("1.6"))
    assert rows[(NOVA_PRO, "us-east-1", "*", "priority", "standard")].input == Decimal("1.4")
    long_context = rows[
        (
            "anthropic.claude-sonnet-4-20250514-v1:0",
            "us-east-1",
            "global",
            "standard",
            "long_context",
        )
    ]
    assert long_context.input == Decimal("6")


@pytest.mark.parametrize(
    ("usagetype", "expected"),
    [
        ("USE1-MP:USE1_InputTokenCount-Units", ("input", "*", None, "standard")),
        ("USE1-MP:USE1_CacheReadInputTokenCount-Units", ("cache_read", "*", None, "standard")),
        (
            "USE1-MP:USE1_CacheWrite1hInputTokenCount_Global-Units",
            ("cache_write_1h", "global", None, "standard"),
        ),
        (
            "USE1-MP:USE1_InputTokenCount_Global_Batch-Units",
            ("input", "global", "batch", "standard"),
        ),
        (
            "USE1-MP:USE1_input_tokens_global_standard-Units",
            ("input", "global", "standard", "standard"),
        ),
        (
            "USE1-MP:USE1_cache_write_tokens_1h_standard-Units",
            ("cache_write_1h", "*", "standard", "standard"),
        ),
        (
            "USE1-MP:USE1_output_tokens_long_ctx_standard-Units",
            ("output", "*", "standard", "long_context"),
        ),
        (
            "USE1-Nova2.0Lite-input-tokens-cross-region-global-batch",
            ("input", "global", "batch", "standard"),
        ),
        ("USE1-NovaPro-output-tokens-flex", ("output", "*", "flex", "standard")),
        ("USE1-NovaPro-cache-write-input-token-count", ("cache_write_5m", "*", None, "standard")),
        ("USE1-Llama3-1-405B-output-tokens-batch", ("output", "*", "batch", "standard")),
    ],
)
def test_usage_type_grammar(usagetype: str, expected: tuple[str, ...]) -> None:
    usage = pricing_products._token_usage(usagetype, {})
    assert (
        usage.price_class,
        usage.routing_scope,
        usage.service_tier,
        usage.context_tier,
    ) == expected


@pytest.mark.parametrize(
    ("usagetype", "category"),
    [
        ("USE1-MP:USE1_Reserved_1Month_InputTPM_Geo-Units", pricing_rows.NOT_MODELLED),
        (
            "USE1-MP:USE1_ProvisionedThroughput_1MonthCommit_ModelUnits_Usage-Units",
            pricing_rows.NOT_MODELLED,
        ),
        ("USE1-MP:USE1_CacheWriteInputTokenCount_Sometimes-Units", pricing_rows.UNRECOGNISED_USAGE),
        ("USE1-MP:USE1_XInputTokenCount-Units", pricing_rows.UNRECOGNISED_USAGE),
        ("USE1-NovaPro-input-tokens-latency-optimized", pricing_rows.NOT_MODELLED),
        ("USE1-Nova2.0Sonic-audio-input-tokens", pricing_rows.NOT_MODELLED),
        ("USE1-qwen.qwen3-32b-mantle-input-tokens-standard", pricing_rows.NOT_MODELLED),
        ("USE1-NovaPro-input-tokens-batch-flex", pricing_rows.UNRECOGNISED_USAGE),
    ],
)
def test_usage_types_the_seed_cannot_hold_are_skipped(usagetype: str, category: str) -> None:
    with pytest.raises(pricing_products._SkipError) as raised:
        pricing_products._token_usage(usagetype, {})
    assert raised.value.category == category


def test_unknown_and_malformed_products_are_reported_with_reasons() -> None:
    rows, skipped = pricing_products.products_to_price_rows(
        all_products(), effective_from=TODAY, retrieved=TODAY
    )
    by_sku = {s.sku: s for s in skipped}
    expected = [
        (pl.UNKNOWN_MARKETPLACE_MODEL, pricing_rows.UNKNOWN_MODEL, "Acme Frontier 1"),
        (pl.NOVA_LITE_NO_TERMS, pricing_rows.MALFORMED, "no terms"),
        (pl.NOVA_LITE_PRICE_ABC, pricing_rows.MALFORMED, "non-numeric price 'abc'"),
        (pl.SONNET_45_RESERVED, pricing_rows.NOT_MODELLED, "not a per-token price"),
        (pl.NOVA_PRO_LATENCY_OPTIMIZED_INPUT, pricing_rows.NOT_MODELLED, "latency-optimized"),
        (pl.GUARDRAIL_CONTENT_POLICY, pricing_rows.NOT_MODELLED, "feature 'Guardrail'"),
    ]
    assert set(by_sku) == {p["product"]["sku"] for p, _, _ in expected}
    for product, category, fragment in expected:
        item = by_sku[product["product"]["sku"]]
        assert item.category == category
        assert fragment in item.reason
    # Nothing vanishes: every other product contributed to a row.
    priced = {p["product"]["sku"] for p in all_products()} - set(by_sku)
    assert len(priced) == len(all_products()) - len(expected)
    assert len(rows) == 6


def test_conflicting_prices_for_one_key_leave_the_key_out() -> None:
    cheaper = pl.bedrock("USE1-NovaPro-input-tokens", "Input tokens", "0.0007000000")
    cheaper["product"]["sku"] = "DIFFERENTSKU0001"
    rows, skipped = pricing_products.products_to_price_rows(
        [pl.NOVA_PRO_INPUT, cheaper, pl.NOVA_PRO_OUTPUT], effective_from=TODAY, retrieved=TODAY
    )
    assert rows == []
    assert {s.category for s in skipped} == {pricing_rows.CONFLICT}
    assert len(skipped) == 3
    assert "0.70 / 0.80" in skipped[0].reason


def test_identical_duplicates_are_merged() -> None:
    rows, skipped = pricing_products.products_to_price_rows(
        [pl.NOVA_PRO_INPUT, pl.NOVA_PRO_INPUT], effective_from=TODAY, retrieved=TODAY
    )
    assert skipped == []
    assert [row.input for row in rows] == [Decimal("0.8")]


def test_inconsistent_tier_signals_are_skipped() -> None:
    product = pl.bedrock(
        "USE1-NovaPro-input-tokens-priority",
        "Input tokens",
        "0.0014",
        extra={"service_tier": "flex"},
    )
    rows, skipped = pricing_products.products_to_price_rows(
        [product], effective_from=TODAY, retrieved=TODAY
    )
    assert rows == []
    assert skipped[0].category == pricing_rows.UNRECOGNISED_USAGE


def test_batch_signalled_only_by_feature_and_inference_type_without_usagetype() -> None:
    product = pl.bedrock(
        "X", "Input tokens", "0.0001250000", model="Claude 3 Haiku", feature="Batch Inference"
    )
    del product["product"]["attributes"]["usagetype"]
    (row,) = rows_by_key([product]).values()
    assert row.key == (
        "anthropic.claude-3-haiku-20240307-v1:0",
        "us-east-1",
        "*",
        "batch",
        "standard",
    )
    assert row.input == Decimal("0.125")


def test_zero_input_price_is_not_recorded_as_free_but_a_zero_cache_price_is() -> None:
    product = pl.bedrock("USE1-NovaPro-input-tokens", "Input tokens", "0.0000000000")
    rows, skipped = pricing_products.products_to_price_rows(
        [product], effective_from=TODAY, retrieved=TODAY
    )
    assert rows == []
    assert skipped[0].category == pricing_rows.ZERO_PRICE
    cache_write = pl.bedrock(
        "USE1-Nova2.0Lite-cache-write-input-token-count",
        "Prompt cache write input tokens",
        "0.0000000000",
        model="Nova 2.0 Lite",
    )
    rows, skipped = pricing_products.products_to_price_rows(
        [cache_write], effective_from=TODAY, retrieved=TODAY
    )
    assert skipped == []
    assert [(row.model_id, row.cache_write_5m, row.input) for row in rows] == [
        ("amazon.nova-2-lite-v1:0", Decimal(0), None)
    ]


def test_names_resolve_through_the_alias_table() -> None:
    resolver = pricing_model_names.ModelResolver(load_model_names())
    assert resolver.resolve("Claude Sonnet 4.5 (Amazon Bedrock Edition)") == SONNET
    assert resolver.resolve("Nova Pro") == NOVA_PRO
    assert resolver.resolve("R1") == "deepseek.r1-v1:0"
    assert resolver.resolve("Titan Text G1 - Express") == "amazon.titan-text-express-v1"
    assert resolver.resolve("Llama 3.1 405B Instruct") == "meta.llama3-1-405b-instruct-v1:0"
    assert resolver.resolve("Command R+") == "cohere.command-r-plus-v1:0"
    assert resolver.resolve("Command R") == "cohere.command-r-v1:0"
    assert resolver.resolve("Nova Pro Latency Optimized") is None
    assert resolver.resolve("Claude Sonnet 4.7") is None


def test_titan_model_attribute_is_used() -> None:
    product = pl.bedrock("USE1-TitanEmbeddingsV2-Text-input-tokens", "Input tokens", "0.0000200000")
    attributes = product["product"]["attributes"]
    del attributes["model"]
    attributes["titanModel"] = "Titan Text Embeddings V2"
    (row,) = rows_by_key([product]).values()
    assert row.model_id == "amazon.titan-embed-text-v2:0"
    assert row.input == Decimal("0.02")


# --- proposals --------------------------------------------------------------------------------


def proposal_for(
    products: list[dict[str, Any]], seed_text: str = SEED_TEXT
) -> pricing_proposal.Proposal:
    seed = pricing_seed.parse_seed(seed_text)
    rows, skipped = pricing_products.products_to_price_rows(
        products, effective_from=TODAY, retrieved=TODAY
    )
    return pricing_proposal.propose_update(seed.rows, rows, today=TODAY, skipped=skipped)


def test_changed_open_row_is_closed_and_a_new_row_opens_today() -> None:
    proposal = proposal_for(all_products())
    (change,) = proposal.changed
    assert change.previous.key == (NOVA_PRO, "us-east-1", "*", "standard", "standard")
    assert change.previous.effective_to is None
    assert change.closed.effective_to == TODAY
    assert change.closed.effective_from == date(2025, 1, 1)
    assert change.opened.effective_from == TODAY
    assert change.opened.effective_to is None
    assert change.opened.prices()[:3] == (Decimal("0.8"), Decimal("3.2"), Decimal("0.2"))
    assert proposal.is_stale


def test_new_keys_are_appended_and_covered_keys_left_alone() -> None:
    proposal = proposal_for(all_products())
    assert sorted(new.row.key for new in proposal.added) == [
        (NOVA_PRO, "us-east-1", "*", "batch", "standard"),
        (NOVA_PRO, "us-east-1", "*", "priority", "standard"),
        (SONNET, "us-east-1", "*", "batch", "standard"),
    ]
    assert all(new.row.effective_from == TODAY for new in proposal.added)
    # Sonnet 4.5 us-east-1 agrees with the `*` Region rows, so no region-specific rows appear.
    assert sorted(fetched.key for fetched, _ in proposal.covered) == [
        (SONNET, "us-east-1", "*", "standard", "standard"),
        (SONNET, "us-east-1", "global", "standard", "standard"),
    ]
    assert [row.model_id for row in proposal.missing] == [
        "anthropic.claude-haiku-4-5-20251001-v1:0"
    ]


def test_proposal_rows_keep_existing_rows_first_and_byte_identical() -> None:
    proposal = proposal_for(all_products())
    text = pricing_seed.render_seed(proposal.rows, pricing_seed.parse_seed(SEED_TEXT))
    lines = text.splitlines()
    assert lines[0] == HEADER
    for index, original in enumerate(SEED_LINES[1:], start=1):
        if index == 2:  # the stale open Nova Pro row: only effective_to changes
            assert lines[index] == original.replace(",2025-01-01,,", ",2025-01-01,2026-10-01,")
        else:
            assert lines[index] == original
    appended = lines[len(SEED_LINES) :]
    assert [line.split(",")[:5] for line in appended] == [
        [NOVA_PRO, "us-east-1", "*", "batch", "standard"],
        [NOVA_PRO, "us-east-1", "*", "priority", "standard"],
        [NOVA_PRO, "us-east-1", "*", "standard", "standard"],
        [SONNET, "us-east-1", "*", "batch", "standard"],
    ]
    assert appended[2] == (
        f"{NOVA_PRO},us-east-1,*,standard,standard,token,0.80,3.20,0.20,,,,2026-10-01,,"
        "AWS Price List API AmazonBedrock Nova Pro us-east-1 retrieved 2026-10-01"
    )


def test_unchanged_seed_gives_an_empty_proposal() -> None:
    first = proposal_for(all_products())
    current = pricing_seed.render_seed(first.rows, pricing_seed.parse_seed(SEED_TEXT))
    second = proposal_for(all_products(), current)
    assert not second.is_stale
    assert second.changed == []
    assert second.added == []
    assert pricing_seed.render_seed(second.rows, pricing_seed.parse_seed(current)) == current


def test_a_region_price_that_differs_from_the_wildcard_row_gets_its_own_row() -> None:
    seed = SEED_TEXT.replace(",3.00,15.00,0.30,3.75,6.00,", ",2.90,15.00,0.30,3.75,6.00,")
    proposal = proposal_for(pl.SONNET_45_ALL, seed)
    overriding = [new for new in proposal.added if new.overrides is not None]
    assert [new.row.key for new in overriding] == [
        (SONNET, "us-east-1", "global", "standard", "standard")
    ]
    assert overriding[0].overrides is not None
    assert overriding[0].overrides.region == "*"
    assert proposal.changed == []  # the `*` row stays open: other Regions may still match it
    assert any("consider closing it by hand" in note for note in proposal.notes)


def test_open_row_starting_today_is_a_conflict_not_an_overwrite() -> None:
    seed = SEED_TEXT.replace(",0.70,2.80,0.175,,,,2025-01-01,,", ",0.70,2.80,0.175,,,,2026-10-01,,")
    seed = seed.replace(",2024-12-03,2025-01-01,", ",2024-12-03,2026-10-01,")
    proposal = proposal_for(all_products(), seed)
    assert [c.fetched.key[:2] for c in proposal.conflicts] == [(NOVA_PRO, "us-east-1")]
    assert proposal.changed == []
    assert pricing_seed.render_seed(proposal.rows[:6], pricing_seed.parse_seed(seed)) == seed
    assert proposal.is_stale


def test_classes_the_price_list_lacks_are_kept_not_blanked() -> None:
    seed_rows = [
        *SEED_LINES,
        f"{SONNET},*,*,batch,standard,token,1.65,8.25,,,,,2025-09-29,,batch (output derived)",
    ]
    proposal = proposal_for([pl.SONNET_45_INPUT_BATCH], "\n".join(seed_rows) + "\n")
    assert proposal.added == []
    assert proposal.changed == []
    assert [(row.key[2:4], kept) for row, kept in proposal.kept] == [(("*", "batch"), ("output",))]

    seed_rows[-1] = (
        f"{SONNET},us-east-1,*,batch,standard,token,1.50,8.25,,,,,2025-09-29,,batch (derived)"
    )
    proposal = proposal_for([pl.SONNET_45_INPUT_BATCH], "\n".join(seed_rows) + "\n")
    (change,) = proposal.changed
    assert (change.opened.input, change.opened.output) == (Decimal("1.65"), Decimal("8.25"))
    assert change.kept == ("output",)
    assert "output kept from the seed row of 2025-09-29" in change.opened.source
    assert "," not in change.opened.source
    assert "input 1.50 -> 1.65; keeps output (not in the Price List)" in pricing_diff.render_diff(
        proposal
    )


def test_ambiguous_per_image_prices_leave_the_seed_row_alone() -> None:
    seed = SEED_TEXT + (
        "amazon.nova-canvas-v1:0,us-east-1,*,standard,standard,image,,,,,,0.04,2024-12-03,,"
        "T2I 1024 Standard per image\n"
    )
    products = [pl.NOVA_CANVAS_1024_STANDARD, pl.NOVA_CANVAS_2048_PREMIUM]
    proposal = proposal_for(products, seed)
    assert [row.model_id for row in proposal.ambiguous] == ["amazon.nova-canvas-v1:0"]
    assert "amazon.nova-canvas-v1:0" not in {row.model_id for row in proposal.missing}
    assert {s.category for s in proposal.skipped} == {pricing_rows.CONFLICT}
    assert not proposal.is_stale
    (row,) = rows_by_key([pl.NOVA_CANVAS_1024_STANDARD]).values()
    assert (row.price_unit, row.usd_per_unit, row.input) == ("image", Decimal("0.04"), None)


def test_the_repository_seed_follows_the_contract_and_round_trips() -> None:
    path = Path(__file__).resolve().parents[2] / "seeds" / "bedrock_model_prices.csv"
    seed = pricing_seed.read_seed(path)
    assert seed.rows
    assert pricing_seed.render_seed(seed.rows, seed) == path.read_bytes().decode("utf-8")


def test_diff_mentions_old_and_new_prices_and_skips() -> None:
    diff = pricing_diff.render_diff(proposal_for(all_products()))
    assert (
        f"~ {NOVA_PRO} us-east-1 * standard standard: input 0.70 -> 0.80; output 2.80 -> 3.20; "
        "cache_read 0.175 -> 0.20 (closes the row from 2025-01-01 on 2026-10-01; opens 2026-10-01)"
    ) in diff
    assert f"+ {SONNET} us-east-1 * batch standard: new row input 1.65 (opens 2026-10-01)" in diff
    assert "? anthropic.claude-haiku-4-5-20251001-v1:0 * * standard standard" in diff
    assert "summary: 1 changed, 3 new, 0 unchanged, 2 covered by wider or derived rows" in diff
    assert "skipped 6 products" in diff
    assert "Acme Frontier 1 (Amazon Bedrock Edition) (1)" in diff
    assert "non-numeric price 'abc'" in diff


# --- seed files -------------------------------------------------------------------------------


def test_old_format_seed_is_rejected() -> None:
    old = "model_id,region,routing_scope,input_usd_per_1m_tokens\nx,*,*,1\n"
    with pytest.raises(pricing_seed.SeedFormatError, match="expected header"):
        pricing_seed.parse_seed(old)


def test_invalid_seed_values_are_reported_with_line_numbers() -> None:
    bad = SEED_TEXT.replace(",0.70,2.80,", ",seventy,2.80,").replace(",*,global,", ",*,galactic,")
    with pytest.raises(pricing_seed.SeedFormatError) as raised:
        pricing_seed.parse_seed(bad)
    message = str(raised.value)
    assert "line 3: input_usd_per_1m_tokens 'seventy' is not a number" in message
    assert "line 4: routing_scope 'galactic'" in message


def test_crlf_and_missing_final_newline_survive_a_round_trip() -> None:
    crlf = "\r\n".join(SEED_LINES)  # no final line break
    seed = pricing_seed.parse_seed(crlf)
    assert pricing_seed.render_seed(seed.rows, seed) == crlf
    fetched = list(rows_by_key([pl.NOVA_PRO_BATCH_INPUT]).values())
    proposal = pricing_proposal.propose_update(seed.rows, fetched, today=TODAY)
    text = pricing_seed.render_seed(proposal.rows, seed)
    assert text.startswith(crlf + "\r\n")
    assert text.endswith("\r\n")


# --- run_sync and the command line ------------------------------------------------------------


def run(tmp_path: Path, seed_text: str, *, check: bool = False, out: Path | None = None) -> tuple:
    seed_path = tmp_path / "bedrock_model_prices.csv"
    seed_path.write_text(seed_text, encoding="utf-8", newline="")
    client = pricing_client()
    stdout, stderr = io.StringIO(), io.StringIO()
    with Stubber(client) as stubber:
        stub_all_pages(stubber, with_garbage=True)
        code = ps.run_sync(seed_path, out, check, client, TODAY, stdout=stdout, stderr=stderr)
        stubber.assert_no_pending_responses()
    return code, stdout.getvalue(), stderr.getvalue(), seed_path


def test_check_exits_1_when_stale_and_writes_nothing(tmp_path: Path) -> None:
    code, out, err, seed_path = run(tmp_path, SEED_TEXT, check=True)
    assert code == 1
    assert "input 0.70 -> 0.80" in out
    assert "is stale" in err
    assert "fetched 5 products from AmazonBedrock (page 1, 5 so far)" in err
    assert seed_path.read_text(encoding="utf-8") == SEED_TEXT


def test_out_writes_the_proposal_and_check_then_passes(tmp_path: Path) -> None:
    out_path = tmp_path / "proposed.csv"
    code, _, err, seed_path = run(tmp_path, SEED_TEXT, out=out_path)
    assert code == 0
    assert f"wrote 10 rows to {out_path}" in err
    assert seed_path.read_text(encoding="utf-8") == SEED_TEXT  # the input seed is untouched
    written = out_path.read_bytes().decode("utf-8")
    lines = written.splitlines()
    assert lines[0] == HEADER
    changed = [i for i, line in enumerate(SEED_LINES) if lines[i] != line]
    assert changed == [2]
    assert lines[2] == SEED_LINES[2].replace(",2025-01-01,,", ",2025-01-01,2026-10-01,")
    assert len(lines) == len(SEED_LINES) + 4

    code, out, _, _ = run(tmp_path, written, check=True)
    assert code == 0
    assert "seed is up to date" in out


def test_out_may_update_the_seed_in_place(tmp_path: Path) -> None:
    seed_path = tmp_path / "bedrock_model_prices.csv"
    code, _, _, _ = run(tmp_path, SEED_TEXT, out=seed_path)
    assert code == 0
    text = seed_path.read_text(encoding="utf-8")
    assert text.startswith(
        "\n".join(
            [*SEED_LINES[:2], SEED_LINES[2].replace(",2025-01-01,,", ",2025-01-01,2026-10-01,")]
        )
    )


def test_without_out_the_diff_is_printed_and_nothing_written(tmp_path: Path) -> None:
    code, out, err, seed_path = run(tmp_path, SEED_TEXT)
    assert code == 0
    assert "~ amazon.nova-pro-v1:0" in out
    assert "nothing written" in err
    assert sorted(p.name for p in tmp_path.iterdir()) == [seed_path.name]


def test_old_seed_format_is_a_usage_error(tmp_path: Path) -> None:
    seed_path = tmp_path / "old.csv"
    seed_path.write_text("model_id,region,routing_scope\n", encoding="utf-8")
    stderr = io.StringIO()
    code = ps.run_sync(seed_path, None, True, pricing_client(), TODAY, stderr=stderr)
    assert code == 2
    assert "expected header" in stderr.getvalue()


def test_missing_seed_is_a_usage_error(tmp_path: Path) -> None:
    stderr = io.StringIO()
    code = ps.run_sync(tmp_path / "nope.csv", None, False, pricing_client(), TODAY, stderr=stderr)
    assert code == 2
    assert "seed file not found" in stderr.getvalue()


def test_no_usable_price_fails_instead_of_reporting_up_to_date(tmp_path: Path) -> None:
    seed_path = tmp_path / "seed.csv"
    seed_path.write_text(SEED_TEXT, encoding="utf-8")
    client = pricing_client()
    stderr = io.StringIO()
    with Stubber(client) as stubber:
        stubber.add_response(
            "get_products",
            pl.response([pl.GUARDRAIL_CONTENT_POLICY]),
            request("AmazonBedrock", region="eu-west-3"),
        )
        code = ps.run_sync(
            seed_path,
            None,
            True,
            client,
            TODAY,
            region_codes=["eu-west-3"],
            service_codes=("AmazonBedrock",),
            stderr=stderr,
            stdout=io.StringIO(),
        )
    assert code == 1
    assert "refusing to compare" in stderr.getvalue()


def test_api_errors_exit_1_with_a_message(tmp_path: Path) -> None:
    seed_path = tmp_path / "seed.csv"
    seed_path.write_text(SEED_TEXT, encoding="utf-8")
    client = pricing_client()
    stderr = io.StringIO()
    with Stubber(client) as stubber:
        stubber.add_client_error("get_products", "AccessDeniedException", "not allowed")
        code = ps.run_sync(seed_path, None, False, client, TODAY, stderr=stderr)
    assert code == 1
    assert "could not read the AWS Price List" in stderr.getvalue()


def cli_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="bedrock-costs")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    ps.add_pricing_parser(commands)
    return parser


@pytest.mark.parametrize("argv", [["pricing", "--help"], ["pricing", "sync", "--help"]])
def test_cli_help_has_an_example(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        cli_parser().parse_args(argv)
    assert exit_info.value.code == 0
    out = capsys.readouterr().out
    assert "Example: bedrock-costs pricing" in out
    if "sync" in argv:
        for option in ("--check", "--out", "--region-code", "--seed"):
            assert option in out


@pytest.mark.parametrize(
    "argv",
    [
        ["pricing"],
        ["pricing", "sync", "--check", "--out", "x.csv"],
        ["pricing", "sync", "--region-code", "Virginia"],
    ],
)
def test_cli_usage_errors_exit_2(argv: list[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        cli_parser().parse_args(argv)
    assert exit_info.value.code == 2


def test_cli_handler_runs_the_sync(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    seed_path = tmp_path / "seed.csv"
    seed_path.write_text(SEED_TEXT, encoding="utf-8")
    client = pricing_client()
    regions: list[str] = []

    def fake_client(region_name: str = "us-east-1") -> Any:
        regions.append(region_name)
        return client

    monkeypatch.setattr(ps, "make_pricing_client", fake_client)
    out_path = tmp_path / "proposed.csv"
    argv = ["pricing", "sync", "--seed", str(seed_path), "--out", str(out_path)]
    argv += ["--region-code", "us-east-1", "--effective-date", "2026-10-01"]
    args = cli_parser().parse_args(argv)
    with Stubber(client) as stubber:
        for service_code, items in (
            ("AmazonBedrock", pl.BEDROCK_PAGE_1),
            ("AmazonBedrockFoundationModels", pl.FOUNDATION_MODELS_PAGE),
        ):
            stubber.add_response(
                "get_products", pl.response(items), request(service_code, region="us-east-1")
            )
        code = args.handler(args)
        stubber.assert_no_pending_responses()
    assert code == 0
    assert regions == ["us-east-1"]
    captured = capsys.readouterr()
    assert "input 0.70 -> 0.80" in captured.out
    assert "fetched 5 products from AmazonBedrock in us-east-1 (page 1, 5 so far)" in captured.err
    written = out_path.read_text(encoding="utf-8").splitlines()
    assert written[2].endswith(",2025-01-01,2026-10-01,AWS pricing page 2025-01 (example)")


def _marts_with_unpriced(path: Path, rows: list[tuple]) -> Path:
    import duckdb

    con = duckdb.connect(str(path))
    con.sql("create schema bedrock_marts")
    con.sql(
        "create table bedrock_marts.dq_unpriced_usage (usage_date date, model_id varchar, "
        "region varchar, routing_scope varchar, service_tier varchar, invocation_count bigint)"
    )
    for row in rows:
        con.execute("insert into bedrock_marts.dq_unpriced_usage values (?, ?, ?, ?, ?, ?)", row)
    con.close()
    return path


def check_with_database(seed_path: Path, database: Path) -> tuple[int, str, str]:
    """run_sync --check against a stubbed Price List, with --database."""
    client = pricing_client()
    stdout, stderr = io.StringIO(), io.StringIO()
    with Stubber(client) as stubber:
        stub_all_pages(stubber, with_garbage=True)
        code = ps.run_sync(
            seed_path, None, True, client, TODAY, stdout=stdout, stderr=stderr, database=database
        )
    return code, stdout.getvalue(), stderr.getvalue()


def test_check_with_a_database_fails_on_models_the_logs_use_without_a_price(
    tmp_path: Path,
) -> None:
    up_to_date = tmp_path / "proposed.csv"
    assert run(tmp_path, SEED_TEXT, out=up_to_date)[0] == 0
    new_model = ("2026-11-30", "example.brand-new-v1:0", "ap-southeast-2", "geo", "standard", 7)
    for rows, expected_code in (([], 0), ([new_model, (*new_model[:5], 5)], 1)):
        database = _marts_with_unpriced(tmp_path / f"marts-{expected_code}.duckdb", rows)
        code, out, err = check_with_database(up_to_date, database)
        assert code == expected_code, err
        if rows:
            assert (
                "? seen in the logs without a price: example.brand-new-v1:0 in ap-southeast-2 "
                "(scope geo, tier standard): 12 invocations, 2026-11-30"
            ) in out
            assert "have no price" in err


def test_a_database_without_the_marts_is_an_error(tmp_path: Path) -> None:
    import duckdb

    duckdb.connect(str(tmp_path / "empty.duckdb")).close()
    up_to_date = tmp_path / "proposed.csv"
    assert run(tmp_path, SEED_TEXT, out=up_to_date)[0] == 0
    code, _, err = check_with_database(up_to_date, tmp_path / "empty.duckdb")
    assert code == 1
    assert "has no bedrock_marts.dq_unpriced_usage" in err
