"""Argument types shared by the ``bedrock-costs`` sub-commands (argparse ``type=`` callables)."""

from __future__ import annotations

import argparse
from datetime import date


def iso_date(value: str) -> date:
    """A calendar date written YYYY-MM-DD; argparse reports anything else as a usage error."""
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"expected a date as YYYY-MM-DD, got {value!r}") from exc


def positive_int(value: str) -> int:
    """A whole number of at least 1; argparse reports anything else as a usage error."""
    try:
        number = int(value)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {value!r}") from exc
    if number < 1:
        raise argparse.ArgumentTypeError(f"expected a number of at least 1, got {number}")
    return number
