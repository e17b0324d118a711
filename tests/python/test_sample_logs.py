"""Tests for bedrock_costs.sample_logs: layout, determinism and record content."""

from __future__ import annotations

import dataclasses
import gzip
import json
import re
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from bedrock_costs.sample_logs import (
    PERMISSION_CHECK_NAME,
    SAMPLE_MARKER,
    SampleLogStats,
    generate_sample_logs,
)

DAYS = 3
INVOCATIONS = 3000
SEED = 7

RECORD_FILE_RE = re.compile(
    r"^AWSLogs/(?P<account>\d{12})/BedrockModelInvocationLogs/(?P<region>[a-z]{2}(?:-[a-z]+)+-\d)/"
    r"(?P<y>\d{4})/(?P<m>\d{2})/(?P<d>\d{2})/(?P<h>\d{2})/"
    r"(?P<stamp>\d{8}T\d{6})(?P<ms>\d{3})Z_[0-9a-f]{16}\.json\.gz$"
)
SIDECAR_RE = re.compile(
    r"^AWSLogs/\d{12}/BedrockModelInvocationLogs/[a-z]{2}(?:-[a-z]+)+-\d/\d{4}/\d{2}/\d{2}/\d{2}/data/"
    r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}_output\.json\.gz$"
)
UUID4_RE = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")
TENANT_KEYS = ("tenantId", "TenantID", "tenant_id")
LATENCY_KEYS = {
    "latencyMs",
    "invocationLatency",
    "firstByteLatency",
    "amazon-bedrock-invocationMetrics",
    "metrics",
}
EXPECTED_PAIRS = {
    ("111122223333", "us-east-1"),
    ("111122223333", "eu-west-1"),
    ("444455556666", "us-west-2"),
    ("444455556666", "us-east-1"),
    ("111122223333", "ap-northeast-1"),
    ("444455556666", "ca-central-1"),
    ("777788889999", "us-gov-west-1"),
}


@dataclass(frozen=True)
class Line:
    path: str  # relative to out_dir
    file_time: datetime  # from the file name
    folder_hour: datetime  # from YYYY/MM/DD/HH
    raw: str
    record: dict[str, Any] | None  # None when the line is malformed


@dataclass(frozen=True)
class Run:
    out: Path
    stats: SampleLogStats
    lines: list[Line]

    def records(self) -> list[dict[str, Any]]:
        """First delivery of every valid record."""
        seen: set[str] = set()
        out: list[dict[str, Any]] = []
        for line in self.lines:
            if line.record is not None and line.record["requestId"] not in seen:
                seen.add(line.record["requestId"])
                out.append(line.record)
        return out


def snapshot(out: Path) -> dict[str, bytes]:
    return {
        p.relative_to(out).as_posix(): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()
    }


def record_files(out: Path) -> list[Path]:
    return sorted(
        p for p in (out / "AWSLogs").rglob("*.json.gz") if p.is_file() and p.parent.name != "data"
    )


def parse_line(raw: str) -> dict[str, Any] | None:
    try:
        value = json.loads(raw)
    except json.JSONDecodeError:
        return None
    if not isinstance(value, dict) or not isinstance(value.get("requestId"), str):
        return None
    return value


def read_run(out: Path, stats: SampleLogStats) -> Run:
    lines: list[Line] = []
    for path in record_files(out):
        rel = path.relative_to(out).as_posix()
        match = RECORD_FILE_RE.match(rel)
        assert match, rel
        file_time = datetime.strptime(match["stamp"], "%Y%m%dT%H%M%S").replace(
            tzinfo=UTC
        ) + timedelta(milliseconds=int(match["ms"]))
        folder_hour = datetime(
            int(match["y"]), int(match["m"]), int(match["d"]), int(match["h"]), tzinfo=UTC
        )
        text = gzip.decompress(path.read_bytes()).decode("utf-8")
        assert text.endswith("\n"), rel
        for raw in text[:-1].split("\n"):
            lines.append(Line(rel, file_time, folder_hour, raw, parse_line(raw)))
    return Run(out, stats, lines)


