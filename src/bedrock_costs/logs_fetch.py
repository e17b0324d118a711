"""``bedrock-costs logs fetch``: copy a date range of Bedrock invocation logs from S3 to disk.

Bedrock writes ``<prefix>/AWSLogs/<account>/BedrockModelInvocationLogs/<region>/YYYY/MM/DD/HH/``.
The fetch lists only what it needs: the accounts under ``AWSLogs/`` and the Regions under each
account (``Delimiter='/'``, unless ``--account`` / ``--region`` name them), then one prefix per
account, Region and UTC day in the range (inclusive). It never lists the whole bucket.

Objects land under ``--out`` with the same relative layout (``<out>/AWSLogs/...``), which is what
the dbt DuckDB target reads (``--vars '{bedrock_logs_dir: "<out>"}'``). Downloads run in a thread
pool and are resumable: a file whose local size equals the object size is skipped, each object is
written to ``<name>.part`` and renamed only after its size is verified, so a partial file never
carries the final name. The ``data/`` objects Bedrock writes for large bodies are skipped unless
``--include-data`` is given (the cost marts never read them).
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import sys
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path, PurePosixPath
from typing import Any, Final, TextIO

from bedrock_costs.arg_types import iso_date
from bedrock_costs.aws_errors import explain
from bedrock_costs.untrusted import printable

EXIT_OK: Final = 0
EXIT_FAILURE: Final = 1
EXIT_USAGE: Final = 2

LOG_FOLDER: Final = "BedrockModelInvocationLogs"
PART_SUFFIX: Final = ".part"
DEFAULT_WORKERS: Final = 8
_CHUNK: Final = 1024 * 1024
_ACCOUNT: Final = re.compile(r"^\d{12}$")
_REGION: Final = re.compile(r"^[a-z]{2}(-[a-z]+)+-\d+$")


class FetchError(Exception):
    """The fetch could not start (nothing under the prefix, listing refused, ...)."""


@dataclass(frozen=True)
class FetchRequest:
    bucket: str
    prefix: str
    start: date
    end: date
    out: Path
    workers: int = DEFAULT_WORKERS
    accounts: tuple[str, ...] = ()
    regions: tuple[str, ...] = ()
    include_data: bool = False

    @property
    def root(self) -> str:
        """Key prefix before ``AWSLogs/`` (``"p/"`` for prefix ``p``, ``""`` for none)."""
        prefix = self.prefix.strip("/")
        return f"{prefix}/" if prefix else ""


@dataclass(frozen=True)
class LogObject:
    key: str
    size: int


@dataclass
class FetchStats:
    listed: int = 0
    downloaded: int = 0
    skipped: int = 0
    data_skipped: int = 0
    bytes_downloaded: int = 0
    failures: list[str] = field(default_factory=list)

    def describe(self) -> str:
        parts = [
            f"{self.listed} log objects in range",
            f"{self.downloaded} downloaded ({_megabytes(self.bytes_downloaded)})",
            f"{self.skipped} already present",
        ]
        if self.data_skipped:
            parts.append(f"{self.data_skipped} data/ body objects skipped (--include-data)")
        if self.failures:
            parts.append(f"{len(self.failures)} FAILED")
        return ", ".join(parts)


def _megabytes(size: int) -> str:
    return f"{size / 1_000_000:.1f} MB"


def days(start: date, end: date) -> Iterator[date]:
    """Every UTC day from ``start`` to ``end``, both included."""
    day = start
    while day <= end:
        yield day
        day += timedelta(days=1)


def _child_prefixes(s3: Any, bucket: str, prefix: str) -> list[str]:
    """The names of the ``/``-delimited folders directly under ``prefix``."""
    names: list[str] = []
    paginator = s3.get_paginator("list_objects_v2")
    for page in paginator.paginate(Bucket=bucket, Prefix=prefix, Delimiter="/"):
        for common in page.get("CommonPrefixes", []):
            names.append(common["Prefix"][len(prefix) :].rstrip("/"))
    return names


def discover_sources(s3: Any, request: FetchRequest) -> list[tuple[str, str]]:
    """(account, Region) pairs to fetch: discovered with ``Delimiter='/'`` unless given."""
    accounts = list(request.accounts)
    if not accounts:
        accounts = _child_prefixes(s3, request.bucket, f"{request.root}AWSLogs/")
        if not accounts:
            raise FetchError(
                f"nothing under s3://{request.bucket}/{request.root}AWSLogs/: check --bucket and "
                "--prefix (`bedrock-costs logging status` shows where logs go), and that logging "
                "has delivered at least once"
            )
    pairs: list[tuple[str, str]] = []
    for account in accounts:
        regions = list(request.regions)
        if not regions:
            regions = _child_prefixes(
                s3, request.bucket, f"{request.root}AWSLogs/{account}/{LOG_FOLDER}/"
            )
        pairs.extend((account, region) for region in regions)
    return pairs


def day_prefix(root: str, account: str, region: str, day: date) -> str:
    return f"{root}AWSLogs/{account}/{LOG_FOLDER}/{region}/{day:%Y/%m/%d}/"


def is_data_object(key: str, day_prefix_: str) -> bool:
    """True for the side objects Bedrock writes for large bodies (``.../HH/data/...``)."""
    return "data" in PurePosixPath(key[len(day_prefix_) :]).parts[:-1]


def list_objects(s3: Any, request: FetchRequest, stats: FetchStats) -> list[LogObject]:
    """Every object to fetch, listing one prefix per account, Region and day."""
    objects: list[LogObject] = []
    paginator = s3.get_paginator("list_objects_v2")
    for account, region in discover_sources(s3, request):
        for day in days(request.start, request.end):
            prefix = day_prefix(request.root, account, region, day)
            for page in paginator.paginate(Bucket=request.bucket, Prefix=prefix):
                for item in page.get("Contents", []):
                    key = item["Key"]
                    if key.endswith("/"):
                        continue
                    if not request.include_data and is_data_object(key, prefix):
                        stats.data_skipped += 1
                        continue
                    objects.append(LogObject(key, int(item["Size"])))
    stats.listed = len(objects)
    return objects


def local_path(out: Path, root: str, key: str) -> Path:
    """Where ``key`` goes under ``out`` (its path after the prefix); refuses to leave ``out``."""
    relative = PurePosixPath(key[len(root) :])
    if relative.is_absolute() or ".." in relative.parts:
        raise FetchError(f"refusing to write object {key!r} outside {out}")
    return out.joinpath(*relative.parts)


def download(s3: Any, bucket: str, item: LogObject, dest: Path) -> bool:
    """Fetch ``item`` to ``dest`` unless a file of the same size is there. True if downloaded.

    Writes ``dest.part`` first, verifies the size and renames it, so ``dest`` is never partial.
    """
    if dest.is_file() and dest.stat().st_size == item.size:
        return False
    dest.parent.mkdir(parents=True, exist_ok=True)
    part = dest.with_name(dest.name + PART_SUFFIX)
    try:
        body = s3.get_object(Bucket=bucket, Key=item.key)["Body"]
        with part.open("wb") as handle:
            shutil.copyfileobj(body, handle, _CHUNK)
        written = part.stat().st_size
        if written != item.size:
            raise OSError(
                f"size mismatch for {item.key}: got {written} bytes, S3 lists {item.size} "
                "(the object changed or the transfer broke off); run the fetch again"
            )
        os.replace(part, dest)
    except BaseException:
        part.unlink(missing_ok=True)
        raise
    return True


class Progress:
    """A one-line counter on stderr (redrawn on a terminal, a line per ~5 % otherwise)."""

    def __init__(self, total: int, stream: TextIO | None, *, enabled: bool) -> None:
        self.total = total
        self.done = 0
        self.bytes = 0
        self.stream = stream or sys.stderr
        self.enabled = enabled and total > 0
        self.tty = self.enabled and self.stream.isatty()
        self.step = max(1, total // 20)
        self.lock = threading.Lock()

    def advance(self, size: int) -> None:
        with self.lock:
            self.done += 1
            self.bytes += size
            if not self.enabled:
                return
            line = f"fetch: {self.done}/{self.total} files, {_megabytes(self.bytes)}"
            if self.tty:
                end = "\n" if self.done == self.total else ""
                self.stream.write(f"\r{line}{end}")
            elif self.done % self.step == 0 or self.done == self.total:
                self.stream.write(line + "\n")
            self.stream.flush()


def fetch_logs(
    request: FetchRequest, s3: Any, *, progress: bool = True, stderr: TextIO | None = None
) -> FetchStats:
    """List and download the request's objects; failures are collected in the stats."""
    err = stderr or sys.stderr
    stats = FetchStats()
    if progress:
        print(
            f"listing s3://{request.bucket}/{request.root}AWSLogs/ from {request.start} "
            f"to {request.end} (UTC days)",
            file=err,
            flush=True,
        )
    objects = list_objects(s3, request, stats)
    targets = [(item, local_path(request.out, request.root, item.key)) for item in objects]
    meter = Progress(len(targets), err, enabled=progress)
    lock = threading.Lock()
    with ThreadPoolExecutor(max_workers=request.workers) as pool:
        futures = {
            pool.submit(download, s3, request.bucket, item, dest): item for item, dest in targets
        }
        for future in as_completed(futures):
            item = futures[future]
            try:
                fetched = future.result()
            except Exception as error:
                message = (
                    str(error)
                    if isinstance(error, OSError)
                    else explain(
                        error, action="s3:GetObject", resource=f"s3://{request.bucket}/{item.key}"
                    )
                )
                with lock:
                    stats.failures.append(message)
            else:
                with lock:
                    if fetched:
                        stats.downloaded += 1
                        stats.bytes_downloaded += item.size
                    else:
                        stats.skipped += 1
            meter.advance(item.size)
    return stats


