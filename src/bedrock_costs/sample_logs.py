"""Deterministic synthetic Amazon Bedrock model invocation logs.

The output mirrors what Bedrock delivers to S3 when model invocation logging is on (reference
notes, sections 1.x). ``out_dir`` plays the S3 key prefix and receives record objects

``AWSLogs/<account>/BedrockModelInvocationLogs/<region>/YYYY/MM/DD/HH/``
``<YYYYMMDDTHHMMSSmmmZ>_<16 hex>.json.gz``

each a gzip of newline-delimited JSON with one ``ModelInvocationLog`` record per line.
The ``HH`` folder and the file-name time follow the *delivery* time, 30-90 s after the record
``timestamp``. The tree also holds objects that are not records and that a pipeline must skip:
large-body sidecars under ``HH/data/`` and zero-byte ``amazon-bedrock-logs-permission-check``
objects. A few hostile lines are planted on purpose: malformed lines (a truncated record, a
non-JSON line, a JSON object without ``requestId``) and byte-identical re-deliveries of a record
in a later hour folder.

Everything is drawn from one ``random.Random(seed)`` and written with gzip ``mtime=0``, so the same
arguments always give byte-identical files. Records are generated and written one delivery batch at
a time; memory use does not grow with the number of invocations.
"""

from __future__ import annotations

import math
import shutil
import sys
import uuid
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from random import Random
from typing import Any

from bedrock_costs.sample.bodies import RecordBodies, gzip_bytes, json_line
from bedrock_costs.sample.fleet import (
    APAC_TEXT_MODELS,
    APP_PROFILE_MODEL,
    CA_TEXT_MODELS,
    EMBED_MODEL,
    EU_TEXT_MODELS,
    GOV_EMBED_MODEL,
    GOV_TEXT_MODELS,
    ROLES,
    STREAMS,
    TENANT_WEIGHTS,
    TENANTS,
    US_TEXT_MODELS,
    Burst,
    Model,
    Role,
    Stream,
)

# Written next to AWSLogs/ by this module: a tree with it may be replaced, any other may not.
SAMPLE_MARKER = ".bedrock-costs-sample-logs"


class ForeignLogsError(Exception):
    """The output folder already holds an AWSLogs/ tree this module did not write."""


__all__ = ["DEFAULT_START", "PERMISSION_CHECK_NAME", "SampleLogStats", "generate_sample_logs"]

DEFAULT_START = date(2026, 10, 1)
PERMISSION_CHECK_NAME = "amazon-bedrock-logs-permission-check"

_SERVICE_FOLDER = "BedrockModelInvocationLogs"
_MAX_BATCH = 500
# Delivery happens 30-90 s after the record timestamp, so one file only holds records whose
# timestamps lie within one window of at most this many seconds.
_MIN_DELIVERY_DELAY_S = 30
_MAX_DELIVERY_DELAY_S = 90
_MAX_BATCH_WINDOW_S = 55

_OPERATIONS = ("Converse", "ConverseStream", "InvokeModel", "InvokeModelWithResponseStream")
_ERROR_CODES = (
    "ThrottlingException",
    "ValidationException",
    "ResourceNotFoundException",
    "ModelErrorException",
)
_ERROR_WEIGHTS = (55, 25, 10, 10)
_ENVIRONMENTS = ("prod", "staging", "dev")
_ENVIRONMENT_WEIGHTS = (82, 12, 6)
_GEO_INFERENCE_REGIONS: dict[str, tuple[str, ...]] = {
    "us": ("us-east-1", "us-east-2", "us-west-2"),
    "eu": ("eu-west-1", "eu-central-1", "eu-west-3", "eu-north-1"),
    "jp": ("ap-northeast-1", "ap-northeast-3"),
    "apac": ("ap-northeast-1", "ap-southeast-1", "ap-southeast-2"),
    "ca": ("ca-central-1", "ca-west-1"),
    "us-gov": ("us-gov-west-1", "us-gov-east-1"),
    "global": ("us-east-1", "us-east-2", "us-west-2", "eu-west-1", "ap-northeast-1"),
}


