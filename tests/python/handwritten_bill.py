"""A hand-built CUR 2.0 bill of October 2026 against the hand-written logs
(tests/python/fixtures/handwritten), shared by the DuckDB and the local Athena tests.

Most buckets are billed at the list prices of the seed (so they match) and there is one of each
kind of difference; every expected value is worked out in the comments from the seed prices.
"""

from __future__ import annotations

import json

ACCOUNT = "111122223333"
OTHER_ACCOUNT = "444455556666"
HAIKU_45 = "anthropic.claude-haiku-4-5-20251001-v1:0"
SONNET_45 = "anthropic.claude-sonnet-4-5-20250929-v1:0"
NOVA_LITE = "amazon.nova-lite-v1:0"


def bill_line(
    usage_type: str,
    amount: str,
    cost: str,
    *,
    day: str = "2026-10-01",
    hour: str = "00",
    account: str = ACCOUNT,
    unit: str = "1K tokens",
    line_type: str = "Usage",
    product_code: str = "AmazonBedrock",
    **extra: str,
) -> dict[str, str]:
    end_hour = f"{int(hour) + 1:02d}"
    return {
        "bill_billing_period_start_date": "2026-10-01T00:00:00.000Z",
        "bill_payer_account_id": ACCOUNT,
        "bill_billing_entity": "AWS",
        "line_item_usage_account_id": account,
        "line_item_usage_start_date": f"{day}T{hour}:00:00.000Z",
        "line_item_usage_end_date": f"{day}T{end_hour}:00:00.000Z",
        "line_item_product_code": product_code,
        "line_item_usage_type": usage_type,
        "line_item_operation": "Usage",
        "line_item_line_item_type": line_type,
        "line_item_usage_amount": amount,
        "pricing_unit": unit,
        "line_item_unblended_cost": cost,
        "line_item_net_unblended_cost": cost,
        **extra,
    }


# Seed prices (USD per 1M tokens): Nova Lite 0.06 in / 0.24 out; Claude Haiku 4.5 geo (us, eu)
# 1.10 in / 5.50 out / 0.11 cache read; Claude Sonnet 4.5 global 3.00 in / 15.00 out / 3.75
# cache write (5 minutes). Logged (fixture): Nova Lite 10,000 in / 2,000 out (globex); Haiku
# us-east-1 220 in / 145 out / 2,000 cache read (acme); Sonnet global 1,000 in / 500 out / 3,000
# cache write (acme); Haiku eu-west-1 on 10-02 2,000 in / 1,000 out (acme).
# Callers: the fixture's identity.arn values, and one the logs never see.
APP_ROLE = f"arn:aws:sts::{ACCOUNT}:assumed-role/example-app-role/example"
WORKER_ROLE = f"arn:aws:sts::{ACCOUNT}:assumed-role/example-app-role/worker"
OTHER_ROLE = f"arn:aws:sts::{OTHER_ACCOUNT}:assumed-role/other-app/batch"
BILL = [
    # matched; the caller (line_item_iam_principal) also made acme's and untagged calls that day
    bill_line("USE1-NovaLite-input-tokens", "10", "0.0006", line_item_iam_principal=APP_ROLE),
    bill_line("USE1-NovaLite-output-tokens", "1.2", "0.000288"),  # matched, over two hours
    bill_line("USE1-NovaLite-output-tokens", "0.8", "0.000192", hour="01"),
    bill_line("USE1-Claude4.5Haiku-input-tokens", "0.22", "0.000242"),  # matched
    bill_line("USE1-Claude4.5Haiku-output-tokens", "0.145", "0.0007975"),  # matched
    # Marketplace family, 1.5 x the list price (0.00022): price_mismatch. The model is named
    # only in the product map (no product_product_name, no resource id): a line read without
    # the map is not Bedrock's at all
    bill_line(
        "USE1-MP:USE1_CacheReadInputTokenCount-Units",
        "0.002",
        "0.00033",
        unit="Units",
        product_code="4a524th30q694o538qndh9ucht",
        bill_billing_entity="AWS Marketplace",
        product=json.dumps({"product_name": "Claude Haiku 4.5 (Amazon Bedrock Edition)"}),
    ),
    # matched; billed to acme's one caller
    bill_line(
        "USE1-Claude4.5Sonnet-input-tokens-cross-region-global",
        "1.0",
        "0.003",
        line_item_iam_principal=WORKER_ROLE,
    ),
    # the modifier before the class: matched
    bill_line("USE1-Claude4.5Sonnet-cross-region-global-output-tokens", "0.5", "0.0075"),
    # 3,300 billed against 3,000 logged: token_mismatch
    bill_line(
        "USE1-Claude4.5Sonnet-cache-write-input-token-count-cross-region-global",
        "3.3",
        "0.012375",
        line_item_iam_principal=WORKER_ROLE,
    ),
    bill_line("EU-Claude4.5Haiku-input-tokens", "2", "0.0022", day="2026-10-02"),  # matched
    # another account, never logged: billed_not_logged, allocated to the unattributed tenant
    bill_line(
        "USW2-NovaLite-input-tokens",
        "100",
        "0.006",
        account=OTHER_ACCOUNT,
        line_item_iam_principal=OTHER_ROLE,
    ),
    bill_line("USE1-Nova2.0Lite-input-tokens-flex-cross-region-global", "1", "0.0001"),
    bill_line("USE1-moonshotai.kimi-k2.5-input", "1", "0.0006"),
    # cannot be reconciled: listed in dq_unmapped_bill_lines with their cost
    bill_line("USE1-NovaCanvas-T2I-1024-Standard", "1", "0.04", unit="Images"),
    bill_line("USE1-FooBar9-input-tokens", "1", "0.001"),
    bill_line("XYZ9-NovaLite-input-tokens", "1", "0.002"),
    # an adjustment, and a line of another service (not Bedrock's)
    bill_line("USE1-NovaLite-input-tokens", "0", "-0.01", line_type="Credit"),
    bill_line("USE1-TimedStorage-ByteHrs", "5", "0.5", product_code="AmazonS3"),
]
