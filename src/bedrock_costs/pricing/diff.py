"""The proposal as text: what `bedrock-costs pricing sync` prints."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence

from bedrock_costs.price_catalog import (
    DEFAULT_MODEL_NAMES,
)
from bedrock_costs.pricing.proposal import Proposal
from bedrock_costs.pricing.rows import (
    CONFLICT,
    MALFORMED,
    NOT_MODELLED,
    PRICE_FIELDS,
    UNKNOWN_MODEL,
    UNRECOGNISED_USAGE,
    ZERO_PRICE,
    PriceRow,
    Skipped,
    price_changes,
    shown_price,
)


def render_diff(proposal: Proposal, *, verbose: bool = False, limit: int = 20) -> str:
    """Human-readable proposal: one line per change, a summary and the skipped products."""
    lines: list[str] = []
    for change in proposal.changed:
        previous, opened = change.previous, change.opened
        lines.append(
            f"~ {previous.describe_key()}: {price_changes(previous, opened)}{_kept(change.kept)} "
            f"(closes the row from {previous.effective_from.isoformat()} on "
            f"{proposal.today.isoformat()}; opens {opened.effective_from.isoformat()})"
        )
    for new in proposal.added:
        row = new.row
        if new.overrides is not None:
            base = new.overrides
            detail = (
                f"new row overriding '{base.describe_key()}' for this key: "
                f"{price_changes(base, row)}"
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
    lines.extend(skipped_summary(proposal.skipped, list_all=verbose, limit=limit))
    return "\n".join(lines)


def _kept(kept: Sequence[str]) -> str:
    return f"; keeps {' '.join(kept)} (not in the Price List)" if kept else ""


def _price_list(row: PriceRow) -> str:
    parts = [
        f"{name} {shown_price(row, name)}"
        for name in PRICE_FIELDS
        if getattr(row, name) is not None
    ]
    return "; ".join(parts) or "no prices"


def skipped_summary(skipped: Sequence[Skipped], *, list_all: bool, limit: int) -> list[str]:
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