@dataclass(frozen=True)
class SampleLogStats:
    """What one :func:`generate_sample_logs` run wrote."""

    out_dir: Path
    files: int
    """Record files (``*.json.gz`` directly in an ``HH`` folder), re-delivery files included."""
    records: int
    """Distinct valid invocation records (distinct ``requestId`` values)."""
    lines: int
    """Lines written to record files: records + duplicate deliveries + malformed lines."""
    malformed_lines: int
    duplicate_deliveries: int
    sidecar_objects: int
    """Large-body objects written under ``HH/data/`` (not record files)."""
    permission_check_objects: int
    """Zero-byte ``amazon-bedrock-logs-permission-check`` objects (not record files)."""
    failed_records: int
    """Records carrying an ``errorCode``."""
    bodies_off_records: int
    """Records logged without ``inputBodyJson``/``outputBodyJson`` (body delivery off)."""
    bytes_written: int
    """Compressed size of all record files."""
    first_day: date
    """Day of the earliest record ``timestamp``."""
    last_day: date
    """Day of the latest record ``timestamp`` (delivery folders may run into the next day)."""
    account_regions: tuple[str, ...]
    """``<account>/<region>`` pairs that received records, in a fixed order."""
    lookalike_tenant_records: int = 0
    """Records whose tenant id looks like another one (a trailing space, a Cyrillic U+0430)."""
    repeated_key_records: int = 0
    """Records whose ``requestMetadata`` names the tenant key twice (a decoy value first)."""
    lost_file: str | None = None
    """With a bill (``cur_out``): the delivery left out of the logs, whose calls the bill has."""
    bill: str = ""
    """With a bill: what was written (SampleBillStats.describe)."""

    def describe(self) -> str:
        """One paragraph saying what was written where."""
        days = (self.last_day - self.first_day).days + 1
        return (
            f"Wrote {_count(self.records, 'Bedrock invocation record')} for "
            f"{_count(days, 'day')} ({self.first_day.isoformat()} to "
            f"{self.last_day.isoformat()}) as {_count(self.files, 'gzip NDJSON file')} "
            f"({self.bytes_written:,} bytes) under {self.out_dir / 'AWSLogs'}, for "
            f"{_count(len(self.account_regions), 'account/Region pair')} "
            f"({', '.join(self.account_regions)}). The files hold "
            f"{_count(self.lines, 'line')}: the records plus "
            f"{_count(self.duplicate_deliveries, 'duplicate delivery', 'duplicate deliveries')} "
            f"and {_count(self.malformed_lines, 'malformed line')} planted on purpose, as are "
            f"{_count(self.lookalike_tenant_records, 'record')} with a look-alike tenant id and "
            f"{_count(self.repeated_key_records, 'record')} naming the tenant key twice. "
            f"Failed calls: {self.failed_records:,}; records logged without bodies: "
            f"{self.bodies_off_records:,}. Also written, and not records: "
            f"{_count(self.sidecar_objects, 'large-body sidecar object')} in data/ "
            f"folders and {_count(self.permission_check_objects, 'zero-byte')} "
            f"{PERMISSION_CHECK_NAME} objects (one directly in {self.out_dir})."
            + (
                f" Left out of the logs on purpose (the bill has its calls): {self.lost_file}."
                if self.lost_file
                else ""
            )
            + (f" {self.bill}" if self.bill else "")
        )


def _count(number: int, singular: str, plural: str | None = None) -> str:
    if number == 1 or singular.endswith("-byte"):
        return f"{number:,} {singular}"
    return f"{number:,} {plural or singular + 's'}"


_NON_JSON_LINE = "ERROR log delivery interrupted - partial batch follows"


def _key(stream: Stream) -> str:
    return f"{stream.account}/{stream.region}"


def _cumulative(weights: tuple[float, ...] | list[float]) -> list[float]:
    total = 0.0
    out: list[float] = []
    for weight in weights:
        total += weight
        out.append(total)
    return out


def _hour_shape(hour: int) -> float:
    """Relative traffic per UTC hour: busy during European and US working hours."""
    return 0.15 + math.exp(-(((hour - 14.0) / 4.5) ** 2))


def _weekday_factor(day: date) -> float:
    return (1.1, 1.0, 1.0, 1.0, 0.95, 0.55, 0.45)[day.weekday()]


@dataclass(frozen=True)
class LoggedUsage:
    """The tokens of one successful call, as the generator wrote them (for a matching bill)."""

    hour: datetime
    account: str
    region: str
    model_id: str
    service_tier: str
    input_tokens: int
    output_tokens: int
    cache_read_tokens: int
    cache_write_5m_tokens: int
    cache_write_1h_tokens: int


