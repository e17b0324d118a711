"""``bedrock-costs logs fetch``: copy a date range of Bedrock invocation logs from S3 to disk.

Bedrock writes ``<prefix>/AWSLogs/<account>/BedrockModelInvocationLogs/<region>/YYYY/MM/DD/HH/``.
The fetch lists only what it needs: the accounts under ``AWSLogs/`` and the Regions under each
account (``Delimiter='/'``, unless ``--account`` / ``--region`` name them), then one prefix per
account, Region and UTC day in the range (inclusive). It never lists the whole bucket.

Objects land under ``--out`` with the same relative layout (``<out>/AWSLogs/...``), which is what
the dbt DuckDB target reads (``--vars '{bedrock_logs_dir: "<out>"}'``). Every key maps onto
exactly one local file, and no two keys onto the same one. A key is refused and reported, and
the fetch goes on with the rest (exit 3), when its path is not in normal form (``//``, ``/./``,
``..``, a trailing ``/``), a path part has characters outside ``[A-Za-z0-9._=-]`` (so no
backslash, ``:``, glob or control characters) or is a name Windows reads differently, its
destination does not resolve inside ``--out``, or another key has the same destination (compared
ignoring case). Bedrock never writes such keys, but anyone who may write to the bucket can; before
this check ``12//name`` replaced the genuine ``12/name`` on disk (security review R5, H6).

Downloads run in a thread pool and are resumable: a file is skipped only when the manifest
``<out>/``:data:`MANIFEST_NAME` says a fetch wrote it from the object's current ETag and the file
still has the size and modification time it had then, so same-size bytes from elsewhere (an
older version of this command, a copy, a forged key) are replaced. Each object is written to
``<name>.part`` and renamed only after its size is verified, so a partial file never carries the
final name. The ``data/`` objects Bedrock writes for large bodies are skipped unless
``--include-data`` is given (the cost marts never read them).
"""

from __future__ import annotations

import argparse
import json
import os
import posixpath
import re
import shutil
import sys
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path, PurePosixPath
from typing import Any, Final, Protocol, TextIO

from bedrock_costs.arg_types import account_id, bucket_name, int_between, iso_date, region_code
from bedrock_costs.aws_errors import explain
from bedrock_costs.exit_codes import EXIT_FAILURE, EXIT_OK, EXIT_SKIPPED_KEYS, EXIT_USAGE
from bedrock_costs.untrusted import printable

LOG_FOLDER: Final = "BedrockModelInvocationLogs"
PART_SUFFIX: Final = ".part"
DEFAULT_WORKERS: Final = 8
_CHUNK: Final = 1024 * 1024
#: The characters a key's path part may hold. Bedrock's own names use far fewer
#: (``20261102T130101000Z_0123456789abcdef.json.gz``, ``data/<uuid>_output.json.gz``,
#: ``amazon-bedrock-logs-permission-check``): no ``\`` or ``:`` (Windows path syntax), no glob
#: or control characters, nothing a terminal or a shell could read as something else.
_KEY_PART: Final = re.compile(r"[A-Za-z0-9._=-]+")
_KEY_PART_TEXT: Final = "[A-Za-z0-9._=-]"
#: Device names Windows opens instead of a file, with or without an extension.
_WINDOWS_DEVICES: Final = frozenset(
    {"con", "prn", "aux", "nul"} | {f"{port}{n}" for port in ("com", "lpt") for n in "123456789"}
)
#: The fetch's record of the ETag of every file it downloaded, one JSON object per line.
MANIFEST_NAME: Final = ".bedrock-costs-fetch.jsonl"


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
    etag: str = ""


@dataclass(frozen=True)
class RefusedKey:
    """A listed key that was not fetched because it does not map one-to-one onto a local file."""

    key: str
    reason: str


@dataclass(frozen=True)
class Target:
    item: LogObject
    dest: Path
    relative: str
    """The key after the prefix (``AWSLogs/...``): the file's path under ``--out``."""


