"""The benchmark behind ``make bench`` (issue 7): floor, full build, one-day incremental build.

Every step runs as its own child process and is measured with ``os.wait4``, which returns that
child's own resource usage, so each step's peak RSS is its own (``getrusage(RUSAGE_CHILDREN)``
would give the maximum over every child waited for so far). Steps, in one run on one machine:

1. generate N invocations over D days with ``bedrock-costs sample-logs`` and hold back the
   delivery folders of the last day (reported, not part of the ratios);
2. the floor: DuckDB counts the raw lines of the same files, read exactly as the dbt source reads
   them (the ``external_location`` of ``_bedrock__sources.yml``);
3. a full ``dbt build`` (models and tests) into an empty DuckDB file;
4. the held-back day is added and the same ``dbt build`` runs incrementally;
5. the hostile-tags case (issue 18): one tenant's day of calls that each carry 15 tag keys no other
   call has, built from scratch, against the same number of calls with ordinary tags. Work linear
   in the tags logged keeps the two builds close; a quadratic by-tag mart made 8,000 such calls
   take 281 s against 15 s.

The table (seconds, peak RSS, ratios full/floor and incremental/full) is printed and appended with
the machine's details to ``BENCHMARKS.md``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Final

EXIT_OK: Final = 0
EXIT_FAILURE: Final = 1
EXIT_USAGE: Final = 2

SOURCES_YAML: Final = Path("models/staging/bedrock/_bedrock__sources.yml")
RECORD_GLOB: Final = "AWSLogs/*/BedrockModelInvocationLogs/*/*/*/*/*/*.json.gz"
#: Targets of issue 7 at 2M invocations / 30 days on 2 cores.
FULL_OVER_FLOOR_MAX: Final = 4.0
INCREMENTAL_OVER_FULL_MAX: Final = 0.25
PEAK_RSS_MAX_MB: Final = 3 * 1024
PEAK_RSS_MAX_MB_10M: Final = 6 * 1024
LARGE_RUN: Final = 10_000_000
HOSTILE_KEYS_PER_CALL: Final = 15
HOSTILE_HOUR: Final = "AWSLogs/111122223333/BedrockModelInvocationLogs/us-east-1/2026/10/01/12"


@dataclass(frozen=True)
class StepResult:
    name: str
    seconds: float
    peak_rss_mb: float
    returncode: int
    output_tail: str


def run_measured(
    argv: Sequence[str], *, env: dict[str, str], cwd: Path, log_path: Path
) -> StepResult:
    """Run one step as a child process; wall seconds and the child's own peak RSS (MB)."""
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with log_path.open("wb") as log:
        started = time.perf_counter()
        process = subprocess.Popen(argv, env=env, cwd=cwd, stdout=log, stderr=subprocess.STDOUT)
        _, status, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    tail = log_path.read_text(errors="replace")[-3000:]
    # Linux reports ru_maxrss in KiB.
    return StepResult(Path(argv[0]).name, seconds, usage.ru_maxrss / 1024, process.returncode, tail)


def source_read_expression(project_dir: Path, logs_dir: Path) -> str:
    """The DuckDB read_csv(...) of the dbt source, with var bedrock_logs_dir filled in."""
    import yaml

    document = yaml.safe_load((project_dir / SOURCES_YAML).read_text(encoding="utf-8"))
    (source,) = [s for s in document["sources"] if s["name"] == "bedrock"]
    (table,) = [t for t in source["tables"] if t["name"] == "invocation_logs_raw"]
    location = " ".join(str(table["config"]["external_location"]).split())
    placeholder = '{{ var("bedrock_logs_dir") }}'
    if placeholder not in location:
        raise ValueError(f"{SOURCES_YAML}: external_location no longer uses {placeholder}")
    location = location.replace(placeholder, str(logs_dir).replace("'", "''"))
    if "{{" in location or "{%" in location:
        raise ValueError(f"{SOURCES_YAML}: external_location has Jinja the bench cannot fill in")
    return location