class _Generator:
    def __init__(
        self,
        out_dir: Path,
        days: int,
        invocations: int,
        seed: int,
        start: date,
        progress: bool,
        force: bool = False,
        lose_a_file: bool = False,
    ) -> None:
        self.out_dir = out_dir
        # every successful call once (re-deliveries and planted malformed copies are not calls)
        self.usage: list[LoggedUsage] = []
        # with a bill: one delivery the logs lack, whose calls the bill still has
        self.lose_a_file = lose_a_file
        self.lost_file: str | None = None
        self.lost_records = 0
        self.days = days
        self.invocations = invocations
        self.start = start
        self.progress = progress
        self.force = force
        self.rng = Random(seed)
        self.bodies = RecordBodies(self.rng, self._write_sidecar)

        # A burst comes from one (stream, role); weigh by the mean burst size so that each
        # stream and role gets its intended share of *calls*.
        self.callers: list[tuple[Stream, Role]] = []
        caller_weights: list[float] = []
        for stream in STREAMS:
            roles = ROLES[stream.account]
            role_total = sum(role.weight for role in roles)
            for role in roles:
                self.callers.append((stream, role))
                caller_weights.append(stream.weight * role.weight / role_total / role.burst_mean)
        self.caller_cum = _cumulative(caller_weights)
        self.tenant_cum = _cumulative(TENANT_WEIGHTS)
        self.models: dict[str, tuple[tuple[Model, ...], list[float]]] = {}
        for stream in STREAMS:
            if stream.region.startswith("eu-"):
                models: tuple[Model, ...] = EU_TEXT_MODELS
            elif stream.region.startswith("ap-"):
                models = APAC_TEXT_MODELS
            elif stream.region.startswith("ca-"):
                models = CA_TEXT_MODELS
            elif stream.partition == "aws-us-gov":
                models = GOV_TEXT_MODELS
            elif (stream.account, stream.region) == ("111122223333", "us-east-1"):
                models = (*US_TEXT_MODELS, APP_PROFILE_MODEL)
            else:
                models = US_TEXT_MODELS
            self.models[_key(stream)] = (models, _cumulative([m.weight for m in models]))

        self.made_dirs: set[Path] = set()
        self.used_streams: set[str] = set()
        self.next_index = 0
        self.pending_sidecars = 0
        self.malformed_at: dict[int, int] = {}
        self.duplicate_at: set[int] = set()
        self.sidecar_at: set[int] = set()

        self.files = 0
        self.lines = 0
        self.malformed = 0
        self.duplicates = 0
        self.sidecars = 0
        self.permission_checks = 0
        self.failed = 0
        self.bodies_off = 0
        self.bytes_written = 0
        self.lookalike_at: dict[int, str] = {}
        self.repeated_key_at: set[int] = set()
        self.lookalikes = 0
        self.repeated_keys = 0

    # ---- orchestration ---------------------------------------------------------------------

    def run(self) -> SampleLogStats:
        self._reset_tree()
        self._write_permission_checks()
        counts = self._allocate()
        self._pick_special_records()
        for day_index in range(self.days):
            day = self.start + timedelta(days=day_index)
            day_counts = counts[day_index * 24 : day_index * 24 + 24]
            peak_hour = max(range(24), key=lambda h: (day_counts[h], -h))
            for hour in range(24):
                if day_counts[hour]:
                    self._generate_hour(day, hour, day_counts[hour], hour in (23, peak_hour))
            if self.progress:
                print(
                    f"sample-logs: day {day_index + 1}/{self.days} {day.isoformat()}: "
                    f"{sum(day_counts):,} invocations, {self.files:,} files so far",
                    file=sys.stderr,
                    flush=True,
                )
        return SampleLogStats(
            out_dir=self.out_dir,
            files=self.files,
            records=self.next_index - self.lost_records,
            lines=self.lines,
            malformed_lines=self.malformed,
            duplicate_deliveries=self.duplicates,
            sidecar_objects=self.sidecars,
            permission_check_objects=self.permission_checks,
            failed_records=self.failed,
            bodies_off_records=self.bodies_off,
            bytes_written=self.bytes_written,
            first_day=self.start,
            last_day=self.start + timedelta(days=self.days - 1),
            account_regions=tuple(_key(s) for s in STREAMS if _key(s) in self.used_streams),
            lookalike_tenant_records=self.lookalikes,
            repeated_key_records=self.repeated_keys,
        )

    def _reset_tree(self) -> None:
        self.out_dir.mkdir(parents=True, exist_ok=True)
        tree = self.out_dir / "AWSLogs"
        marker = self.out_dir / SAMPLE_MARKER
        if (tree.exists() or tree.is_symlink()) and not marker.exists() and not self.force:
            raise ForeignLogsError(
                f"{tree} holds logs this command did not write (perhaps your own): not replaced. "
                "Choose another --out, or pass --force to delete and replace them."
            )
        marker.write_text("Sample logs written by bedrock-costs sample-logs; it replaces them.\n")
        if tree.is_dir() and not tree.is_symlink():
            shutil.rmtree(tree)
        elif tree.exists() or tree.is_symlink():
            tree.unlink()

    def _write_permission_checks(self) -> None:
        paths = [self.out_dir / PERMISSION_CHECK_NAME]
        for account in sorted(ROLES):
            paths.append(
                self.out_dir / "AWSLogs" / account / _SERVICE_FOLDER / PERMISSION_CHECK_NAME
            )
        for path in paths:
            self._mkdir(path.parent)
            path.write_bytes(b"")
            self.permission_checks += 1

    def _allocate(self) -> list[int]:
        """Split the invocations over days x 24 hours (largest remainder, daily/weekly cycle)."""
        rng = self.rng
        weights: list[float] = []
        for day_index in range(self.days):
            day_factor = _weekday_factor(self.start + timedelta(days=day_index))
            day_factor *= rng.uniform(0.9, 1.1)
            for hour in range(24):
                weights.append(day_factor * _hour_shape(hour) * rng.uniform(0.85, 1.15))
        total = sum(weights)
        exact = [self.invocations * w / total for w in weights]
        counts = [int(x) for x in exact]
        short = self.invocations - sum(counts)
        by_remainder = sorted(range(len(exact)), key=lambda i: (-(exact[i] - counts[i]), i))
        for i in by_remainder[:short]:
            counts[i] += 1
        # Every day with traffic has a record at the very end of hour 23, so that some delivery
        # crosses midnight: make sure hour 23 is not empty.
        for day_index in range(self.days):
            base = day_index * 24
            day_counts = counts[base : base + 24]
            if sum(day_counts) >= 2 and day_counts[23] == 0:
                donor = max(range(24), key=lambda h: (day_counts[h], -h))
                counts[base + donor] -= 1
                counts[base + 23] += 1
        return counts

    def _pick_special_records(self) -> None:
        rng = self.rng
        n = self.invocations
        n_malformed = max(3, round(n / 5000)) if n >= 1000 else 0
        for position, index in enumerate(sorted(rng.sample(range(n), n_malformed))):
            self.malformed_at[index] = position % 3
        n_duplicates = max(1, round(n / 10000)) if n >= 100 else 0
        # Early records only, so that the later re-delivery stays inside the generated period.
        self.duplicate_at = set(rng.sample(range(max(1, (n * 6) // 10)), n_duplicates))
        if n >= 500:
            n_sidecars = max(2, n // 2500)
        elif n >= 50:
            n_sidecars = 1
        else:
            n_sidecars = 0
        self.sidecar_at = set(rng.sample(range(max(1, (n * 9) // 10)), n_sidecars))
        # A client that pads a tenant id or spells it with a Cyrillic letter, and one that names
        # the tenant key twice: the data-quality marts must show both (never at 1,000 or fewer).
        oddities = rng.sample(range(n), 5) if n > 1000 else []
        self.lookalike_at = dict(zip(oddities[:3], ("pad", "pad", "cyrillic"), strict=False))
        self.repeated_key_at = set(oddities[3:])

    # ---- one hour of traffic ---------------------------------------------------------------

    def _generate_hour(self, day: date, hour: int, count: int, force_hour_crossing: bool) -> None:
        rng = self.rng
        per_stream: dict[str, list[tuple[int, Burst]]] = {_key(s): [] for s in STREAMS}
        remaining = count
        while remaining:
            burst = self._new_burst()
            size = min(remaining, self._burst_size(burst.role))
            remaining -= size
            if force_hour_crossing:
                # This burst ends the hour, so its delivery lands in the next hour's (or, at 23h,
                # the next day's) folder.
                force_hour_crossing = False
                start = rng.randint(3575, 3599)
            else:
                start = rng.randrange(3600)
            span = min(3599 - start, rng.randint(0, 40)) if size > 1 else 0
            calls = per_stream[_key(burst.stream)]
            calls.extend((start + rng.randint(0, span), burst) for _ in range(size))

        hour_start = datetime(day.year, day.month, day.day, hour, tzinfo=UTC)
        prefix = f"{day.isoformat()}T{hour:02d}:"
        for stream in STREAMS:
            calls = per_stream[_key(stream)]
            calls.sort(key=lambda call: call[0])  # stable: ties keep generation order
            i = 0
            while i < len(calls):
                first = calls[i][0]
                window = rng.randint(15, _MAX_BATCH_WINDOW_S)
                j = i + 1
                while j < len(calls) and calls[j][0] - first <= window and j - i < _MAX_BATCH:
                    j += 1
                batch = calls[i:j]
                span = batch[-1][0] - first
                slack_ms = (_MAX_DELIVERY_DELAY_S - _MIN_DELIVERY_DELAY_S - span) * 1000
                delivery_ms = (batch[-1][0] + _MIN_DELIVERY_DELAY_S) * 1000
                delivery_ms += rng.randint(0, slack_ms)
                delivered = hour_start + timedelta(milliseconds=delivery_ms)
                timed = [
                    (f"{prefix}{sec // 60:02d}:{sec % 60:02d}Z", burst) for sec, burst in batch
                ]
                self._write_batch(stream, delivered, timed)
                i = j

    def _new_burst(self) -> Burst:
        rng = self.rng
        stream, role = rng.choices(self.callers, cum_weights=self.caller_cum)[0]
        tenant = rng.choices(TENANTS, cum_weights=self.tenant_cum)[0]
        if stream.embeds and rng.random() < role.embed_share:
            model = GOV_EMBED_MODEL if stream.partition == "aws-us-gov" else EMBED_MODEL
        else:
            models, cum = self.models[_key(stream)]
            model = rng.choices(models, cum_weights=cum)[0]
        if model.kind == "embed":
            operation = "InvokeModel"
        elif model.kind in ("nova", "llama"):  # called through the Converse API only here
            weights = (role.op_weights[0] + 1, role.op_weights[1] + 1)
            operation = rng.choices(_OPERATIONS[:2], weights=weights)[0]
        else:
            operation = rng.choices(_OPERATIONS, weights=role.op_weights)[0]
        return Burst(
            stream=stream,
            role=role,
            tenant=tenant,
            model=model,
            model_id=model.model_id.format(region=stream.region, account=stream.account),
            operation=operation,
            session=rng.choice(role.sessions),
            environment=rng.choices(_ENVIRONMENTS, weights=_ENVIRONMENT_WEIGHTS)[0],
        )

    def _burst_size(self, role: Role) -> int:
        extra = self.rng.expovariate(1.0 / (role.burst_mean - 1.0))
        return 1 + min(int(extra), 10 * int(role.burst_mean))

    def _folder(self, stream: Stream, delivered: datetime) -> str:
        return f"AWSLogs/{stream.account}/{_SERVICE_FOLDER}/{stream.region}/{delivered:%Y/%m/%d/%H}"

    def _file_name(self, delivered: datetime) -> str:
        millis = delivered.microsecond // 1000
        return f"{delivered:%Y%m%dT%H%M%S}{millis:03d}Z_{self.rng.getrandbits(64):016x}.json.gz"

    def _write_batch(
        self, stream: Stream, delivered: datetime, calls: list[tuple[str, Burst]]
    ) -> None:
        folder = self._folder(stream, delivered)
        name = self._file_name(delivered)
        self.used_streams.add(_key(stream))
        lines: list[str] = []
        for timestamp, burst in calls:
            index = self.next_index
            self.next_index += 1
            record = self._make_record(burst, timestamp, folder, index)
            line = json_line(record) + "\n"
            if index in self.repeated_key_at and burst.role.tenant_key in record.get(
                "requestMetadata", {}
            ):
                decoy = f'"requestMetadata":{{{json_line(burst.role.tenant_key)}:"decoy-tenant",'
                line = line.replace('"requestMetadata":{', decoy, 1)
                self.repeated_keys += 1
            lines.append(line)
            kind = self.malformed_at.get(index)
            if kind is not None:
                lines.append(self._malformed_line(kind, record, line))
                self.malformed += 1
            if index in self.duplicate_at:
                self._write_redelivery(stream, delivered, line)
        if self.lose_a_file and self.lost_file is None and self._is_the_lost_batch(stream, calls):
            # never written: its calls are in self.usage (and so on the bill), not in the logs
            self.lost_file = f"{folder}/{name}"
            self.lost_records = len(calls)
            return
        self._write_record_file(f"{folder}/{name}", lines)

    def _is_the_lost_batch(self, stream: Stream, calls: list[tuple[str, Burst]]) -> bool:
        """The first batch of five calls or more of the busiest stream on the last day, noon
        or later, without a planted oddity (a file lost in delivery, its calls plain usage)."""
        last_day = (self.start + timedelta(days=self.days - 1)).isoformat()
        indices = range(self.next_index - len(calls), self.next_index)
        special = (set(self.malformed_at) | self.duplicate_at | self.sidecar_at) | (
            set(self.lookalike_at) | self.repeated_key_at
        )
        return (
            stream is STREAMS[0]
            and len(calls) >= 5
            and calls[0][0] >= f"{last_day}T12:"
            and not special.intersection(indices)
        )

    def _write_redelivery(self, stream: Stream, delivered: datetime, line: str) -> None:
        later = delivered + timedelta(milliseconds=self.rng.randint(3_600_000, 3 * 3_600_000))
        path = f"{self._folder(stream, later)}/{self._file_name(later)}"
        self._write_record_file(path, [line])
        self.duplicates += 1

    @staticmethod
    def _malformed_line(kind: int, record: dict[str, Any], line: str) -> str:
        if kind == 0:  # a real record cut in half
            return line[: len(line) // 2] + "\n"
        if kind == 1:
            return _NON_JSON_LINE + "\n"
        partial = {key: value for key, value in record.items() if key != "requestId"}
        return json_line(partial) + "\n"

    def _write_record_file(self, relative: str, lines: list[str]) -> None:
        path = self.out_dir / relative
        self._mkdir(path.parent)
        data = gzip_bytes("".join(lines).encode("utf-8"))
        path.write_bytes(data)
        self.files += 1
        self.lines += len(lines)
        self.bytes_written += len(data)

    def _write_sidecar(self, relative: str, data: bytes) -> None:
        """A large body's sidecar object, at ``relative`` under the output folder."""
        path = self.out_dir / relative
        self._mkdir(path.parent)
        path.write_bytes(data)
        self.sidecars += 1

    def _mkdir(self, path: Path) -> None:
        if path not in self.made_dirs:
            path.mkdir(parents=True, exist_ok=True)
            self.made_dirs.add(path)

    # ---- one record ------------------------------------------------------------------------

    def _make_record(self, burst: Burst, timestamp: str, folder: str, index: int) -> dict[str, Any]:
        rng = self.rng
        stream, role, model, operation = burst.stream, burst.role, burst.model, burst.operation
        failed = rng.random() < 0.02
        bodies_on = rng.random() >= 0.10
        if index in self.sidecar_at:
            self.pending_sidecars += 1
        offload = False
        if self.pending_sidecars and bodies_on and not failed and model.kind != "embed":
            offload = True
            self.pending_sidecars -= 1

        record: dict[str, Any] = {
            "schemaType": "ModelInvocationLog",
            "schemaVersion": "1.0",
            "timestamp": timestamp,
            "accountId": stream.account,
            "identity": {
                "arn": f"arn:{stream.partition}:sts::{stream.account}:assumed-role/"
                f"{role.name}/{burst.session}"
            },
            "region": stream.region,
            "requestId": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
            "operation": operation,
            "modelId": burst.model_id,
        }
        if model.geo and rng.random() < 0.4:
            record["inferenceRegion"] = rng.choice(_GEO_INFERENCE_REGIONS[model.geo])
        if failed:
            record["errorCode"] = rng.choices(_ERROR_CODES, weights=_ERROR_WEIGHTS)[0]
        metadata = self._request_metadata(burst)
        spelling = self.lookalike_at.get(index)
        if metadata is not None and spelling is not None and role.tenant_key in metadata:
            tenant = metadata[role.tenant_key]
            metadata[role.tenant_key] = tenant + " " if spelling == "pad" else "\u0430" + tenant[1:]
            self.lookalikes += 1
        if metadata is not None:
            record["requestMetadata"] = metadata

        if model.kind == "embed":
            bodies = self.bodies.embedding_io(failed, bodies_on)
        else:
            bodies = self.bodies.text_io(
                stream, role, model, operation, failed, bodies_on, offload, folder, record
            )
        record["input"], record["output"] = bodies.input, bodies.output
        if not failed:
            self.usage.append(
                LoggedUsage(
                    hour=datetime.fromisoformat(timestamp[:13] + ":00:00+00:00"),
                    account=stream.account,
                    region=stream.region,
                    model_id=burst.model_id,
                    service_tier=bodies.service_tier or "standard",
                    input_tokens=int(record["input"].get("inputTokenCount") or 0),
                    output_tokens=int(record["output"].get("outputTokenCount") or 0),
                    cache_read_tokens=int(record["input"].get("cacheReadInputTokenCount") or 0),
                    cache_write_5m_tokens=bodies.cache_write_split[0],
                    cache_write_1h_tokens=bodies.cache_write_split[1],
                )
            )
        if failed:
            self.failed += 1
        if not bodies_on:
            self.bodies_off += 1
        if rng.random() < 0.1:  # some real records put these keys last
            for key in ("identity", "schemaType", "schemaVersion"):
                record[key] = record.pop(key)
        return record

    def _request_metadata(self, burst: Burst) -> dict[str, str] | None:
        rng = self.rng
        role, tenant, environment = burst.role, burst.tenant, burst.environment
        roll = rng.random()
        if roll < 0.03:
            return None
        if roll < 0.036:  # tagged, but without any tenant key
            return {"environment": environment, "useCase": role.use_case}
        metadata = {
            role.tenant_key: tenant.name,
            "department": tenant.department,
            "costCenter": tenant.cost_center,
            "environment": environment,
            "useCase": role.use_case,
        }
        if rng.random() < 0.15:
            metadata[role.tenant_key] = metadata.pop(role.tenant_key)
        return metadata


def generate_sample_logs(
    out_dir: Path,
    days: int,
    invocations: int,
    seed: int,
    start: date | None = None,
    progress: bool = False,
    force: bool = False,
    cur_out: Path | None = None,
    seeds: Path = Path("seeds"),
) -> SampleLogStats:
    """Write deterministic synthetic Bedrock invocation logs under ``out_dir/AWSLogs``.

    ``invocations`` distinct records are spread over ``days`` days starting at ``start``
    (default :data:`DEFAULT_START`) with a daily and weekly cycle. An existing ``out_dir/AWSLogs``
    tree that this function wrote (``out_dir`` holds its marker file) is removed and rewritten;
    any other existing tree raises :class:`ForeignLogsError` unless ``force``, so that real logs
    are never deleted by mistake. Nothing else in ``out_dir`` is touched except the root
    permission-check object and the marker. With ``progress`` one line per day goes to stderr.

    With ``cur_out``, also a CUR 2.0 export of what AWS would bill for these calls
    (:mod:`bedrock_costs.sample_bill`, priced from the seeds in ``seeds``), and one delivery
    file is then left out of the logs on purpose: the bill has its calls, the logs do not.
    """
    if days < 1:
        raise ValueError(f"days must be at least 1, got {days}")
    if invocations < 1:
        raise ValueError(f"invocations must be at least 1, got {invocations}")
    from bedrock_costs.sample_bill import EXPORT_NAME, read_bill_seeds, write_sample_bill

    # the seeds first: a missing one stops the run before any log is written
    bill_seeds = read_bill_seeds(seeds) if cur_out is not None else None
    generator = _Generator(
        Path(out_dir),
        days,
        invocations,
        seed,
        start or DEFAULT_START,
        progress,
        force,
        lose_a_file=cur_out is not None,
    )
    stats = generator.run()
    if cur_out is None or bill_seeds is None:
        return stats
    shutil.rmtree(cur_out / EXPORT_NAME, ignore_errors=True)  # a month is replaced, not added
    bill = write_sample_bill(generator.usage, cur_out, bill_seeds)
    return replace(stats, lost_file=generator.lost_file, bill=bill.describe())
