"""make bench helpers: the floor reads what dbt reads, the held-back day, the report's ratios."""

from __future__ import annotations

import gzip
import json
import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

from bedrock_costs_dev import bench
from dbt_harness import HANDWRITTEN_FIXTURE, PROJECT_DIR, materialize_fixture_logs


def test_floor_counts_every_raw_line_of_the_source_glob(tmp_path: Path) -> None:
    logs = materialize_fixture_logs(HANDWRITTEN_FIXTURE, tmp_path / "logs")
    # A sidecar one folder deeper is outside the source glob and must not be counted.
    hour = next(logs.glob("AWSLogs/*/BedrockModelInvocationLogs/*/*/*/*/*"))
    (hour / "data").mkdir()
    (hour / "data" / "x.json.gz").write_bytes(gzip.compress(b'{"a": 1}\n'))
    expected = 0
    for path in logs.glob(bench.RECORD_GLOB):
        expected += len(gzip.decompress(path.read_bytes()).decode().splitlines())
    program = bench.floor_program(bench.source_read_expression(PROJECT_DIR, logs), 1, "1GB")
    out = subprocess.run(
        [sys.executable, "-c", program], capture_output=True, text=True, check=True
    ).stdout
    assert json.loads(out)["lines"] == expected
    assert expected > 5


def test_the_last_day_is_held_back_and_restored(tmp_path: Path) -> None:
    logs, held = tmp_path / "logs", tmp_path / "held"
    days = {"2026/10/29/23": "a", "2026/10/30/00": "b", "2026/10/30/17": "c", "2026/10/31/00": "d"}
    for day, name in days.items():
        folder = logs / "AWSLogs/111122223333/BedrockModelInvocationLogs/us-east-1" / day
        folder.mkdir(parents=True)
        (folder / f"{name}.json.gz").write_bytes(gzip.compress(b"{}\n"))
    moved = bench.hold_back_last_day(logs, held, "2026-10-30")
    assert moved == 3
    assert sorted(p.name for p in logs.rglob("*.json.gz")) == ["a.json.gz"]
    assert sorted(p.name for p in held.rglob("*.json.gz")) == [
        "b.json.gz",
        "c.json.gz",
        "d.json.gz",
    ]
    bench.restore(held, logs)
    assert sorted(p.name for p in logs.rglob("*.json.gz")) == [f"{n}.json.gz" for n in "abcd"]
    assert list(held.rglob("*.json.gz")) == []


def test_step_peak_rss_is_the_child_own(tmp_path: Path) -> None:
    # Measured from a small parent, as `make bench` does: Linux carries the parent's RSS at spawn
    # into the child's ru_maxrss (the high-water mark survives exec), and this pytest process may
    # hold hundreds of MB by the time this test runs.
    measure = f"""
import sys
from pathlib import Path
from bedrock_costs_dev import bench
work = Path({str(tmp_path)!r})
big = bench.run_measured(
    [sys.executable, "-c", "x = bytearray(300 * 1024 * 1024); x[::4096] = b'1' * len(x[::4096])"],
    env={{}}, cwd=work, log_path=work / "big.log",
)
small = bench.run_measured(
    [sys.executable, "-c", "pass"], env={{}}, cwd=work, log_path=work / "small.log"
)
print(big.returncode, small.returncode, big.peak_rss_mb, small.peak_rss_mb)
"""
    tools = os.pathsep.join(str(PROJECT_DIR / d) for d in ("tools", "src"))
    result = subprocess.run(
        [sys.executable, "-c", measure],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "PYTHONPATH": tools},
    )
    big_code, small_code, big_rss, small_rss = result.stdout.split()
    assert (big_code, small_code) == ("0", "0")
    assert float(big_rss) > 300
    # A later, small child must not inherit the earlier child's peak.
    assert float(small_rss) < 100


def step(seconds: float, rss: float) -> bench.StepResult:
    return bench.StepResult("x", seconds, rss, 0, "")


def test_report_ratios_and_verdicts() -> None:
    report = bench.render_report(
        invocations=2_000_000,
        days=30,
        steps={
            "generate": step(100, 20),
            "floor": step(10, 100),
            "full": step(35, 2500),
            "incremental": step(10, 3500),
        },
        facts={"full": 1_930_000, "incremental": 70_000},
        floor_lines=1_930_100,
        bytes_per_line=230.0,
        memory_limit="2GB",
        threads=2,
        machine={"CPU": "test"},
        when=datetime(2026, 11, 1, tzinfo=UTC),
    )
    assert "| full dbt build, 29 days (1,930,000 invocations) | 35.0 | 2,500 | 3.50 x floor |" in (
        report
    )
    assert "incremental / full: 28.6% (target <= 25%): MISSED" in report
    assert "full build / floor: 3.50 (target <= 4): met" in report
    assert "peak RSS of any step: 3,500 MB (target < 3,072 MB): MISSED" in report
    assert "0.23 GB of gzip per day" in report


def test_the_tag_flood_gives_every_call_fifteen_keys_of_its_own(tmp_path: Path) -> None:
    for one_off in (True, False):
        root = bench.write_tag_flood(tmp_path / str(one_off), 50, one_off_keys=one_off)
        (path,) = root.rglob("*.json.gz")
        records = [json.loads(line) for line in gzip.decompress(path.read_bytes()).splitlines()]
        assert len(records) == 50
        keys = [set(r["requestMetadata"]) - {"tenantId"} for r in records]
        assert all(len(k) == bench.HOSTILE_KEYS_PER_CALL for k in keys)
        distinct = set().union(*keys)
        assert len(distinct) == (50 * 15 if one_off else 15)


def test_report_shows_the_hostile_tags_case() -> None:
    report = bench.render_report(
        invocations=1000,
        days=2,
        steps={
            "generate": step(1, 20),
            "floor": step(1, 100),
            "full": step(3, 200),
            "incremental": step(1, 200),
            "tags-ordinary": step(10, 300),
            "tags-hostile": step(12.5, 320),
        },
        facts={"full": 900, "incremental": 100, "tags-ordinary": 16, "tags-hostile": 240_001},
        floor_lines=1000,
        bytes_per_line=230.0,
        memory_limit="2GB",
        threads=2,
        machine={"CPU": "test"},
        when=datetime(2026, 11, 1, tzinfo=UTC),
    )
    assert "| 15 keys no other call has | 12.5 | 320 | 240,001 |" in report
    assert "one-off keys / shared keys: 1.25 x the time" in report
