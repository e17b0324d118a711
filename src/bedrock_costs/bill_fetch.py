"""``bedrock-costs bill fetch``: copy one billing period of an AWS Data Exports (CUR 2.0) export.

Data Exports writes an export's data files under
``<prefix>/<export>/data/BILLING_PERIOD=YYYY-MM/`` (directly, with OVERWRITE_REPORT, or in one
folder per execution, ``.../BILLING_PERIOD=YYYY-MM/<execution>/``, with CREATE_NEW_REPORT), and
after them the month's manifest, ``<prefix>/<export>/metadata/BILLING_PERIOD=YYYY-MM/
<export>-Manifest.json``, rewritten on every refresh. Its ``dataFiles`` (full ``s3://`` URIs) are
the files of the newest delivery; other files under the partition are older deliveries.

The fetch reads the manifest and downloads exactly the files it lists into
``<out>/<export>/data/...`` (each key's path after the prefix), then writes the manifest to
``<out>/<export>/metadata/...`` last, so a local reader that trusts the manifest never sees a
half-downloaded month: while the local month changes it has no manifest at all. Local files of
the period's data folder that the manifest does not list (an earlier delivery) are removed once
the listed ones are in place, before the manifest is written.

The manifest is untrusted input: every URI must be in ``--bucket``, under the period's data
folder of the export, with a path in normal form whose parts are plain names (no ``..``, no
``//``); one that is not stops the fetch before anything is written. Downloads reuse
``logs fetch``'s machinery: a thread pool, ``<name>.part`` renamed once its size checks out, and
the record of the ETag each file was downloaded from (``<out>/.bedrock-costs-fetch.jsonl``,
the same file ``logs fetch`` keeps), so a rerun skips what is already there and resumes the rest.
"""

from __future__ import annotations

import argparse
import json
import os
import posixpath
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final, TextIO

from bedrock_costs.arg_types import billing_period, bucket_name, export_name, int_between
from bedrock_costs.aws_errors import error_code, explain
from bedrock_costs.exit_codes import EXIT_FAILURE, EXIT_OK
from bedrock_costs.logs_fetch import (
    DEFAULT_WORKERS,
    MANIFEST_NAME,
    PART_SUFFIX,
    LogObject,
    Target,
    download_targets,
    make_s3_client,
)
from bedrock_costs.logs_fetch import Manifest as DownloadRecord
from bedrock_costs.untrusted import printable

#: A manifest larger than this is refused (one of a month with thousands of files is ~1 MB).
MAX_MANIFEST_BYTES: Final = 32 * 1024 * 1024
#: The characters a path part below the partition may hold: the export's own names
#: (``Export-00001.snappy.parquet``, ``cur2-00001.csv.gz``) and the execution folders of
#: CREATE_NEW_REPORT (``2024-04-02T13:14:43.337Z-6b622448-...``, hence ``:``).
_KEY_PART: Final = re.compile(r"[A-Za-z0-9._=:-]+")
_KEY_PART_TEXT: Final = "[A-Za-z0-9._=:-]"
_WINDOWS_DEVICES: Final = frozenset(
    {"con", "prn", "aux", "nul"} | {f"{port}{n}" for port in ("com", "lpt") for n in "123456789"}
)
_PERIOD_TEXT: Final = re.compile(r"[0-9]{4}-[0-9]{2}")


class BillFetchError(Exception):
    """The fetch cannot go on: no manifest, an unusable manifest, or an AWS call failed."""


@dataclass(frozen=True)
class BillRequest:
    bucket: str
    prefix: str
    export_name: str
    period: str  # YYYY-MM
    out: Path
    workers: int = DEFAULT_WORKERS

    @property
    def root(self) -> str:
        """Key prefix before the export's folder (``"p/"`` for prefix ``p``, ``""`` for none)."""
        prefix = self.prefix.strip("/")
        return f"{prefix}/" if prefix else ""

    @property
    def partition(self) -> str:
        return f"BILLING_PERIOD={self.period}"

    @property
    def data_prefix(self) -> str:
        """Every data file of the period is under this key prefix."""
        return f"{self.root}{self.export_name}/data/{self.partition}/"

    @property
    def manifest_key(self) -> str:
        return (
            f"{self.root}{self.export_name}/metadata/{self.partition}/"
            f"{self.export_name}-Manifest.json"
        )

    def local(self, key: str) -> Path:
        """Where ``key`` (already validated) goes under ``out``: its path after the prefix."""
        return self.out.joinpath(*key[len(self.root) :].split("/"))

    @property
    def local_manifest(self) -> Path:
        return self.local(self.manifest_key)

    @property
    def local_data_folder(self) -> Path:
        return self.out / self.export_name / "data" / self.partition


