"""Argument types shared by the ``bedrock-costs`` sub-commands (argparse ``type=`` callables)."""

from __future__ import annotations

import argparse
import os
from datetime import date
from pathlib import Path

# The DuckDB file dbt builds: the profile's `path`, which follows this environment variable.
DUCKDB_PATH_ENV = "BEDROCK_COSTS_DUCKDB_PATH"
DEFAULT_DUCKDB_PATH = "target/bedrock_tenant_costs.duckdb"


def default_database() -> Path:
    """The database `dbt build --target local` writes: $BEDROCK_COSTS_DUCKDB_PATH or the default."""
    return Path(os.environ.get(DUCKDB_PATH_ENV) or DEFAULT_DUCKDB_PATH)


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