def floor_program(read_expression: str, threads: int, memory_limit: str) -> str:
    """Python source of the floor step: count the source's rows (one per raw line)."""
    return (
        "import duckdb, json\n"
        "con = duckdb.connect()\n"
        f'con.execute("set threads = {threads}")\n'
        f"con.execute(\"set memory_limit = '{memory_limit}'\")\n"
        f"query = {json.dumps('select count(*) from ' + read_expression)}\n"
        "((count,),) = con.sql(query).fetchall()\n"
        "print(json.dumps({'lines': count}))\n"
    )


def hold_back_last_day(logs_dir: Path, held_dir: Path, last_day: str) -> int:
    """Move every delivery-hour folder dated ``last_day`` or later to ``held_dir``; count files."""
    stamp = last_day.replace("-", "/")
    moved = 0
    for hour_dir in sorted(logs_dir.glob("AWSLogs/*/BedrockModelInvocationLogs/*/*/*/*/*")):
        relative = hour_dir.relative_to(logs_dir)
        day = "/".join(relative.parts[4:7])
        if not hour_dir.is_dir() or day < stamp:
            continue
        destination = held_dir / relative
        destination.parent.mkdir(parents=True, exist_ok=True)
        moved += sum(1 for _ in hour_dir.glob("*.json.gz"))
        shutil.move(str(hour_dir), str(destination))
    return moved


def restore(held_dir: Path, logs_dir: Path) -> None:
    for hour_dir in sorted(held_dir.glob("AWSLogs/*/BedrockModelInvocationLogs/*/*/*/*/*")):
        destination = logs_dir / hour_dir.relative_to(held_dir)
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(str(hour_dir), str(destination))


def write_tag_flood(root: Path, calls: int, *, one_off_keys: bool) -> Path:
    """One tenant's day of `calls` Converse records, each with 15 tag keys besides tenantId:
    keys no other call carries (one_off_keys) or the same 15 keys on every call."""
    import gzip

    lines = []
    for call in range(calls):
        prefix = f"k{call}-" if one_off_keys else "k"
        tags = {f"{prefix}{key}": "v" for key in range(HOSTILE_KEYS_PER_CALL)}
        record = {
            "schemaType": "ModelInvocationLog",
            "schemaVersion": "1.0",
            "timestamp": "2026-10-01T12:00:00Z",
            "accountId": "111122223333",
            "region": "us-east-1",
            "requestId": f"flood-{call}",
            "operation": "Converse",
            "modelId": "amazon.nova-lite-v1:0",
            "requestMetadata": {"tenantId": "flood", **tags},
            "input": {"inputTokenCount": 10},
            "output": {"outputTokenCount": 1},
        }
        lines.append(json.dumps(record))
    path = root / HOSTILE_HOUR / "20261001T120000000Z_00000000000000aa.json.gz"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(gzip.compress(("\n".join(lines) + "\n").encode(), mtime=0))
    return root


def record_bytes(logs_dir: Path) -> int:
    return sum(path.stat().st_size for path in logs_dir.glob(RECORD_GLOB))