@dataclass(frozen=True)
class ExportManifest:
    execution_id: str
    data_keys: tuple[str, ...]
    """The keys of the delivery's data files, in the manifest's order, each validated."""
    raw: bytes
    """The manifest's bytes as S3 holds them: what is written locally."""


@dataclass
class BillStats:
    execution_id: str = ""
    listed: int = 0
    downloaded: int = 0
    skipped: int = 0
    removed: int = 0
    bytes_downloaded: int = 0
    failures: list[str] = field(default_factory=list)

    def describe(self) -> str:
        parts = [
            f"{self.listed} data {'file' if self.listed == 1 else 'files'} in the manifest",
            f"{self.downloaded} downloaded ({self.bytes_downloaded / 1_000_000:.1f} MB)",
            f"{self.skipped} already present",
        ]
        if self.removed:
            parts.append(f"{self.removed} stale removed")
        if self.failures:
            parts.append(f"{len(self.failures)} FAILED")
        return ", ".join(parts)


def path_problem(relative: str) -> str | None:
    """Why ``relative`` (a key's path below the partition) cannot be one local file, or None."""
    parts = relative.split("/")
    for part in parts:
        if part == "":
            return "it has an empty path part (`//`, or a leading or trailing `/`)"
        if part in (".", ".."):
            return "it has a `.` or `..` path part"
        if not _KEY_PART.fullmatch(part):
            return f"a path part has characters outside {_KEY_PART_TEXT}"
        if part.endswith("."):
            return "a path part ends in a dot"
        if part.split(".", 1)[0].lower() in _WINDOWS_DEVICES:
            return "a path part is a Windows device name (CON, NUL, COM1 ...)"
    if parts[-1].endswith(PART_SUFFIX):
        return f"it ends in {PART_SUFFIX}, the suffix of a download's temporary file"
    if posixpath.normpath(relative) != relative:  # implied by the checks above; kept as a net
        return "its path is not in normal form"
    return None


def data_key(uri: str, request: BillRequest) -> str:
    """The key of a ``dataFiles`` URI; BillFetchError unless it is one of the period's files."""
    scheme = "s3://"
    where = f"s3://{request.bucket}/{request.data_prefix}"
    if not uri.startswith(scheme):
        problem: str | None = "it is not an s3:// URI"
    else:
        bucket, _, key = uri[len(scheme) :].partition("/")
        if bucket != request.bucket:
            problem = f"it is in another bucket than --bucket {request.bucket}"
        elif not key.startswith(request.data_prefix):
            problem = f"it is not under {where}"
        else:
            problem = path_problem(key[len(request.data_prefix) :])
            if problem is None:
                return key
    raise BillFetchError(
        f"the manifest lists the data file {printable(uri)}, but {problem}. Data Exports only "
        f"lists files under {where}: nothing was written; check who else may write to the bucket"
    )


def parse_manifest(raw: bytes, request: BillRequest) -> ExportManifest:
    """The manifest's delivery, every ``dataFiles`` URI checked; BillFetchError if unusable."""
    where = f"s3://{request.bucket}/{request.manifest_key}"
    try:
        document = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as error:
        raise BillFetchError(f"the manifest {where} is not JSON ({error})") from error
    if not isinstance(document, dict):
        raise BillFetchError(f"the manifest {where} is not a JSON object")
    files = document.get("dataFiles")
    if not isinstance(files, list) or not all(isinstance(uri, str) for uri in files):
        raise BillFetchError(f"the manifest {where} has no dataFiles list of s3:// URIs")
    period = document.get("billingPeriod")
    if isinstance(period, str) and _PERIOD_TEXT.fullmatch(period) and period != request.period:
        raise BillFetchError(
            f"the manifest {where} is for billingPeriod {period}, not {request.period}"
        )
    keys: list[str] = []
    chosen: set[str] = set()
    folded: dict[str, str] = {}
    for uri in files:
        key = data_key(uri, request)
        seen = folded.setdefault(key.casefold(), key)
        if seen != key:
            raise BillFetchError(
                f"the manifest lists {printable(uri)} and s3://{request.bucket}/{printable(seen)}"
                ", which differ only in case (one file on macOS and Windows disks): nothing "
                "was written"
            )
        if key not in chosen:  # a URI listed twice is one file
            chosen.add(key)
            keys.append(key)
    execution = document.get("executionId")
    return ExportManifest(execution if isinstance(execution, str) else "", tuple(keys), raw)


