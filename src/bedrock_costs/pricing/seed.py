"""Reading, validating and writing the price seed (seeds/bedrock_model_prices.csv)."""

from __future__ import annotations

import csv
import io
import os
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path

from bedrock_costs.pricing.rows import (
    CONTEXT_TIERS,
    PRICE_FIELDS,
    PRICE_UNITS,
    ROUTING_SCOPES,
    SEED_HEADER,
    SERVICE_TIERS,
    PriceRow,
)


class SeedFormatError(ValueError):
    """The seed file does not follow the contract (header, values)."""


@dataclass(frozen=True)
class SeedFile:
    """A parsed seed with what is needed to write it back byte for byte."""

    rows: list[PriceRow]
    header_raw: str = ",".join(SEED_HEADER) + "\n"
    line_terminator: str = "\n"
    bom: bool = False


def read_seed(path: Path) -> SeedFile:
    """Parse ``path``; raises ``FileNotFoundError`` or :class:`SeedFormatError`."""
    text = path.read_bytes().decode("utf-8")
    return parse_seed(text, name=str(path))


def parse_seed(text: str, *, name: str = "seed") -> SeedFile:
    bom = text.startswith("\ufeff")
    if bom:
        text = text[1:]
    lines = text.splitlines(keepends=True)
    consumed: list[str] = []
    line_number = 0

    def feed() -> Iterator[str]:
        for line in lines:
            consumed.append(line)
            yield line

    reader = csv.reader(feed())
    header = next(reader, None)
    if header is None:
        raise SeedFormatError(f"{name} is empty; expected the header {','.join(SEED_HEADER)}")
    header_raw = "".join(consumed)
    line_number += len(consumed)
    consumed.clear()
    if tuple(header) != SEED_HEADER:
        raise SeedFormatError(
            f"{name} does not have the expected header.\n  expected: {','.join(SEED_HEADER)}\n"
            f"  found:    {','.join(header)}"
        )
    terminator = "\r\n" if header_raw.endswith("\r\n") else "\n"
    rows: list[PriceRow] = []
    errors: list[str] = []
    for record in reader:
        raw = "".join(consumed)
        first_line = line_number + 1
        line_number += len(consumed)
        consumed.clear()
        if not record or all(not cell.strip() for cell in record):
            continue
        try:
            rows.append(_row_from_cells(tuple(record), raw))
        except SeedFormatError as error:
            errors.append(f"line {first_line}: {error}")
    if errors:
        shown = "\n  ".join(errors[:10])
        more = f"\n  ... and {len(errors) - 10} more" if len(errors) > 10 else ""
        raise SeedFormatError(f"{name} has invalid rows:\n  {shown}{more}")
    return SeedFile(rows=rows, header_raw=header_raw, line_terminator=terminator, bom=bom)


def _row_from_cells(cells: tuple[str, ...], raw: str) -> PriceRow:
    if len(cells) != len(SEED_HEADER):
        raise SeedFormatError(f"{len(cells)} cells, expected {len(SEED_HEADER)}")
    value = dict(zip(SEED_HEADER, cells, strict=True))
    for column in ("model_id", "region", "effective_from", "source"):
        if not value[column].strip():
            raise SeedFormatError(f"empty {column}")
    for column, allowed in (
        ("routing_scope", ROUTING_SCOPES),
        ("service_tier", SERVICE_TIERS),
        ("context_tier", CONTEXT_TIERS),
        ("price_unit", PRICE_UNITS),
    ):
        if value[column] not in allowed:
            raise SeedFormatError(f"{column} {value[column]!r} is not one of {', '.join(allowed)}")
    prices: dict[str, Decimal | None] = {}
    for short, column in zip(PRICE_FIELDS, SEED_HEADER[6:12], strict=True):
        prices[short] = _seed_decimal(value[column], column)
    effective_from = _seed_date(value["effective_from"], "effective_from")
    effective_to = (
        _seed_date(value["effective_to"], "effective_to") if value["effective_to"] else None
    )
    if effective_to is not None and effective_to < effective_from:
        raise SeedFormatError("effective_to is before effective_from")
    return PriceRow(
        model_id=value["model_id"],
        region=value["region"],
        routing_scope=value["routing_scope"],
        service_tier=value["service_tier"],
        context_tier=value["context_tier"],
        price_unit=value["price_unit"],
        **prices,
        effective_from=effective_from,
        effective_to=effective_to,
        source=value["source"],
        cells=cells,
        raw=raw,
    )


def _seed_decimal(text: str, column: str) -> Decimal | None:
    if not text.strip():
        return None
    try:
        number = Decimal(text.strip())
    except InvalidOperation:
        raise SeedFormatError(f"{column} {text!r} is not a number") from None
    if not number.is_finite() or number < 0:
        raise SeedFormatError(f"{column} {text!r} is not a non-negative number")
    return number


def _seed_date(text: str, column: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise SeedFormatError(f"{column} {text!r} is not a YYYY-MM-DD date") from None


def render_seed(rows: Sequence[PriceRow], template: SeedFile | None = None) -> str:
    """The CSV text for ``rows``: rows read from a file are written exactly as read."""
    template = template or SeedFile(rows=[])
    chunks: list[str] = []
    for row in rows:
        if row.raw is not None:
            chunks.append(row.raw)
        else:
            buffer = io.StringIO()
            csv.writer(buffer, lineterminator=template.line_terminator).writerow(row.to_cells())
            chunks.append(buffer.getvalue())
    header = template.header_raw
    if chunks and not header.endswith(("\n", "\r")):
        header += template.line_terminator
    for index in range(len(chunks) - 1):
        if not chunks[index].endswith(("\n", "\r")):
            chunks[index] += template.line_terminator
    return ("\ufeff" if template.bom else "") + header + "".join(chunks)


def write_seed(path: Path, rows: Sequence[PriceRow], template: SeedFile | None = None) -> None:
    """Write atomically (a temporary file in the same directory, then a rename)."""
    text = render_seed(rows, template)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="") as stream:
            stream.write(text)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
