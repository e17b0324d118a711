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