def read_manifest(s3: Any, request: BillRequest) -> bytes:
    """The manifest's bytes; BillFetchError naming the key when it is missing or unreadable."""
    from botocore.exceptions import BotoCoreError, ClientError

    where = f"s3://{request.bucket}/{request.manifest_key}"
    try:
        response = s3.get_object(Bucket=request.bucket, Key=request.manifest_key)
        raw: bytes = response["Body"].read(MAX_MANIFEST_BYTES + 1)
    except ClientError as error:
        if error_code(error) in ("NoSuchKey", "404"):
            raise BillFetchError(
                f"no manifest at {where}: the export may not have delivered {request.partition} "
                "yet (Data Exports writes the manifest after all of a delivery's data files), or "
                "--bucket, --prefix or --export-name do not match the export's S3 destination"
            ) from error
        message = explain(error, action="s3:GetObject", resource=where)
        if error_code(error) in ("AccessDenied", "403"):
            message += (
                " (without s3:ListBucket S3 also answers AccessDenied for a key that does "
                "not exist, such as a period not delivered yet)"
            )
        raise BillFetchError(message) from error
    except BotoCoreError as error:
        raise BillFetchError(explain(error, action="s3:GetObject", resource=where)) from error
    if len(raw) > MAX_MANIFEST_BYTES:
        raise BillFetchError(f"the manifest {where} is over {MAX_MANIFEST_BYTES} bytes")
    return raw


def list_data_files(s3: Any, request: BillRequest, keys: tuple[str, ...]) -> list[LogObject]:
    """Size and ETag of every key, listing only the folder the keys share."""
    from botocore.exceptions import BotoCoreError, ClientError

    if not keys:
        return []
    common = posixpath.commonprefix(list(keys))
    common = common[: common.rfind("/") + 1]  # a folder, at least the partition's
    wanted = set(keys)
    found: dict[str, LogObject] = {}
    paginator = s3.get_paginator("list_objects_v2")
    try:
        for page in paginator.paginate(Bucket=request.bucket, Prefix=common):
            for item in page.get("Contents", []):
                if item["Key"] in wanted:
                    found[item["Key"]] = LogObject(
                        item["Key"], int(item["Size"]), str(item.get("ETag", ""))
                    )
    except (BotoCoreError, ClientError) as error:
        where = f"s3://{request.bucket}/{common}"
        raise BillFetchError(explain(error, action="s3:ListBucket", resource=where)) from error
    missing = [key for key in keys if key not in found]
    if missing:
        raise BillFetchError(
            f"the manifest lists {len(missing)} data "
            f"{'file' if len(missing) == 1 else 'files'} that S3 does not hold (first: "
            f"s3://{request.bucket}/{printable(missing[0])}): a refresh may be replacing the "
            "month right now; run the same command again later. Nothing was written"
        )
    return [found[key] for key in keys]


def plan_targets(request: BillRequest, objects: list[LogObject]) -> list[Target]:
    """A local target per data file; BillFetchError if any path resolves outside ``out``.

    The manifest's own destination and the period's data folder are checked the same way, so a
    symbolic link on the way cannot lead a write or a removal elsewhere.
    """
    base = request.out.resolve()
    for path in (request.local_manifest, request.local_data_folder):
        if not path.resolve().is_relative_to(base):
            raise BillFetchError(f"{path} resolves outside {request.out}: nothing was written")
    targets: list[Target] = []
    for item in objects:
        dest = request.local(item.key)
        if not dest.resolve().is_relative_to(base):
            raise BillFetchError(
                f"the destination of s3://{request.bucket}/{printable(item.key)} resolves "
                f"outside {request.out} (a symbolic link on the way): nothing was written"
            )
        targets.append(Target(item, dest, item.key[len(request.root) :]))
    return targets


def stale_files(request: BillRequest, targets: list[Target]) -> list[Path]:
    """Files (and links) in the period's local data folder that are not the targets."""
    keep = {target.relative.casefold() for target in targets}
    folder = request.local_data_folder
    stale: list[Path] = []
    if not folder.is_dir():
        return stale
    for parent, folders, files in os.walk(folder):  # never follows a link to a folder
        here = Path(parent)
        links = [name for name in folders if (here / name).is_symlink()]
        for name in [*files, *links]:
            path = here / name
            if path.relative_to(request.out).as_posix().casefold() not in keep:
                stale.append(path)
    return sorted(stale)