@dataclass
class FetchStats:
    listed: int = 0
    downloaded: int = 0
    skipped: int = 0
    data_skipped: int = 0
    bytes_downloaded: int = 0
    failures: list[str] = field(default_factory=list)
    refused: list[RefusedKey] = field(default_factory=list)

    def describe(self) -> str:
        parts = [
            f"{self.listed} log objects in range",
            f"{self.downloaded} downloaded ({_megabytes(self.bytes_downloaded)})",
            f"{self.skipped} already present",
        ]
        if self.data_skipped:
            parts.append(f"{self.data_skipped} data/ body objects skipped (--include-data)")
        if self.refused:
            parts.append(f"{len(self.refused)} refused (unsafe key)")
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
                    size = int(item["Size"])
                    if key.endswith("/") and size == 0:
                        continue  # a folder marker (the S3 console's "Create folder")
                    if not request.include_data and is_data_object(key, prefix):
                        stats.data_skipped += 1
                        continue
                    objects.append(LogObject(key, size, str(item.get("ETag", ""))))
    stats.listed = len(objects)
    return objects


def key_problem(root: str, key: str) -> str | None:
    """Why ``key`` cannot be one local file under ``--out`` (its path after ``root``), or None.

    The path after the prefix must already be in normal form and every part must be a plain
    name: ``[A-Za-z0-9._=-]``, not ``.`` or ``..``, not ending in a dot, not a Windows device
    name, and the last not ending in ``.part`` (the suffix of unfinished downloads).
    """
    if not key.startswith(root):
        return "it is not under the prefix"
    relative = key[len(root) :]
    parts = relative.split("/")
    for part in parts:
        if part == "":
            return "it has an empty path part (`//`, or a leading or trailing `/`)"
        if part in (".", ".."):
            return "it has a `.` or `..` path part"
        if not _KEY_PART.fullmatch(part):
            return f"a path part has characters outside {_KEY_PART_TEXT}"
        if part.endswith("."):
            return "a path part ends in a dot (Windows drops it, so two keys could share a file)"
        if part.split(".", 1)[0].lower() in _WINDOWS_DEVICES:
            return "a path part is a Windows device name (CON, NUL, COM1 ...)"
    if parts[-1].endswith(PART_SUFFIX):
        return f"it ends in {PART_SUFFIX}, the suffix of another download's temporary file"
    if posixpath.normpath(relative) != relative:  # implied by the checks above; kept as a net
        return "its path is not in normal form"
    return None


def local_path(out: Path, root: str, key: str) -> Path:
    """Where ``key`` goes under ``out`` (its path after the prefix); FetchError if it may not."""
    problem = key_problem(root, key)
    if problem:
        raise FetchError(f"refusing object {printable(key)}: {problem}")
    return out.joinpath(*key[len(root) :].split("/"))


def plan_targets(
    out: Path, root: str, objects: list[LogObject]
) -> tuple[list[Target], list[RefusedKey]]:
    """One local file per key: the targets to fetch, and the keys refused (each with why).

    Beyond :func:`key_problem`, a key is refused when its destination does not resolve inside
    ``out`` (a symbolic link on the way leads elsewhere), and every key of a group that would
    share a destination is refused: the same path ignoring case (one file on macOS and Windows
    disks), or a file where another key needs a folder. None of them can tell the genuine one.
    """
    base = out.resolve()
    candidates: list[Target] = []
    refused: list[RefusedKey] = []
    for item in objects:
        problem = key_problem(root, item.key)
        if problem:
            refused.append(RefusedKey(item.key, problem))
            continue
        relative = item.key[len(root) :]
        dest = out.joinpath(*relative.split("/"))
        if not dest.resolve().is_relative_to(base):
            refused.append(RefusedKey(item.key, f"its destination resolves outside {out}"))
            continue
        candidates.append(Target(item, dest, relative))
    by_file: dict[str, list[Target]] = {}
    for target in candidates:
        by_file.setdefault(target.relative.casefold(), []).append(target)
    folders = {folded[:i] for folded in by_file for i, ch in enumerate(folded) if ch == "/"}
    targets: list[Target] = []
    for folded, group in by_file.items():
        ancestors = (folded[:i] for i, ch in enumerate(folded) if ch == "/")
        if len(group) > 1:
            reason = "another key maps to the same local file (the paths differ only in case)"
        elif folded in folders:
            reason = "another key needs a folder where this key's file would go"
        elif any(folder in by_file for folder in ancestors):
            reason = "another key's file would be where this key needs a folder"
        else:
            targets.append(group[0])
            continue
        refused.extend(RefusedKey(target.item.key, reason) for target in group)
    return targets, refused


