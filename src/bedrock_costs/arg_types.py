"""Argument types shared by the ``bedrock-costs`` sub-commands (argparse ``type=`` callables)."""

from __future__ import annotations

import argparse
import os
import re
from collections.abc import Callable
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


_ACCOUNT_ID = re.compile(r"^\d{12}$")
_REGION_CODE = re.compile(r"^[a-z]{2}(-[a-z]+)+-\d+$")
# Today's rule is 3-63 of [a-z0-9.-]; buckets made in us-east-1 before March 2018 may also hold
# upper-case letters and underscores, up to 255 characters, so those are accepted too.
_BUCKET_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{1,254}$")
# AWS Data Exports' own rule for an export's name (the API's ExportName: 1-128 of [0-9A-Za-z_-]).
_EXPORT_NAME = re.compile(r"[0-9A-Za-z_-]{1,128}")
_BILLING_PERIOD = re.compile(r"([0-9]{4})-([0-9]{2})")


def int_between(low: int, high: int, what: str) -> Callable[[str], int]:
    """A type for a whole number from low to high, e.g. int_between(1, 64, "workers")."""

    def parse(value: str) -> int:
        try:
            number = int(value)
        except ValueError as exc:
            raise argparse.ArgumentTypeError(f"expected a whole number, got {value!r}") from exc
        if not low <= number <= high:
            raise argparse.ArgumentTypeError(f"expected {low} to {high} {what}, got {number}")
        return number

    return parse


def account_id(value: str) -> str:
    """A 12-digit AWS account id."""
    if not _ACCOUNT_ID.match(value):
        raise argparse.ArgumentTypeError(f"expected a 12-digit AWS account id, got {value!r}")
    return value


def region_code(value: str) -> str:
    """An AWS Region code such as us-east-1 or ap-southeast-2."""
    if not _REGION_CODE.match(value):
        raise argparse.ArgumentTypeError(f"expected a Region code like us-east-1, got {value!r}")
    return value


def bucket_name(value: str) -> str:
    """A bare S3 bucket name (letters, digits, dots, hyphens, underscores): no s3://, no /."""
    if value.startswith("s3://") or "/" in value or not _BUCKET_NAME.match(value):
        raise argparse.ArgumentTypeError(
            "expected a bare S3 bucket name like my-bedrock-logs (no s3://, no /; a folder goes "
            f"in --prefix), got {value!r}"
        )
    return value


def export_name(value: str) -> str:
    """The name of an AWS Data Exports export: 1 to 128 letters, digits, hyphens, underscores."""
    if not _EXPORT_NAME.fullmatch(value):
        raise argparse.ArgumentTypeError(
            "expected a Data Exports export name (1 to 128 letters, digits, - and _, as the "
            f"Billing console shows it), got {value!r}"
        )
    return value


def billing_period(value: str) -> str:
    """A billing period (calendar month) written YYYY-MM, as in BILLING_PERIOD=YYYY-MM."""
    match = _BILLING_PERIOD.fullmatch(value)
    if not match or not 1 <= int(match.group(2)) <= 12 or int(match.group(1)) < 1:
        raise argparse.ArgumentTypeError(f"expected a billing period as YYYY-MM, got {value!r}")
    return value