# ---------------------------------------------------------------------------------------------
# CLI
# ---------------------------------------------------------------------------------------------


def _workers(value: str) -> int:
    try:
        number = int(value)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {value!r}") from exc
    if not 1 <= number <= 64:
        raise argparse.ArgumentTypeError(f"expected 1 to 64 workers, got {number}")
    return number


def _account(value: str) -> str:
    if not _ACCOUNT.match(value):
        raise argparse.ArgumentTypeError(f"expected a 12-digit AWS account id, got {value!r}")
    return value


def _region(value: str) -> str:
    if not _REGION.match(value):
        raise argparse.ArgumentTypeError(f"expected a Region code like us-east-1, got {value!r}")
    return value


def _bucket(value: str) -> str:
    if value.startswith("s3://") or "/" in value or not value:
        raise argparse.ArgumentTypeError(
            f"expected a bare bucket name (no s3://, no /; the folder goes in --prefix), "
            f"got {value!r}"
        )
    return value


def _cmd_fetch(args: argparse.Namespace) -> int:
    if args.start > args.end:
        print(f"error: --from {args.start} is after --to {args.end}", file=sys.stderr)
        return EXIT_USAGE
    request = FetchRequest(
        bucket=args.bucket,
        prefix=args.prefix,
        start=args.start,
        end=args.end,
        out=args.out,
        workers=args.workers,
        accounts=tuple(args.accounts or ()),
        regions=tuple(args.regions or ()),
        include_data=args.include_data,
    )
    return run_fetch(request, make_s3_client(), progress=not args.quiet)


