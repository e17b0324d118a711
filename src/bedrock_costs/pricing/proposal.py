"""What a Price List fetch proposes for the seed: unchanged, changed (the open row closed today
and a new one opened), new and conflicting keys, and what the seed keeps that the Price List
lacks.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date

from bedrock_costs.price_catalog import (
    Catalog,
    CatalogRow,
    PriceRule,
    Region,
)
from bedrock_costs.pricing.rows import (
    CONFLICT,
    PRICE_FIELDS,
    Key,
    PriceRow,
    Skipped,
    clean_source,
    price_changes,
)


@dataclass(frozen=True)
class RowChange:
    """An open row whose price changed: it is closed and a new row opens the same day."""

    previous: PriceRow
    closed: PriceRow
    opened: PriceRow
    kept: tuple[str, ...] = ()


@dataclass(frozen=True)
class NewRow:
    """A key the seed did not have. ``overrides`` is the wildcard row that priced it until now."""

    row: PriceRow
    overrides: PriceRow | None = None
    kept: tuple[str, ...] = ()


@dataclass(frozen=True)
class Conflict:
    """A fetched price the proposal cannot apply without editing history; left for a human."""

    fetched: PriceRow
    reason: str


@dataclass
class Proposal:
    today: date
    rows: list[PriceRow]
    changed: list[RowChange] = field(default_factory=list)
    added: list[NewRow] = field(default_factory=list)
    unchanged: list[PriceRow] = field(default_factory=list)
    covered: list[tuple[PriceRow, PriceRow]] = field(default_factory=list)
    missing: list[PriceRow] = field(default_factory=list)
    ambiguous: list[PriceRow] = field(default_factory=list)
    kept: list[tuple[PriceRow, tuple[str, ...]]] = field(default_factory=list)
    conflicts: list[Conflict] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)

    @property
    def is_stale(self) -> bool:
        """True when the seed disagrees with the Price List (including unresolved conflicts)."""
        return bool(self.changed or self.added or self.conflicts)


def propose_update(
    current_rows: Sequence[PriceRow],
    fetched_rows: Sequence[PriceRow],
    *,
    today: date,
    skipped: Sequence[Skipped] = (),
    region_codes: Sequence[str] | None = None,
    rules: Sequence[PriceRule] = (),
    regions: Mapping[str, Region] | None = None,
) -> Proposal:
    """Compare fetched prices with the seed's open rows without rewriting any price.

    For each fetched key (model_id, region, routing_scope, service_tier, context_tier):

    * exact open row, same prices -> unchanged;
    * exact open row, other prices -> the row gets ``effective_to = today`` and a new row opens
      ``today`` (a conflict instead if the open row starts today or later);
    * no exact open row -> the row the dbt lookup would use today (exact Region before region
      group before ``*``, then exact scope before ``*``; with ``regions`` and ``rules`` the
      catalog as dbt builds it, see :mod:`bedrock_costs.price_catalog`) is compared: same
      prices -> covered, nothing to do; otherwise a new, more specific row is appended. When
      that row is derived by a price rule, a difference is a conflict: the rule, not a copy of
      its row, has to change.

    "Same prices" compares the classes the Price List has. A class only the seed has (for example
    a derived batch output price) is not evidence that the class became free or unpriced: it is
    kept, carried into any new row, and listed in ``kept``.

    Rows open on ``max(fetched.effective_from, today)``: nothing is back-dated automatically
    (back-date a brand-new key by hand if earlier invocations should be priced). Closed rows are
    never modified; rows the fetch did not cover are reported in ``missing``.
    """
    rows = list(current_rows)
    positions: dict[Key, list[int]] = defaultdict(list)
    for position, row in enumerate(rows):
        positions[row.key].append(position)
    proposal = Proposal(today=today, rows=rows, skipped=list(skipped))
    lookup = _CatalogLookup(rows, rules, regions)
    used: set[int] = set()
    fallback_agreement: dict[int, list[bool]] = defaultdict(list)
    seen: set[Key] = set()
    new_rows: list[PriceRow] = []

    for fetched in sorted(fetched_rows, key=lambda r: r.key):
        if fetched.key in seen:
            raise ValueError(f"fetched rows hold the key {fetched.describe_key()} twice")
        seen.add(fetched.key)
        exact = positions.get(fetched.key, [])
        open_exact = [p for p in exact if rows[p].is_open]
        used.update(open_exact)
        if len(open_exact) > 1:
            proposal.conflicts.append(Conflict(fetched, f"{len(open_exact)} open rows for the key"))
            continue
        if open_exact:
            current = rows[open_exact[0]]
            differs, merged, kept = _compare(current, fetched)
            if not differs:
                proposal.unchanged.append(current)
                if kept:
                    proposal.kept.append((current, kept))
                continue
            if current.effective_from >= today:
                proposal.conflicts.append(
                    Conflict(
                        fetched,
                        f"the open row starts {current.effective_from.isoformat()}, not before "
                        f"{today.isoformat()}; closing it would leave an empty range",
                    )
                )
                continue
            closed = current.closed_on(today)
            opened = replace(merged, effective_from=today, effective_to=None)
            rows[open_exact[0]] = closed
            lookup.invalidate()
            new_rows.append(opened)
            proposal.changed.append(RowChange(current, closed, opened, kept))
            continue

        winner = lookup.winner(fetched, today)
        fallback = None
        if winner is not None and winner.rule_id is not None:
            differs, _, kept = _compare(winner.row, fetched)
            if not differs:
                proposal.covered.append((fetched, winner.row))
            else:
                proposal.conflicts.append(
                    Conflict(
                        fetched,
                        f"priced today by rule {winner.rule_id} ({winner.row.source}) at "
                        f"{price_changes(winner.row, fetched)}: change the rule in "
                        "seeds/bedrock_price_rules.csv, or close it and list the price, by hand",
                    )
                )
            continue
        if winner is not None:
            fallback = lookup.position(winner.row)
        kept = ()
        if fallback is not None:
            used.add(fallback)
            differs, merged, kept = _compare(rows[fallback], fetched)
            fallback_agreement[fallback].append(not differs)
            if not differs:
                proposal.covered.append((fetched, rows[fallback]))
                if kept:
                    proposal.kept.append((rows[fallback], kept))
                continue
            fetched = merged
        opens = max(fetched.effective_from, today)
        overlap = max(
            (end for p in exact if (end := rows[p].effective_to) is not None), default=None
        )
        if overlap is not None and overlap > opens:
            proposal.conflicts.append(
                Conflict(
                    fetched,
                    f"a closed row runs until {overlap.isoformat()}; a new row would overlap it",
                )
            )
            continue
        row = replace(fetched, effective_from=opens, effective_to=None)
        new_rows.append(row)
        overrides = rows[fallback] if fallback is not None else None
        proposal.added.append(NewRow(row, overrides, kept))

    for position, agreements in sorted(fallback_agreement.items()):
        if agreements and not any(agreements):
            row = rows[position]
            proposal.notes.append(
                f"the '*' row {row.describe_key()} (from {row.effective_from.isoformat()}) "
                f"differs from all {len(agreements)} fetched key(s) it covered; consider closing "
                "it by hand"
            )
    asked = set(region_codes) if region_codes else None
    if asked is not None and regions is not None:
        asked |= {regions[code].region_group for code in list(asked) if code in regions}
    ambiguous_keys = {item.key for item in skipped if item.category == CONFLICT and item.key}
    for position, row in enumerate(rows):
        if position in used or not row.is_open:
            continue
        if row.key in ambiguous_keys:
            proposal.ambiguous.append(row)
        elif asked is None or row.region == "*" or row.region in asked:
            proposal.missing.append(row)

    new_rows.sort(key=lambda r: (*r.key, r.effective_from))
    proposal.rows = rows + new_rows
    return proposal


def _compare(current: PriceRow, fetched: PriceRow) -> tuple[bool, PriceRow, tuple[str, ...]]:
    """Whether the fetched prices differ from ``current``, the fetched row completed with the
    classes only ``current`` has, and the names of those kept classes."""
    if current.price_unit != fetched.price_unit:
        return True, fetched, ()
    differs = any(
        getattr(fetched, name) is not None and getattr(fetched, name) != getattr(current, name)
        for name in PRICE_FIELDS
    )
    kept = tuple(
        name
        for name in PRICE_FIELDS
        if getattr(fetched, name) is None and getattr(current, name) is not None
    )
    if not kept:
        return differs, fetched, ()
    source = (
        f"{fetched.source}; {' '.join(kept)} kept from the seed row of "
        f"{current.effective_from.isoformat()} (not in the Price List)"
    )
    values = {name: getattr(current, name) for name in kept}
    return differs, replace(fetched, **values, source=clean_source(source)), kept


class _CatalogLookup:
    """The catalog row dbt would price a fetched key with today, over the proposal's rows."""

    def __init__(
        self,
        rows: list[PriceRow],
        rules: Sequence[PriceRule],
        regions: Mapping[str, Region] | None,
    ) -> None:
        self._rows = rows
        self._rules = rules
        self._regions = regions
        self._catalog: Catalog | None = None

    def invalidate(self) -> None:
        self._catalog = None

    def winner(self, fetched: PriceRow, today: date) -> CatalogRow | None:
        if self._catalog is None:
            self._catalog = Catalog.build(self._rows, self._rules, self._regions)
        model_id, region, scope, tier, context = fetched.key
        call_scope = "in_region" if scope == "*" else scope
        winners = [
            item
            for item in self._catalog.winners(model_id, region, call_scope, tier, context, today)
            if not (item.rule_id is None and item.row.key == fetched.key)
        ]
        return winners[0] if winners else None

    def position(self, row: PriceRow) -> int:
        return next(i for i, candidate in enumerate(self._rows) if candidate is row)