def remove_stale(request: BillRequest, targets: list[Target]) -> int:
    """Remove the period's local files the manifest does not list, then the emptied folders.

    Returns how many files of an earlier delivery went (``.part`` leftovers are not counted).
    """
    removed = 0
    for path in stale_files(request, targets):
        path.unlink(missing_ok=True)
        removed += not path.name.endswith(PART_SUFFIX)
    top = request.local_data_folder
    for parent, _, _ in os.walk(top, topdown=False):  # a folder after everything in it
        folder = Path(parent)
        if folder != top and not any(folder.iterdir()):
            folder.rmdir()
    return removed


def write_manifest(request: BillRequest, raw: bytes) -> None:
    """Write the manifest's bytes to its local place (``.part``, then a rename)."""
    dest = request.local_manifest
    dest.parent.mkdir(parents=True, exist_ok=True)
    part = dest.with_name(dest.name + PART_SUFFIX)
    try:
        part.write_bytes(raw)
        os.replace(part, dest)
    except BaseException:
        part.unlink(missing_ok=True)
        raise


def fetch_bill(
    request: BillRequest, s3: Any, *, progress: bool = True, stderr: TextIO | None = None
) -> BillStats:
    """Read the manifest, download its files, remove stale ones, write the manifest last.

    BillFetchError before anything is written when the manifest is missing or unusable. Failed
    downloads are collected in the stats; then nothing is removed and the manifest is not written.
    """
    err = stderr or sys.stderr
    stats = BillStats()
    if progress:
        print(f"reading s3://{request.bucket}/{request.manifest_key}", file=err, flush=True)
    manifest = parse_manifest(read_manifest(s3, request), request)
    stats.execution_id = manifest.execution_id
    targets = plan_targets(request, list_data_files(s3, request, manifest.data_keys))
    stats.listed = len(targets)
    record = DownloadRecord(request.out)
    local = request.local_manifest
    unchanged = (
        local.is_file()
        and local.read_bytes() == manifest.raw
        and all(record.present(target) for target in targets)
        and not stale_files(request, targets)
    )
    if not unchanged:
        local.unlink(missing_ok=True)  # no manifest while the local month changes
    download_targets(
        s3,
        request.bucket,
        targets,
        record,
        stats,
        workers=request.workers,
        err=err,
        progress=progress,
    )
    if stats.failures:
        return stats
    stats.removed = remove_stale(request, targets)
    if not unchanged:
        write_manifest(request, manifest.raw)
    return stats


# ---------------------------------------------------------------------------------------------
# CLI
# ---------------------------------------------------------------------------------------------


def _cmd_fetch(args: argparse.Namespace) -> int:
    request = BillRequest(
        bucket=args.bucket,
        prefix=args.prefix,
        export_name=args.export_name,
        period=args.period,
        out=args.out,
        workers=args.workers,
    )
    return run_bill_fetch(request, make_s3_client(), progress=not args.quiet)


def run_bill_fetch(
    request: BillRequest,
    s3: Any,
    *,
    progress: bool = True,
    stdout: TextIO | None = None,
    stderr: TextIO | None = None,
) -> int:
    """Fetch and report. Returns the exit code.

    0 the period's newest delivery is on disk with its manifest; 1 no manifest, an unusable
    manifest (nothing written), an AWS call failed, or some downloads failed (a rerun resumes).
    """
    out = stdout or sys.stdout
    err = stderr or sys.stderr
    try:
        stats = fetch_bill(request, s3, progress=progress, stderr=err)
    except BillFetchError as error:
        print(f"error: {error}", file=err)
        return EXIT_FAILURE
    execution = f" (execution {printable(stats.execution_id)})" if stats.execution_id else ""
    print(f"{request.export_name} {request.partition}{execution}: {stats.describe()}", file=out)
    if stats.failures:
        for failure in stats.failures[:20]:
            print(f"  failed: {printable(failure)}", file=err)
        if len(stats.failures) > 20:
            print(f"  ... and {len(stats.failures) - 20} more", file=err)
        print(
            "error: some data files were not fetched, so the local month has no manifest; run "
            "the same command again to resume",
            file=err,
        )
        return EXIT_FAILURE
    if stats.removed:
        print(
            f"removed {stats.removed} local {'file' if stats.removed == 1 else 'files'} of "
            f"{request.partition} that the manifest no longer lists (an earlier delivery)",
            file=out,
        )
    print(f"manifest: {request.local_manifest}", file=out)
    print(
        "Reconcile the marts with it: dbt build --target local --vars "
        f'\'{{bedrock_logs_dir: "<logs>", bedrock_cur_dir: "{request.out}"}}\'',
        file=out,
    )
    return EXIT_OK