def make_s3_client() -> Any:
    """A boto3 S3 client whose connection pool fits the thread pool."""
    import boto3
    from botocore.config import Config

    return boto3.client("s3", config=Config(max_pool_connections=64))


def run_fetch(
    request: FetchRequest,
    s3: Any,
    *,
    progress: bool = True,
    stdout: TextIO | None = None,
    stderr: TextIO | None = None,
) -> int:
    """Fetch and report. Exit codes: 0 everything in range is on disk, 1 anything failed."""
    from botocore.exceptions import BotoCoreError, ClientError

    out = stdout or sys.stdout
    err = stderr or sys.stderr
    listing = f"s3://{request.bucket}/{request.root}AWSLogs/"
    try:
        stats = fetch_logs(request, s3, progress=progress, stderr=err)
    except FetchError as error:
        print(f"error: {error}", file=err)
        return EXIT_FAILURE
    except (BotoCoreError, ClientError) as error:
        print(f"error: {explain(error, action='s3:ListBucket', resource=listing)}", file=err)
        return EXIT_FAILURE
    print(stats.describe(), file=out)
    if stats.failures:
        for failure in stats.failures[:20]:
            print(f"  failed: {printable(failure)}", file=err)  # keys are anyone's text
        if len(stats.failures) > 20:
            print(f"  ... and {len(stats.failures) - 20} more", file=err)
        print(
            "error: some objects were not fetched; run the same command again to resume", file=err
        )
        return EXIT_FAILURE
    if stats.listed == 0:
        print(
            f"note: no log objects between {request.start} and {request.end}; Bedrock writes "
            "only for hours with calls (and only where logging is on)",
            file=err,
        )
    else:
        print(
            f"Build the marts on them: make build SAMPLE_DIR={request.out}  "
            f"(or dbt build --target local --vars '{{bedrock_logs_dir: \"{request.out}\"}}')",
            file=out,
        )
    return EXIT_OK