def machine_details() -> dict[str, str]:
    cpu = platform.processor() or platform.machine()
    memory = "unknown"
    cpuinfo, meminfo = Path("/proc/cpuinfo"), Path("/proc/meminfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    if meminfo.exists():
        for line in meminfo.read_text().splitlines():
            if line.startswith("MemTotal:"):
                memory = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
                break

    def version(package: str) -> str:
        try:
            return metadata.version(package)
        except metadata.PackageNotFoundError:
            return "not installed"

    return {
        "CPU": cpu,
        "cores": str(os.cpu_count()),
        "RAM": memory,
        "OS": platform.platform(),
        "Python": platform.python_version(),
        "duckdb": version("duckdb"),
        "dbt-core": version("dbt-core"),
        "dbt-duckdb": version("dbt-duckdb"),
    }


def _row_count(database: Path, table: str) -> int:
    """Rows of a table of the built DuckDB file (e.g. bedrock_marts.fct_bedrock_invocations)."""
    import duckdb

    con = duckdb.connect(str(database), read_only=True)
    try:
        ((count,),) = con.sql(f"select count(*) from {table}").fetchall()
    finally:
        con.close()
    return int(count)


def _fact_rows(database: Path) -> int:
    return _row_count(database, "bedrock_marts.fct_bedrock_invocations")


def _verdict(ok: bool) -> str:
    return "met" if ok else "MISSED"


def render_report(
    *,
    invocations: int,
    days: int,
    steps: dict[str, StepResult],
    facts: dict[str, int],
    floor_lines: int,
    bytes_per_line: float,
    memory_limit: str,
    threads: int,
    machine: dict[str, str],
    when: datetime,
) -> str:
    generate, floor = steps["generate"], steps["floor"]
    full, incremental = steps["full"], steps["incremental"]
    full_ratio = full.seconds / floor.seconds
    incremental_ratio = incremental.seconds / full.seconds
    peak = max(step.peak_rss_mb for step in (floor, full, incremental))
    rss_max = PEAK_RSS_MAX_MB_10M if invocations >= LARGE_RUN else PEAK_RSS_MAX_MB
    rows = [
        ("generate logs (not in ratios)", generate, "-"),
        (f"floor: DuckDB counts {floor_lines:,} raw lines", floor, "1.00 x floor"),
        (
            f"full dbt build, {days - 1} days ({facts['full']:,} invocations)",
            full,
            f"{full_ratio:.2f} x floor",
        ),
        (
            f"incremental dbt build, +1 day ({facts['incremental']:,} invocations)",
            incremental,
            f"{incremental_ratio:.1%} of full",
        ),
    ]
    lines = [
        f"### {when:%Y-%m-%d %H:%M} UTC: {invocations:,} invocations over {days} days",
        "",
        "Machine: " + ", ".join(f"{key} {value}" for key, value in machine.items()) + ".",
        f"DuckDB settings: threads {threads}, memory_limit {memory_limit}.",
        "",
        "| step | seconds | peak RSS MB | ratio |",
        "|---|---:|---:|---|",
        *(
            f"| {name} | {step.seconds:.1f} | {step.peak_rss_mb:,.0f} | {ratio} |"
            for name, step, ratio in rows
        ),
        "",
        f"- full build / floor: {full_ratio:.2f} (target <= {FULL_OVER_FLOOR_MAX:.0f}): "
        f"{_verdict(full_ratio <= FULL_OVER_FLOOR_MAX)}",
        f"- incremental / full: {incremental_ratio:.1%} (target <= "
        f"{INCREMENTAL_OVER_FULL_MAX:.0%}): "
        f"{_verdict(incremental_ratio <= INCREMENTAL_OVER_FULL_MAX)}",
        f"- peak RSS of any step: {peak:,.0f} MB (target < {rss_max:,} MB): "
        f"{_verdict(peak < rss_max)}",
        f"- compressed log bytes per raw line: {bytes_per_line:,.0f}; at 1M invocations/day "
        f"that is {bytes_per_line * 1_000_000 / 1e9:.2f} GB of gzip per day of logs",
        "",
    ]
    if "tags-hostile" in steps:
        ordinary, hostile = steps["tags-ordinary"], steps["tags-hostile"]
        lines += [
            "Hostile tags: one tenant's day of calls, each with tenantId and 15 more tag keys.",
            "",
            "| build from scratch | seconds | peak RSS MB | by-tag rows |",
            "|---|---:|---:|---:|",
            f"| 15 keys shared by every call | {ordinary.seconds:.1f} | "
            f"{ordinary.peak_rss_mb:,.0f} | {facts['tags-ordinary']:,} |",
            f"| 15 keys no other call has | {hostile.seconds:.1f} | "
            f"{hostile.peak_rss_mb:,.0f} | {facts['tags-hostile']:,} |",
            "",
            f"- one-off keys / shared keys: {hostile.seconds / ordinary.seconds:.2f} x the time "
            "(linear work keeps it near the ratio of the rows, not of their square)",
            "",
        ]
    return "\n".join(lines)


def run_bench(args: argparse.Namespace) -> int:
    project_dir: Path = args.project_dir.resolve()
    bench_dir: Path = (project_dir / args.dir).resolve()
    logs_dir, held_dir = bench_dir / "logs", bench_dir / "held-back"
    database = bench_dir / "bench.duckdb"
    for stale in (
        logs_dir,
        held_dir,
        *(bench_dir / n for n in ("dbt-target", "dbt-logs", "profiles")),
    ):
        shutil.rmtree(stale, ignore_errors=True)
    for stale_file in (database, Path(f"{database}.wal")):
        stale_file.unlink(missing_ok=True)
    shutil.rmtree(Path(f"{database}.tmp"), ignore_errors=True)
    bench_dir.mkdir(parents=True, exist_ok=True)

    profiles_dir = bench_dir / "profiles"
    profiles_dir.mkdir()
    shutil.copy(project_dir / "profiles.example.yml", profiles_dir / "profiles.yml")
    env = {
        **os.environ,
        "DO_NOT_TRACK": "1",
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
        "DBT_PROFILES_DIR": str(profiles_dir),
        "BEDROCK_COSTS_DUCKDB_PATH": str(database),
        "BEDROCK_COSTS_THREADS": str(args.threads),
        "BEDROCK_COSTS_MEMORY_LIMIT": args.memory_limit,
        "PYTHONPATH": os.pathsep.join(
            [str(project_dir / "src"), *filter(None, [os.environ.get("PYTHONPATH")])]
        ),
    }
    python = sys.executable
    dbt = str(Path(python).parent / "dbt")
    dbt_build = [
        dbt,
        "build",
        "--target",
        "local",
        "--target-path",
        str(bench_dir / "dbt-target"),
        "--log-path",
        str(bench_dir / "dbt-logs"),
        "--vars",
        json.dumps({"bedrock_logs_dir": str(logs_dir)}),
    ]

    def step(name: str, argv: Sequence[str], label: str) -> StepResult:
        print(f"bench: {label} ...", file=sys.stderr, flush=True)
        result = run_measured(argv, env=env, cwd=project_dir, log_path=bench_dir / f"{name}.log")
        print(
            f"bench: {label}: {result.seconds:.1f} s, peak RSS {result.peak_rss_mb:,.0f} MB",
            file=sys.stderr,
            flush=True,
        )
        if result.returncode != 0:
            raise StepFailed(name, result, bench_dir / f"{name}.log")
        return result

    steps: dict[str, StepResult] = {}
    facts: dict[str, int] = {}
    try:
        steps["generate"] = step(
            "generate",
            [
                python,
                "-m",
                "bedrock_costs.cli",
                "sample-logs",
                "--out",
                str(logs_dir),
                "--days",
                str(args.days),
                "--invocations",
                str(args.invocations),
                "--seed",
                str(args.seed),
                "--quiet",
            ],
            f"generating {args.invocations:,} invocations over {args.days} days",
        )
        from bedrock_costs.sample_logs import DEFAULT_START

        last_day = DEFAULT_START.toordinal() + args.days - 1
        held = hold_back_last_day(
            logs_dir, held_dir, datetime.fromordinal(last_day).date().isoformat()
        )
        print(f"bench: held back {held:,} files of the last day", file=sys.stderr)
        read_expression = source_read_expression(project_dir, logs_dir)
        floor = step(
            "floor",
            [python, "-c", floor_program(read_expression, args.threads, args.memory_limit)],
            "floor: DuckDB counts the raw lines",
        )
        floor_lines = int(json.loads(floor.output_tail.strip().splitlines()[-1])["lines"])
        steps["floor"] = floor
        bytes_per_line = record_bytes(logs_dir) / max(floor_lines, 1)
        steps["full"] = step("full", dbt_build, "full dbt build from an empty database")
        facts["full"] = _fact_rows(database)
        restore(held_dir, logs_dir)
        steps["incremental"] = step("incremental", dbt_build, "incremental dbt build (+1 day)")
        facts["incremental"] = _fact_rows(database) - facts["full"]
        if args.hostile_tag_calls:
            for name, one_off in (("tags-ordinary", False), ("tags-hostile", True)):
                flood = write_tag_flood(
                    bench_dir / name, args.hostile_tag_calls, one_off_keys=one_off
                )
                flood_db = bench_dir / f"{name}.duckdb"
                flood_db.unlink(missing_ok=True)
                argv = [*dbt_build[:-1], json.dumps({"bedrock_logs_dir": str(flood)})]
                env["BEDROCK_COSTS_DUCKDB_PATH"] = str(flood_db)
                kind = "one-off" if one_off else "shared"
                steps[name] = step(
                    name, argv, f"{args.hostile_tag_calls:,} calls with 15 {kind} tag keys"
                )
                facts[name] = _row_count(flood_db, "bedrock_marts.fct_tenant_daily_usage_by_tag")
            env["BEDROCK_COSTS_DUCKDB_PATH"] = str(database)
    except StepFailed as failure:
        print(
            f"error: step {failure.name} exited {failure.result.returncode}; its output is in "
            f"{failure.log_path}. Last lines:\n{failure.result.output_tail[-1500:]}",
            file=sys.stderr,
        )
        return EXIT_FAILURE
    except ValueError as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_FAILURE

    report = render_report(
        invocations=args.invocations,
        days=args.days,
        steps=steps,
        facts=facts,
        floor_lines=floor_lines,
        bytes_per_line=bytes_per_line,
        memory_limit=args.memory_limit,
        threads=args.threads,
        machine=machine_details(),
        when=datetime.now(UTC),
    )
    print(report)
    results: Path = project_dir / args.results
    with results.open("a", encoding="utf-8") as handle:
        handle.write("\n" + report)
    print(f"bench: appended the table to {results}", file=sys.stderr)
    # The parent's own peak, to show the measurement excludes it.
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"bench: the bench process itself peaked at {own:,.0f} MB", file=sys.stderr)
    return EXIT_OK