EXAMPLE: Final = (
    "Example: bedrock-costs bill fetch --bucket my-billing-exports --prefix cur "
    "--export-name cur2 --period 2026-11 --out data/my-bill"
)


def add_bill_parser(subparsers: Any) -> None:
    """Register ``bill`` (with the sub-command ``fetch``) on the CLI's sub-parsers."""
    bill = subparsers.add_parser(
        "bill",
        help="download an AWS Data Exports (CUR 2.0) billing period from S3",
        description="Work with the AWS bill that Data Exports (CUR 2.0) delivers to S3.",
        epilog=EXAMPLE,
    )
    commands = bill.add_subparsers(dest="bill_command", metavar="SUBCOMMAND", required=True)
    fetch = commands.add_parser(
        "fetch",
        help="download one billing period's newest delivery, exactly as its manifest lists it",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description=(
            "Read the manifest of one billing period of a Data Exports (CUR 2.0) export,\n"
            "s3://BUCKET/PREFIX/EXPORT/metadata/BILLING_PERIOD=YYYY-MM/EXPORT-Manifest.json,\n"
            "and download exactly the data files its dataFiles lists (the newest delivery;\n"
            "Parquet or gzip CSV, directly under the partition or in a CREATE_NEW_REPORT\n"
            "execution folder) into OUT/EXPORT/data/..., keeping each key's path after\n"
            "PREFIX. An empty --prefix means the export folder is at the bucket root.\n"
            "\n"
            "The manifest is written to OUT/EXPORT/metadata/... LAST, after every data file,\n"
            "so a reader that trusts it never sees a half-downloaded month; while the local\n"
            "month changes it has no manifest. After a refresh, local files of the period that\n"
            "the new manifest no longer lists are removed (and counted) before it is written.\n"
            "Resumable: a file is skipped when it has the object's size and the ETag\n"
            f"recorded when it was downloaded ({MANIFEST_NAME} in --out);\n"
            "downloads go to *.part and are renamed only after the size checks out.\n"
            "Progress goes to stderr.\n"
            "\n"
            "Every dataFiles URI must be in BUCKET under PREFIX/EXPORT/data/BILLING_PERIOD=\n"
            "YYYY-MM/ with plain path parts ([A-Za-z0-9._=:-], no .. or //); any other stops\n"
            "the fetch before anything is written.\n"
            "\n"
            "IAM: s3:GetObject on the export's objects and s3:ListBucket on the bucket (for\n"
            "the prefix of the period's data folder)."
        ),
        epilog=(
            "Exit codes: 0 the period's newest delivery and its manifest are on disk, 1 no\n"
            "manifest (the period may not be delivered yet; the message names the key), an\n"
            "unusable manifest (nothing written), an AWS error, or some downloads failed\n"
            "(run again to resume), 2 bad arguments.\n"
            "\n" + EXAMPLE
        ),
    )
    fetch.add_argument("--bucket", required=True, type=bucket_name, help="S3 bucket name")
    fetch.add_argument(
        "--prefix",
        default="",
        help="the export's S3 path prefix (default: none, the export folder is at the bucket root)",
    )
    fetch.add_argument(
        "--export-name",
        required=True,
        type=export_name,
        metavar="NAME",
        help="the export's name (its folder under the prefix)",
    )
    fetch.add_argument(
        "--period",
        required=True,
        type=billing_period,
        metavar="YYYY-MM",
        help="the billing period (month) to fetch",
    )
    fetch.add_argument("--out", required=True, type=Path, help="local directory to write into")
    fetch.add_argument(
        "--workers",
        type=int_between(1, 64, "workers"),
        default=DEFAULT_WORKERS,
        help=f"parallel downloads (default {DEFAULT_WORKERS})",
    )
    fetch.add_argument("--quiet", action="store_true", help="no progress output")
    fetch.set_defaults(handler=_cmd_fetch)