def add_logs_parser(subparsers: Any) -> None:
    """Register ``logs`` (with the sub-command ``fetch``) on the CLI's sub-parsers."""
    logs = subparsers.add_parser(
        "logs",
        help="download Bedrock invocation logs from S3 for a local build",
        description="Work with the model invocation logs Bedrock delivers to S3.",
        epilog="Example: bedrock-costs logs fetch --bucket my-bedrock-logs --prefix bedrock "
        "--from 2026-11-01 --to 2026-11-07 --out data/my-logs",
    )
    commands = logs.add_subparsers(dest="logs_command", metavar="SUBCOMMAND", required=True)
    fetch = commands.add_parser(
        "fetch",
        help="download a UTC date range of log objects into a local directory",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description=(
            "Download the log objects of the UTC days --from..--to (inclusive) under\n"
            "s3://BUCKET/PREFIX/AWSLogs/<account>/BedrockModelInvocationLogs/<region>/YYYY/MM/DD/\n"
            "into --out, keeping the layout after PREFIX (so dbt reads --out as\n"
            "bedrock_logs_dir). Only the day folders in range are listed, never the whole bucket.\n"
            "Resumable: files already present with the object's size are skipped, downloads go\n"
            "to *.part and are renamed only after the size checks out. data/ objects (large\n"
            "bodies) are skipped unless --include-data. Progress goes to stderr.\n"
            "\n"
            "IAM: s3:ListBucket on the bucket (for the prefix) and s3:GetObject on the objects."
        ),
        epilog=(
            "Exit codes: 0 every object in range is on disk (also when the range is empty),\n"
            "1 listing failed, nothing is under the prefix, or some objects failed (run again\n"
            "to resume), 2 bad arguments.\n"
            "\n"
            "Example: bedrock-costs logs fetch --bucket my-bedrock-logs --prefix bedrock "
            "--from 2026-11-01 --to 2026-11-07 --out data/my-logs"
        ),
    )
    fetch.add_argument("--bucket", required=True, type=_bucket, help="S3 bucket name")
    fetch.add_argument(
        "--prefix", default="", help="key prefix before AWSLogs/ (logging enable's --prefix)"
    )
    fetch.add_argument(
        "--from",
        dest="start",
        required=True,
        type=iso_date,
        metavar="YYYY-MM-DD",
        help="first UTC day",
    )
    fetch.add_argument(
        "--to",
        dest="end",
        required=True,
        type=iso_date,
        metavar="YYYY-MM-DD",
        help="last UTC day (included)",
    )
    fetch.add_argument("--out", required=True, type=Path, help="local directory to write into")
    fetch.add_argument(
        "--workers",
        type=_workers,
        default=DEFAULT_WORKERS,
        help=f"parallel downloads (default {DEFAULT_WORKERS})",
    )
    fetch.add_argument(
        "--account",
        dest="accounts",
        type=_account,
        action="append",
        metavar="ACCOUNT",
        help="only this account id (repeatable; default: every account found)",
    )
    fetch.add_argument(
        "--region",
        dest="regions",
        type=_region,
        action="append",
        metavar="REGION",
        help="only logs of this Region (repeatable; default: every Region found)",
    )
    fetch.add_argument(
        "--include-data",
        action="store_true",
        help="also fetch the data/ objects holding large request/response bodies",
    )
    fetch.add_argument("--quiet", action="store_true", help="no progress output")
    fetch.set_defaults(handler=_cmd_fetch)