class StepFailed(Exception):
    def __init__(self, name: str, result: StepResult, log_path: Path) -> None:
        super().__init__(name)
        self.name = name
        self.result = result
        self.log_path = log_path


def _at_least(minimum: int) -> Callable[[str], int]:
    def parse(value: str) -> int:
        try:
            number = int(value.replace("_", "").replace(",", ""))
        except ValueError as exc:
            raise argparse.ArgumentTypeError(f"expected a whole number, got {value!r}") from exc
        if number < minimum:
            raise argparse.ArgumentTypeError(f"expected at least {minimum}, got {number}")
        return number

    return parse


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m bedrock_costs_dev.bench",
        description=(
            "Benchmark the pipeline on DuckDB: generate logs, time DuckDB counting the raw lines "
            "(the floor), a full dbt build (models and tests) from an empty database, and an "
            "incremental build after one more day of logs; peak RSS of each step. Prints a "
            "markdown table and appends it with machine details to BENCHMARKS.md."
        ),
        epilog=(
            "Exit codes: 0 benchmark ran (targets met or not, see the table), 1 a step failed "
            "(its log is under the bench dir), 2 bad arguments. "
            "Example: make bench BENCH_INVOCATIONS=50000 BENCH_DAYS=5  (or: python -m "
            "bedrock_costs_dev.bench --invocations 2000000 --days 30)"
        ),
    )
    parser.add_argument(
        "--invocations",
        type=_at_least(100),
        default=2_000_000,
        help="invocations to generate (default 2000000; 10000000 for the large run)",
    )
    parser.add_argument(
        "--days",
        type=_at_least(2),
        default=30,
        help="days of logs, the last one held back for the incremental step (default 30)",
    )
    parser.add_argument("--seed", type=int, default=42, help="generator seed (default 42)")
    parser.add_argument(
        "--threads", type=_at_least(1), default=2, help="DuckDB threads (default 2)"
    )
    parser.add_argument(
        "--memory-limit",
        default="2GB",
        help="DuckDB memory_limit; above it DuckDB spills to disk (default 2GB)",
    )
    parser.add_argument(
        "--hostile-tag-calls",
        type=int,
        default=8000,
        help=(
            "calls in the hostile-tags case: one tenant's day with 15 one-off tag keys per call, "
            "against as many calls with shared keys (default 8000; 0 skips the case)"
        ),
    )
    parser.add_argument(
        "--dir", type=Path, default=Path("target/bench"), help="work dir (default target/bench)"
    )
    parser.add_argument(
        "--results",
        type=Path,
        default=Path("BENCHMARKS.md"),
        help="file the table is appended to (default BENCHMARKS.md)",
    )
    parser.add_argument(
        "--project-dir", type=Path, default=Path(), help="dbt project (default: current dir)"
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if not (args.project_dir / SOURCES_YAML).exists():
        print(
            f"error: {args.project_dir / SOURCES_YAML} not found; run from the project directory",
            file=sys.stderr,
        )
        return EXIT_USAGE
    try:
        return run_bench(args)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return EXIT_FAILURE


if __name__ == "__main__":
    sys.exit(main())