class Manifest:
    """The ETag of every file a fetch downloaded into ``out``: what makes a file "present".

    An append-only file of JSON lines (``{"path", "etag", "size", "mtime_ns"}``: the object's
    ETag, and the file's size and modification time right after the download), the last line
    for a path winning. A line is added after each download, so an interrupted fetch loses at
    most the lines of the downloads in flight (and fetches those files again next time).
    """

    def __init__(self, out: Path) -> None:
        self.path = out / MANIFEST_NAME
        self.entries: dict[str, tuple[str, int, int]] = {}
        self.lock = threading.Lock()
        if self.path.is_file():
            with self.path.open(encoding="utf-8", errors="replace") as handle:
                for line in handle:
                    try:
                        entry = json.loads(line)
                        self.entries[str(entry["path"])] = (
                            str(entry["etag"]),
                            int(entry["size"]),
                            int(entry["mtime_ns"]),
                        )
                    except (ValueError, KeyError, TypeError):
                        continue  # a line cut off by an interrupted run

    def present(self, target: Target) -> bool:
        """Is ``target.dest`` the file a fetch wrote from the object as it is listed now?"""
        if not target.item.etag or not target.dest.is_file():
            return False
        stat = target.dest.stat()
        now = (target.item.etag, stat.st_size, stat.st_mtime_ns)
        return stat.st_size == target.item.size and self.entries.get(target.relative) == now

    def record(self, target: Target, etag: str) -> None:
        stat = target.dest.stat()
        entry = {
            "path": target.relative,
            "etag": etag,
            "size": stat.st_size,
            "mtime_ns": stat.st_mtime_ns,
        }
        with self.lock:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with self.path.open("a", encoding="utf-8") as handle:
                handle.write(json.dumps(entry) + "\n")
            self.entries[target.relative] = (etag, stat.st_size, stat.st_mtime_ns)


def download(s3: Any, bucket: str, target: Target, manifest: Manifest) -> bool:
    """Fetch ``target`` unless the file there is the one a fetch recorded. True if downloaded.

    Present means: the manifest holds the object's current ETag for the file, and the file's size
    (the object's) and modification time are the ones recorded at the download. Writes
    ``dest.part`` first, verifies the size and renames it, so ``dest`` is never partial; then
    records the ETag GetObject returned.
    """
    item, dest = target.item, target.dest
    if manifest.present(target):
        return False
    dest.parent.mkdir(parents=True, exist_ok=True)
    part = dest.with_name(dest.name + PART_SUFFIX)
    try:
        response = s3.get_object(Bucket=bucket, Key=item.key)
        with part.open("wb") as handle:
            shutil.copyfileobj(response["Body"], handle, _CHUNK)
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
    manifest.record(target, str(response.get("ETag", "")))
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


class DownloadCounts(Protocol):
    """What a download run counts (FetchStats here, BillStats in bill_fetch)."""

    downloaded: int
    skipped: int
    bytes_downloaded: int
    failures: list[str]


