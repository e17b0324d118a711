"""Untrusted strings (tenant ids, tag values, model ids) are printed visibly, never interpreted."""

from __future__ import annotations

from decimal import Decimal

import pytest

from bedrock_costs.summary import Overview, TenantRow, render
from bedrock_costs.untrusted import printable


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("acme", "acme"),
        ("evil\racme", "evil\\racme"),
        ("a\nb", "a\\nb"),
        ("\x1b[2J\x1b[31mred", "\\x1b[2J\\x1b[31mred"),
        ("tab\there", "tab\\there"),
        ("back\\slash", "back\\\\slash"),
        ("rtl\u202eevil", "rtl\\u202eevil"),
        ("zero\u200bwidth", "zero\\u200bwidth"),
        ("line\u2028sep", "line\\u2028sep"),
        ("del\x7f", "del\\x7f"),
        ("c1\x85", "c1\\x85"),
        ("café ünïcode 東京", "café ünïcode 東京"),
    ],
)
def test_control_and_format_characters_are_shown_as_escapes(text: str, shown: str) -> None:
    assert printable(text) == shown


def test_summary_cannot_be_forged_by_a_tenant_id() -> None:
    overview = Overview("2026-10-01", "2026-10-01", 3, 3, Decimal("6"), 0, 0)
    tenants = [
        TenantRow("evil\racme", 1, 10, Decimal("3"), 0),
        TenantRow("x\nglobex  99  99  $999.00", 1, 10, Decimal("2"), 0),
        TenantRow("\x1b[1A\x1b[2Kacme", 1, 10, Decimal("1"), 0),
    ]
    text = render(overview, tenants)
    assert "\r" not in text
    assert "\x1b" not in text
    lines = text.splitlines()
    # title, blank, header, rule, 3 tenants, blank, 2 totals: no forged row
    assert len(lines) == 10
    rows = lines[4:7]
    assert rows[0].startswith("evil\\racme")
    assert rows[1].startswith("x\\nglobex")
    assert rows[2].startswith("\\x1b[1A\\x1b[2Kacme")
