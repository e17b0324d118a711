"""The statement's arithmetic and file names, without a build (test_tenant_pages runs them on
one)."""

from __future__ import annotations

import argparse
import random
from decimal import ROUND_HALF_UP, Decimal

import pytest

from bedrock_costs.statements import cents_by_largest_remainder, statement_month
from bedrock_costs.untrusted import file_stem, spreadsheet_cell

CENT = Decimal("0.01")


def test_cents_go_to_the_largest_remainders_and_ties_to_the_first() -> None:
    amounts = [Decimal("0.335"), Decimal("0.335"), Decimal("0.33")]
    assert cents_by_largest_remainder(amounts) == [
        Decimal("0.34"),
        Decimal("0.33"),
        Decimal("0.33"),
    ]
    amounts = [Decimal("0.004"), Decimal("0.004"), Decimal("0.004")]
    assert cents_by_largest_remainder(amounts) == [
        Decimal("0.01"),
        Decimal("0.00"),
        Decimal("0.00"),
    ]
    assert cents_by_largest_remainder([]) == []


def test_cents_always_add_up_to_the_rounded_sum() -> None:
    draw = random.Random(3)
    for _ in range(500):
        amounts = [
            Decimal(draw.randrange(0, 10**9)).scaleb(-draw.randrange(6, 16))
            for _ in range(draw.randrange(1, 40))
        ]
        cents = cents_by_largest_remainder(amounts)
        assert sum(cents) == sum(amounts).quantize(CENT, rounding=ROUND_HALF_UP)
        for amount, cent in zip(amounts, cents, strict=True):
            assert abs(amount - cent) < CENT
            assert cent == cent.quantize(CENT)


@pytest.mark.parametrize(
    "tenant", ["../../etc/passwd", ".hidden", "a/b", "a\\b", "\u202eevil", "", "con", "x" * 300]
)
def test_file_stems_stay_in_their_folder(tenant: str) -> None:
    stem = file_stem(tenant, "0123456789abcdef0123")
    assert "/" not in stem
    assert "\\" not in stem
    assert not stem.startswith(".")
    assert stem.isascii()
    assert stem.isprintable()
    assert len(stem) <= 73
    assert stem.endswith("-0123456789ab")


def test_tenants_that_differ_only_in_unsafe_characters_get_their_own_files() -> None:
    import hashlib

    def stem(tenant: str) -> str:
        return file_stem(tenant, hashlib.sha256(tenant.encode()).hexdigest())

    assert stem("wayne-enterprises") != stem("\u0430ayne-enterprises")
    assert stem("initech") != stem("initech ")


def test_a_formula_in_a_cell_is_shown_as_text() -> None:
    assert spreadsheet_cell("=HYPERLINK(1)") == "'=HYPERLINK(1)"
    assert spreadsheet_cell("@SUM(A1)") == "'@SUM(A1)"
    assert spreadsheet_cell("acme-corp") == "acme-corp"


@pytest.mark.parametrize("value", ["2026-13", "2026-1", "26-10", "2026-10-01", "october"])
def test_a_month_is_yyyy_mm(value: str) -> None:
    with pytest.raises(argparse.ArgumentTypeError):
        statement_month(value)