def download_targets(
    s3: Any,
    bucket: str,
    targets: list[Target],
    record: Manifest,
    stats: DownloadCounts,
    *,
    workers: int,
    err: TextIO,
    progress: bool,
) -> None:
    """Download ``targets`` in parallel (skipping those ``record`` shows present), counting into
    ``stats``: a failed download is a message in ``stats.failures``, never an exception."""
    meter = Progress(len(targets), err, enabled=progress)
    lock = threading.Lock()
    with ThreadPoolExecutor(max_workers=workers) as pool:
        futures = {
            pool.submit(download, s3, bucket, target, record): target.item for target in targets
        }
        for future in as_completed(futures):
            item = futures[future]
            try:
                fetched = future.result()
            except Exception as error:
                message = (
                    str(error)
                    if isinstance(error, OSError)
                    else explain(error, action="s3:GetObject", resource=f"s3://{bucket}/{item.key}")
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
    targets, stats.refused = plan_targets(request.out, request.root, objects)
    manifest = Manifest(request.out)
    download_targets(
        s3,
        request.bucket,
        targets,
        manifest,
        stats,
        workers=request.workers,
        err=err,
        progress=progress,
    )
    return stats


# ---------------------------------------------------------------------------------------------
# CLI
# ---------------------------------------------------------------------------------------------


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
    """Fetch and report. Returns the exit code.

    0 everything in range is on disk; 1 listing failed or some downloads failed (a rerun
    resumes; this wins over 3); 3 every key that maps onto a file is on disk, but some keys were
    refused (:data:`EXIT_SKIPPED_KEYS`, listed on stderr, escaped: keys are anyone's text).
    """
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
    if stats.refused:
        for refused in stats.refused[:20]:
            print(f"  refused: {printable(refused.key)}: {refused.reason}", file=err)
        if len(stats.refused) > 20:
            print(f"  ... and {len(stats.refused) - 20} more", file=err)
        count = len(stats.refused)
        print(
            f"error: {count} {'key' if count == 1 else 'keys'} refused: not fetched, since they "
            "do not map one-to-one onto a file under --out. Nothing was written for them. "
            "Bedrock never writes such keys: check who else may write to the bucket.",
            file=err,
        )
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
    return EXIT_SKIPPED_KEYS if stats.refused else EXIT_OK


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
            "Resumable: a file is skipped when it has the object's size and the ETag recorded\n"
            f"when it was downloaded ({MANIFEST_NAME} in --out); downloads go to *.part and\n"
            "are renamed only after the size checks out. data/ objects (large bodies) are\n"
            "skipped unless --include-data. Progress goes to stderr.\n"
            "\n"
            "Each key becomes exactly one file. Keys that do not (//, /./, .., a trailing /,\n"
            "a path part with characters outside [A-Za-z0-9._=-], a Windows device name, two\n"
            "keys on one file ignoring case, a destination resolving outside --out) are\n"
            "refused, listed on stderr, and the rest is fetched.\n"
            "\n"
            "IAM: s3:ListBucket on the bucket (for the prefix) and s3:GetObject on the objects."
        ),
        epilog=(
            "Exit codes: 0 every object in range is on disk (also when the range is empty),\n"
            "1 listing failed, nothing is under the prefix, or some objects failed (run again\n"
            "to resume; wins over 3), 2 bad arguments, 3 everything else is on disk but some\n"
            "keys were refused as unsafe (listed on stderr).\n"
            "\n"
            "Example: bedrock-costs logs fetch --bucket my-bedrock-logs --prefix bedrock "
            "--from 2026-11-01 --to 2026-11-07 --out data/my-logs"
        ),
    )
    fetch.add_argument("--bucket", required=True, type=bucket_name, help="S3 bucket name")
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
        type=int_between(1, 64, "workers"),
        default=DEFAULT_WORKERS,
        help=f"parallel downloads (default {DEFAULT_WORKERS})",
    )
    fetch.add_argument(
        "--account",
        dest="accounts",
        type=account_id,
        action="append",
        metavar="ACCOUNT",
        help="only this account id (repeatable; default: every account found)",
    )
    fetch.add_argument(
        "--region",
        dest="regions",
        type=region_code,
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