def record_time(record: dict[str, Any]) -> datetime:
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z", record["timestamp"])
    return datetime.strptime(record["timestamp"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)


def all_keys(value: Any) -> set[str]:
    keys: set[str] = set()
    if isinstance(value, dict):
        for key, item in value.items():
            keys.add(key)
            keys |= all_keys(item)
    elif isinstance(value, list):
        for item in value:
            keys |= all_keys(item)
    return keys


def tenant_of(record: dict[str, Any]) -> tuple[str, str] | None:
    metadata = record.get("requestMetadata") or {}
    for key in TENANT_KEYS:
        if key in metadata:
            return key, metadata[key]
    return None


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> Run:
    out = tmp_path_factory.mktemp("run_a")
    stats = generate_sample_logs(out, days=DAYS, invocations=INVOCATIONS, seed=SEED)
    return read_run(out, stats)


# ---- determinism and idempotence -----------------------------------------------------------


def test_same_seed_gives_byte_identical_tree(run: Run, tmp_path: Path) -> None:
    stats = generate_sample_logs(tmp_path, days=DAYS, invocations=INVOCATIONS, seed=SEED)
    first, second = snapshot(run.out), snapshot(tmp_path)
    assert len(first) > 100
    assert sorted(first) == sorted(second)
    assert first == second
    assert stats == dataclasses.replace(run.stats, out_dir=tmp_path)


def test_different_seed_gives_different_files(run: Run, tmp_path: Path) -> None:
    generate_sample_logs(tmp_path, days=DAYS, invocations=INVOCATIONS, seed=SEED + 1)
    other = snapshot(tmp_path)
    assert set(other) != set(snapshot(run.out))


def test_gzip_members_carry_no_mtime_or_file_name(run: Run) -> None:
    for path in record_files(run.out)[:200]:
        header = path.read_bytes()[:10]
        assert header[:3] == b"\x1f\x8b\x08"
        assert header[4:8] == b"\x00\x00\x00\x00", path  # mtime 0
        assert header[3] & 0x08 == 0, path  # no FNAME


def test_rerun_replaces_awslogs_and_keeps_siblings(run: Run, tmp_path: Path) -> None:
    generate_sample_logs(tmp_path, days=DAYS, invocations=INVOCATIONS, seed=SEED + 5)
    (tmp_path / "notes.txt").write_text("keep me")
    (tmp_path / "other" / "nested").mkdir(parents=True)
    (tmp_path / "other" / "nested" / "x.json.gz").write_bytes(b"keep")
    stale = tmp_path / "AWSLogs" / "999999999999" / "stale.json.gz"
    stale.parent.mkdir(parents=True)
    stale.write_bytes(b"stale")

    generate_sample_logs(tmp_path, days=DAYS, invocations=INVOCATIONS, seed=SEED)

    assert (tmp_path / "notes.txt").read_text() == "keep me"
    assert (tmp_path / "other" / "nested" / "x.json.gz").read_bytes() == b"keep"
    assert not stale.exists()
    expected = snapshot(run.out)
    actual = snapshot(tmp_path)
    del actual["notes.txt"], actual["other/nested/x.json.gz"]
    assert actual == expected


# ---- layout and delivery time --------------------------------------------------------------


def test_every_object_is_a_record_file_sidecar_or_permission_check(run: Run) -> None:
    kinds: Counter[str] = Counter()
    pairs: set[tuple[str, str]] = set()
    for rel in snapshot(run.out):
        if rel.endswith(PERMISSION_CHECK_NAME):
            kinds["permission"] += 1
        elif rel == SAMPLE_MARKER:
            kinds["marker"] += 1  # says the tree may be replaced by a rerun
        elif SIDECAR_RE.match(rel):
            kinds["sidecar"] += 1
        else:
            match = RECORD_FILE_RE.match(rel)
            assert match, f"unexpected object {rel}"
            folder = f"{match['y']}{match['m']}{match['d']}T{match['h']}"
            assert match["stamp"].startswith(folder), rel
            pairs.add((match["account"], match["region"]))
            kinds["record"] += 1
    assert pairs == EXPECTED_PAIRS
    assert set(run.stats.account_regions) == {f"{a}/{r}" for a, r in EXPECTED_PAIRS}
    assert kinds["record"] == run.stats.files == len(record_files(run.out))
    assert kinds["sidecar"] == run.stats.sidecar_objects >= 1
    assert kinds["permission"] == run.stats.permission_check_objects >= 1
    assert kinds["marker"] == 1
    root_check = run.out / PERMISSION_CHECK_NAME
    assert root_check.is_file()
    assert root_check.stat().st_size == 0


def test_delivery_time_is_30_to_90_seconds_after_each_record(run: Run) -> None:
    seen: set[str] = set()
    crossed_hour = crossed_day = 0
    for line in run.lines:
        if line.record is None or line.record["requestId"] in seen:
            continue  # malformed, or a later re-delivery (checked elsewhere)
        seen.add(line.record["requestId"])
        stamp = record_time(line.record)
        delay = (line.file_time - stamp).total_seconds()
        assert 30 <= delay <= 90, (line.path, line.record["timestamp"])
        assert line.folder_hour >= stamp.replace(minute=0, second=0)
        assert line.folder_hour == line.file_time.replace(minute=0, second=0, microsecond=0)
        assert f"/{line.record['accountId']}/" in line.path
        assert f"/{line.record['region']}/" in line.path
        if line.folder_hour.hour != stamp.hour:
            crossed_hour += 1
        if line.folder_hour.date() != stamp.date():
            crossed_day += 1
    assert crossed_hour >= 3
    assert crossed_day >= 1


def test_records_cover_the_requested_days_with_a_daily_cycle(run: Run) -> None:
    records = run.records()
    days = Counter(record_time(r).date() for r in records)
    assert sorted(days) == [date(2026, 10, 1) + timedelta(days=i) for i in range(DAYS)]
    assert run.stats.first_day == date(2026, 10, 1)
    assert run.stats.last_day == date(2026, 10, 3)
    hours = Counter(record_time(r).hour for r in records)
    working = sum(hours[h] for h in range(9, 18)) / 9
    night = sum(hours[h] for h in range(0, 5)) / 5
    assert working > 2 * night
    # 2026-10-03 is a Saturday.
    assert days[date(2026, 10, 3)] < days[date(2026, 10, 1)]


# ---- line accounting -----------------------------------------------------------------------


def test_lines_equal_records_plus_duplicates_plus_malformed(run: Run) -> None:
    assert all(line.raw.strip() for line in run.lines), "blank line written"
    valid = [line for line in run.lines if line.record is not None]
    malformed = [line for line in run.lines if line.record is None]
    distinct = {line.record["requestId"] for line in valid if line.record is not None}
    stats = run.stats
    assert len(distinct) == stats.records == INVOCATIONS
    assert len(valid) - len(distinct) == stats.duplicate_deliveries >= 1
    assert len(malformed) == stats.malformed_lines >= 3
    assert len(run.lines) == stats.lines
    assert stats.lines == stats.records + stats.duplicate_deliveries + stats.malformed_lines


def test_duplicates_are_byte_identical_and_in_a_later_hour_folder(run: Run) -> None:
    first: dict[str, Line] = {}
    duplicates = 0
    for line in sorted(run.lines, key=lambda item: item.file_time):
        if line.record is None:
            continue
        request_id = line.record["requestId"]
        if request_id in first:
            original = first[request_id]
            assert line.raw == original.raw
            assert line.path != original.path
            assert line.folder_hour > original.folder_hour
            duplicates += 1
        else:
            first[request_id] = line
    assert duplicates == run.stats.duplicate_deliveries >= 1


def test_malformed_lines_of_each_kind(run: Run) -> None:
    malformed = [line.raw for line in run.lines if line.record is None]
    valid_raws = [line.raw for line in run.lines if line.record is not None]
    kinds: Counter[str] = Counter()
    for raw in malformed:
        try:
            value = json.loads(raw)
        except json.JSONDecodeError:
            if raw.startswith("{"):
                assert any(v.startswith(raw) for v in valid_raws), "truncation of a real record"
                kinds["truncated"] += 1
            else:
                kinds["text"] += 1
            continue
        assert isinstance(value, dict)
        assert "requestId" not in value
        assert value.get("schemaType") == "ModelInvocationLog"
        kinds["no_request_id"] += 1
    assert set(kinds) == {"truncated", "text", "no_request_id"}


# ---- record content ------------------------------------------------------------------------


def test_record_envelope(run: Run) -> None:
    records = run.records()
    reordered = 0
    for record in records:
        assert record["schemaType"] == "ModelInvocationLog"
        assert record["schemaVersion"] == "1.0"
        assert UUID4_RE.match(record["requestId"])
        assert (record["accountId"], record["region"]) in EXPECTED_PAIRS
        arn = record["identity"]["arn"]
        partition = "aws-us-gov" if record["region"].startswith("us-gov-") else "aws"
        assert arn.startswith(f"arn:{partition}:sts::{record['accountId']}:assumed-role/")
        if list(record)[-1] == "schemaVersion":
            reordered += 1
    assert 0 < reordered < len(records) / 4
    roles = {(r["accountId"], r["identity"]["arn"].split("/")[1]) for r in records}
    for account in ("111122223333", "444455556666"):
        assert sum(1 for acct, _ in roles if acct == account) >= 3
    assert any(acct == "777788889999" for acct, _ in roles)  # the GovCloud account (3% of calls)


def test_tenants_keys_and_skew(run: Run) -> None:
    records = run.records()
    tenants: Counter[str] = Counter()
    spellings: set[str] = set()
    spelling_by_role: dict[str, set[str]] = defaultdict(set)
    attributes: dict[str, set[tuple[str, str]]] = defaultdict(set)
    no_metadata = untagged = 0
    for record in records:
        metadata = record.get("requestMetadata")
        if metadata is None:
            no_metadata += 1
            continue
        found = tenant_of(record)
        if found is None:
            untagged += 1
            continue
        key, tenant = found
        tenants[tenant] += 1
        spellings.add(key)
        spelling_by_role[record["identity"]["arn"].split("/")[1]].add(key)
        attributes[tenant].add((metadata["department"], metadata["costCenter"]))
        assert metadata["environment"] in {"prod", "staging", "dev"}
        assert metadata["useCase"]
    assert len(tenants) >= 8
    assert spellings == set(TENANT_KEYS)
    assert all(len(keys) == 1 for keys in spelling_by_role.values())
    assert all(len(values) == 1 for values in attributes.values())
    counts = tenants.most_common()
    assert counts[0][1] >= 4 * counts[-1][1]
    assert 0.01 * len(records) <= no_metadata <= 0.06 * len(records)
    assert untagged >= 1


def test_operations_and_models_per_region(run: Run) -> None:
    records = run.records()
    assert {r["operation"] for r in records} == {
        "Converse",
        "ConverseStream",
        "InvokeModel",
        "InvokeModelWithResponseStream",
    }
    models = Counter(r["modelId"] for r in records)
    for expected in (
        "us.anthropic.claude-haiku-4-5-20251001-v1:0",
        "global.anthropic.claude-sonnet-4-5-20250929-v1:0",
        "us.anthropic.claude-sonnet-4-5-20250929-v1:0",
        "anthropic.claude-3-haiku-20240307-v1:0",
        "amazon.nova-lite-v1:0",
        "arn:aws:bedrock:us-east-1::foundation-model/amazon.nova-pro-v1:0",
        "arn:aws:bedrock:us-east-1:111122223333:inference-profile/"
        "us.anthropic.claude-haiku-4-5-20251001-v1:0",
        "us.meta.llama3-3-70b-instruct-v1:0",
        "amazon.titan-embed-text-v2:0",
        "eu.anthropic.claude-haiku-4-5-20251001-v1:0",
        "eu.anthropic.claude-sonnet-4-5-20250929-v1:0",
        "global.anthropic.claude-haiku-4-5-20251001-v1:0",
    ):
        assert models[expected] > 0, expected
    assert models.most_common(1)[0][0] == "us.anthropic.claude-haiku-4-5-20251001-v1:0"
    # each Region calls the models (and profiles) offered and priced there
    models_by_region_prefix = {
        "eu-": {
            "eu.anthropic.claude-haiku-4-5-20251001-v1:0",
            "eu.anthropic.claude-sonnet-4-5-20250929-v1:0",
            "global.anthropic.claude-haiku-4-5-20251001-v1:0",
            "amazon.titan-embed-text-v2:0",
        },
        "ap-": {
            "jp.anthropic.claude-haiku-4-5-20251001-v1:0",
            "jp.anthropic.claude-sonnet-4-6",
            "global.anthropic.claude-opus-4-7",
            "apac.amazon.nova-lite-v1:0",
            "global.amazon.nova-2-lite-v1:0",
            "amazon.titan-embed-text-v2:0",
        },
        "ca-": {
            "ca.anthropic.claude-haiku-4-5-20251001-v1:0",
            "global.anthropic.claude-sonnet-4-5-20250929-v1:0",
            "anthropic.claude-3-haiku-20240307-v1:0",
            "meta.llama3-70b-instruct-v1:0",
        },
        "us-gov-": {
            "us-gov.anthropic.claude-sonnet-4-5-20250929-v1:0",
            "anthropic.claude-3-haiku-20240307-v1:0",
            "amazon.nova-pro-v1:0",
            "amazon.titan-embed-text-v1",
        },
    }
    seen_by_prefix: dict[str, set[str]] = defaultdict(set)
    for record in records:
        model_id = record["modelId"]
        prefix = next((p for p in models_by_region_prefix if record["region"].startswith(p)), None)
        if prefix is not None:
            assert model_id in models_by_region_prefix[prefix], (record["region"], model_id)
            seen_by_prefix[prefix].add(model_id)
        else:
            assert model_id.split("/")[-1].split(".")[0] not in {"eu", "jp", "apac", "ca", "us-gov"}
            if model_id.startswith("arn:aws:bedrock:"):
                assert model_id.split(":")[3] == record["region"]
            if "application-inference-profile" in model_id:
                assert (record["accountId"], record["region"]) == ("111122223333", "us-east-1")
        if "inferenceRegion" in record:
            assert model_id.split("/")[-1].split(".")[0] in {
                "us",
                "eu",
                "jp",
                "apac",
                "ca",
                "us-gov",
                "global",
            }
    # the small run reaches every model of the larger Regions
    assert seen_by_prefix["eu-"] == models_by_region_prefix["eu-"]


def test_latency_only_where_bedrock_logs_it(run: Run) -> None:
    converse_with_latency = stream_with_latency = stream_without_latency = 0
    for record in run.records():
        operation = record["operation"]
        body = record["output"].get("outputBodyJson")
        if operation == "InvokeModel" or body is None:
            assert not all_keys(record) & LATENCY_KEYS, record["requestId"]
            continue
        if operation in ("Converse", "ConverseStream"):
            assert isinstance(body, dict)
            latency = body["metrics"]["latencyMs"]
            assert isinstance(latency, int)
            assert 100 <= latency <= 120_000
            converse_with_latency += 1
        else:
            assert operation == "InvokeModelWithResponseStream"
            assert isinstance(body, list)
            assert body[-1]["type"] == "message_stop"
            assert not any("amazon-bedrock-invocationMetrics" in event for event in body[:-1])
            metrics = body[-1].get("amazon-bedrock-invocationMetrics")
            if metrics is None:
                stream_without_latency += 1
                continue
            assert 0 < metrics["firstByteLatency"] <= metrics["invocationLatency"]
            assert metrics["outputTokenCount"] == record["output"]["outputTokenCount"]
            assert metrics["inputTokenCount"] == record["input"]["inputTokenCount"]
            stream_with_latency += 1
    assert converse_with_latency > 100
    assert stream_with_latency > 20
    assert stream_without_latency >= 1


def test_output_tokens_grow_with_latency(run: Run) -> None:
    pairs = []
    for record in run.records():
        body = record["output"].get("outputBodyJson")
        if record["operation"] == "Converse" and isinstance(body, dict):
            pairs.append((body["metrics"]["latencyMs"], record["output"]["outputTokenCount"]))
    pairs.sort()
    half = len(pairs) // 2
    slow = sum(tokens for _, tokens in pairs[half:]) / (len(pairs) - half)
    fast = sum(tokens for _, tokens in pairs[:half]) / half
    assert slow > 2 * fast


def test_body_usage_matches_top_level_counts(run: Run) -> None:
    checked: Counter[str] = Counter()
    for record in run.records():
        if "errorCode" in record or "titan-embed" in record["modelId"]:
            continue
        inp, out = record["input"], record["output"]
        body = out.get("outputBodyJson")
        cache_write = inp.get("cacheWriteInputTokenCount", 0)
        if isinstance(body, dict) and "usage" in body and "inputTokens" in body["usage"]:
            usage = body["usage"]
            assert usage["inputTokens"] == inp["inputTokenCount"]
            assert usage["outputTokens"] == out["outputTokenCount"]
            assert usage["totalTokens"] == (
                inp["inputTokenCount"]
                + out["outputTokenCount"]
                + inp.get("cacheReadInputTokenCount", 0)
                + cache_write
            )
            checked["converse"] += 1
        elif isinstance(body, dict):
            assert body["id"].startswith("msg_bdrk_")
            usage = body["usage"]
            assert usage["input_tokens"] == inp["inputTokenCount"]
            assert usage["output_tokens"] == out["outputTokenCount"]
            if "cache_creation" in usage:
                split = usage["cache_creation"]
                assert split["ephemeral_5m_input_tokens"] + split["ephemeral_1h_input_tokens"] == (
                    cache_write
                )
                assert usage["cache_read_input_tokens"] == inp["cacheReadInputTokenCount"]
                assert usage["cache_creation_input_tokens"] == cache_write
                checked["native_split"] += 1
        elif isinstance(body, list):
            start = body[0]["message"]["usage"]
            assert start["output_tokens"] <= 2
            assert start["input_tokens"] == inp["inputTokenCount"]
            delta = next(e for e in body if e["type"] == "message_delta")
            assert delta["usage"]["output_tokens"] == out["outputTokenCount"]
            if "cache_creation" in start:
                assert start["cache_creation_input_tokens"] == cache_write
                assert start["cache_read_input_tokens"] == inp["cacheReadInputTokenCount"]
                split = start["cache_creation"]
                assert split["ephemeral_5m_input_tokens"] + split["ephemeral_1h_input_tokens"] == (
                    cache_write
                )
            checked["stream"] += 1
    assert min(checked.values()) > 10
    assert set(checked) == {"converse", "native_split", "stream"}


def test_cache_fields_by_model_family(run: Run) -> None:
    large_reads = large_writes = 0
    for record in run.records():
        inp, model_id = record["input"], record["modelId"]
        if "meta.llama" in model_id or "titan-embed" in model_id:
            assert "cacheReadInputTokenCount" not in inp
            assert "cacheWriteInputTokenCount" not in inp
        elif "nova" in model_id:
            assert "cacheWriteInputTokenCount" not in inp
        elif "errorCode" not in record:
            assert "cacheReadInputTokenCount" in inp
            assert "cacheWriteInputTokenCount" in inp
            large_reads += inp["cacheReadInputTokenCount"] >= 1024
            large_writes += inp["cacheWriteInputTokenCount"] >= 1024
    assert large_reads > 50
    assert large_writes > 10


def test_embeddings_have_no_output_token_count(run: Run) -> None:
    embeddings = [r for r in run.records() if r["modelId"] == "amazon.titan-embed-text-v2:0"]
    assert len(embeddings) > 50
    for record in embeddings:
        assert record["operation"] == "InvokeModel"
        assert "outputTokenCount" not in record["output"]
        body = record["output"].get("outputBodyJson")
        if body is not None:
            assert body["inputTextTokenCount"] == record["input"]["inputTokenCount"]
            assert all(isinstance(x, float) for x in body["embedding"])


def test_failed_records_have_error_code_and_zero_tokens(run: Run) -> None:
    records = run.records()
    failed = [r for r in records if "errorCode" in r]
    assert len(failed) == run.stats.failed_records
    assert 0.01 * len(records) <= len(failed) <= 0.04 * len(records)
    assert {r["errorCode"] for r in failed} <= {
        "ThrottlingException",
        "ValidationException",
        "ResourceNotFoundException",
        "ModelErrorException",
    }
    for record in failed:
        assert record["input"]["inputTokenCount"] == 0
        assert record["output"].get("outputTokenCount", 0) == 0
        assert "cacheReadInputTokenCount" not in record["input"]
        assert "cacheWriteInputTokenCount" not in record["input"]
        assert "outputBodyJson" not in record["output"]
        assert "outputBodyS3Path" not in record["output"]
    for record in records:
        if "errorCode" not in record:
            assert record["input"]["inputTokenCount"] > 0


def test_some_records_were_logged_without_bodies(run: Run) -> None:
    records = run.records()
    without = [r for r in records if "inputBodyJson" not in r["input"]]
    assert len(without) == run.stats.bodies_off_records
    assert 0.05 * len(records) <= len(without) <= 0.15 * len(records)
    for record in without:
        assert "outputBodyJson" not in record["output"]
        assert "outputBodyS3Path" not in record["output"]
        assert not all_keys(record) & LATENCY_KEYS


def test_large_bodies_point_at_sidecar_objects(run: Run) -> None:
    offloaded = [
        line for line in run.lines if line.record and "outputBodyS3Path" in line.record["output"]
    ]
    request_ids = {line.record["requestId"] for line in offloaded if line.record}
    assert len(request_ids) == run.stats.sidecar_objects >= 1
    for line in offloaded:
        assert line.record is not None
        uri = line.record["output"]["outputBodyS3Path"]
        assert "outputBodyJson" not in line.record["output"]
        assert line.record["output"]["outputTokenCount"] > 0
        key = re.sub(r"^s3://[^/]+/", "", uri)
        folder = line.path.rsplit("/", 1)[0]
        assert key == f"{folder}/data/{line.record['requestId']}_output.json.gz"
        sidecar = json.loads(gzip.decompress((run.out / key).read_bytes()))
        assert isinstance(sidecar, dict | list)


def test_prompts_never_name_a_tenant(run: Run) -> None:
    tenants = {found[1] for r in run.records() if (found := tenant_of(r))}
    for record in run.records():
        body = json.dumps(record["input"].get("inputBodyJson", {})).lower()
        assert not any(tenant in body for tenant in tenants)


# ---- API behaviour -------------------------------------------------------------------------


def test_progress_prints_one_line_per_day(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    generate_sample_logs(tmp_path, days=2, invocations=200, seed=1, progress=True)
    captured = capsys.readouterr()
    assert captured.out == ""
    lines = captured.err.splitlines()
    assert len(lines) == 2
    assert "2026-10-01" in lines[0]
    assert "2026-10-02" in lines[1]


def test_describe_says_what_was_written_where(run: Run) -> None:
    text = run.stats.describe()
    assert str(run.out / "AWSLogs") in text
    assert f"{INVOCATIONS:,}" in text
    assert f"{run.stats.files:,}" in text
    assert "\n" not in text


def test_small_runs_and_explicit_start(tmp_path: Path) -> None:
    single = generate_sample_logs(tmp_path / "one", days=1, invocations=1, seed=3)
    assert (single.records, single.lines, single.files) == (1, 1, 1)
    assert len(single.account_regions) == 1
    hundred = generate_sample_logs(
        tmp_path / "hundred", days=2, invocations=100, seed=3, start=date(2027, 2, 27)
    )
    assert hundred.duplicate_deliveries >= 1
    assert hundred.malformed_lines == 0
    assert hundred.lines == 100 + hundred.duplicate_deliveries
    assert hundred.first_day == date(2027, 2, 27)
    assert (
        tmp_path / "hundred" / "AWSLogs" / "111122223333" / "BedrockModelInvocationLogs"
    ).is_dir()
    root = tmp_path / "hundred"
    folders = {p.relative_to(root).parts[4:7] for p in record_files(root)}
    assert ("2027", "02", "27") in folders


@pytest.mark.parametrize(("days", "invocations"), [(0, 10), (1, 0)])
def test_rejects_non_positive_arguments(tmp_path: Path, days: int, invocations: int) -> None:
    with pytest.raises(ValueError, match="at least 1"):
        generate_sample_logs(tmp_path, days=days, invocations=invocations, seed=1)
    assert not (tmp_path / "AWSLogs").exists()


def test_logs_it_did_not_write_are_never_replaced_without_force(tmp_path: Path) -> None:
    from bedrock_costs.cli import main

    own = tmp_path / "AWSLogs" / "111122223333" / "BedrockModelInvocationLogs" / "real.json.gz"
    own.parent.mkdir(parents=True)
    own.write_bytes(b"someone's real logs")
    assert main(["sample-logs", "--out", str(tmp_path), "--days", "1", "--quiet"]) == 1
    assert own.read_bytes() == b"someone's real logs"
    # with --force they are replaced; the sample's own tree is then replaced on every rerun
    args = ["sample-logs", "--out", str(tmp_path), "--days", "1", "--invocations", "10"]
    assert main([*args, "--quiet", "--force"]) == 0
    assert not own.exists()
    assert main([*args, "--quiet"]) == 0


def test_long_context_calls_reach_models_with_and_without_a_premium(tmp_path: Path) -> None:
    generate_sample_logs(tmp_path, days=2, invocations=20_000, seed=SEED)
    long_calls: Counter[str] = Counter()
    for path in record_files(tmp_path):
        for line in gzip.decompress(path.read_bytes()).decode().splitlines():
            try:
                record = json.loads(line)
            except ValueError:
                continue  # the malformed lines planted on purpose
            if record.get("input", {}).get("inputTokenCount", 0) > 200_000:
                long_calls[record["modelId"].split(".", 1)[-1]] += 1
    # Sonnet 4.5 bills a long-context premium; Haiku 4.5 and Sonnet 4.6 do not
    assert long_calls["anthropic.claude-sonnet-4-5-20250929-v1:0"] > 0
    assert long_calls["anthropic.claude-haiku-4-5-20251001-v1:0"] > 0


# ---- with a bill (--cur-out) ----------------------------------------------------------------


def test_with_a_bill_the_logs_are_the_same_but_for_one_lost_file(run: Run, tmp_path: Path) -> None:
    """--cur-out draws nothing from the random stream: every file is byte for byte the one a run
    without it writes, except the one delivery left out on purpose (its calls only billed)."""
    out, bill = tmp_path / "logs", tmp_path / "bill"
    stats = generate_sample_logs(out, days=DAYS, invocations=INVOCATIONS, seed=SEED, cur_out=bill)
    without, with_bill = snapshot(run.out), snapshot(out)
    assert stats.lost_file is not None
    assert set(without) - set(with_bill) == {stats.lost_file}
    assert set(with_bill) <= set(without)
    assert all(with_bill[name] == without[name] for name in with_bill)
    lost = [json.loads(line) for line in gzip.decompress(without[stats.lost_file]).splitlines()]
    assert len(lost) >= 5
    assert stats.records == run.stats.records - len(lost)
    assert (bill / "cur2" / "metadata" / "BILLING_PERIOD=2026-10" / "cur2-Manifest.json").is_file()
    assert "CUR 2.0 export" in stats.describe()


def test_the_bill_has_every_successful_call_once(run: Run, tmp_path: Path) -> None:
    """Billed input and output tokens per account and Region add up to the logged ones of the
    run without a bill (whose logs still hold the lost file), each call counted once."""
    import csv

    bill = tmp_path / "bill"
    generate_sample_logs(
        tmp_path / "logs", days=DAYS, invocations=INVOCATIONS, seed=SEED, cur_out=bill
    )
    billed: Counter[tuple[str, str, str]] = Counter()
    credits = 0
    for path in sorted((bill / "cur2" / "data").rglob("*.csv.gz")):
        for line in csv.DictReader(gzip.decompress(path.read_bytes()).decode().splitlines()):
            if line["line_item_line_item_type"] == "Credit":
                credits += 1
                continue
            per_unit = 1_000_000 if line["pricing_unit"] == "Units" else 1000
            kind = line["line_item_usage_type"]
            token_class = (
                "input"
                if re.search(r"[-_]input-tokens|_InputTokenCount", kind)
                else "output"
                if re.search(r"output-tokens|OutputTokenCount", kind)
                else "other"
            )
            key = (line["line_item_usage_account_id"], line["product_region_code"], token_class)
            billed[key] += round(float(line["line_item_usage_amount"]) * per_unit)
    logged: Counter[tuple[str, str, str]] = Counter()
    for record in run.records():
        if "errorCode" in record:
            continue
        account, region = record["accountId"], record["region"]
        logged[(account, region, "input")] += record["input"].get("inputTokenCount") or 0
        logged[(account, region, "output")] += record["output"].get("outputTokenCount") or 0
    assert credits == 1
    for key in logged:
        if key[2] in ("input", "output") and logged[key]:
            assert billed[key] == logged[key], key
