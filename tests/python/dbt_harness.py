"""Run the real dbt project on DuckDB from tests: isolated database, target and log paths."""

from __future__ import annotations

import gzip
import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb

from bedrock_costs.quicksight import load_mart_tables

PROJECT_DIR = Path(__file__).resolve().parents[2]
HANDWRITTEN_FIXTURE = PROJECT_DIR / "tests" / "python" / "fixtures" / "handwritten"
# The hand-written fixture plants one unpriced call (an unmapped application profile) on a day
# with two calls on purpose; the unpriced-share limit itself is tested on the pricing fixture.
HANDWRITTEN_VARS = {"max_unpriced_share": 1.0}
DBT = Path(sys.executable).parent / "dbt"
MARTS = "bedrock_marts"


@dataclass(frozen=True)
class DbtRun:
    returncode: int
    output: str
    database: Path

    @property
    def ok(self) -> bool:
        return self.returncode == 0

    def query(self, sql: str) -> list[tuple[Any, ...]]:
        con = duckdb.connect(str(self.database), read_only=True)
        try:
            return con.sql(sql).fetchall()
        finally:
            con.close()


def dbt_command(
    command: list[str],
    logs_dir: Path | None,
    work_dir: Path,
    extra_vars: dict[str, Any] | None = None,
    *,
    target: str = "local",
    env: dict[str, str] | None = None,
    project_dir: Path = PROJECT_DIR,
) -> tuple[list[str], dict[str, str]]:
    """The argv and environment of `dbt <command>` with the shipped profiles.example.yml.

    Everything dbt writes (profiles copy, database, target, logs) goes under work_dir. On the
    local target the logs are read from logs_dir; extra env vars (e.g. the Athena settings) are
    added to the environment of the dbt process.
    """
    work_dir.mkdir(parents=True, exist_ok=True)
    profiles_dir = work_dir / "profiles"
    profiles_dir.mkdir(exist_ok=True)
    shutil.copy(project_dir / "profiles.example.yml", profiles_dir / "profiles.yml")
    process_env = {
        **os.environ,
        "DO_NOT_TRACK": "1",
        "BEDROCK_COSTS_DUCKDB_PATH": str(work_dir / "bedrock_tenant_costs.duckdb"),
        **(env or {}),
    }
    dbt_vars = {**({"bedrock_logs_dir": str(logs_dir)} if logs_dir else {}), **(extra_vars or {})}
    args = [
        str(DBT),
        *command,
        "--project-dir",
        str(project_dir),
        "--profiles-dir",
        str(profiles_dir),
        "--target",
        target,
        "--target-path",
        str(work_dir / "target"),
        "--log-path",
        str(work_dir / "logs"),
        "--vars",
        json.dumps(dbt_vars),
    ]
    return args, process_env


def run_dbt(
    command: list[str],
    logs_dir: Path | None,
    work_dir: Path,
    extra_vars: dict[str, Any] | None = None,
    **kwargs: Any,
) -> DbtRun:
    """Run `dbt <command>` (see dbt_command) and collect its output and database."""
    args, env = dbt_command(command, logs_dir, work_dir, extra_vars, **kwargs)
    proc = subprocess.run(args, capture_output=True, text=True, env=env, cwd=work_dir, check=False)
    return DbtRun(
        proc.returncode, proc.stdout + proc.stderr, work_dir / "bedrock_tenant_costs.duckdb"
    )


def compiled_sql(work_dir: Path, resource_path: str) -> str:
    """The compiled SQL of a model or test, e.g. "models/marts/cost/fct_bedrock_invocations.sql"."""
    return (work_dir / "target" / "compiled" / "bedrock_tenant_costs" / resource_path).read_text()


def materialize_fixture_logs(source_dir: Path, out_dir: Path) -> Path:
    """Gzip every `.jsonl` file under source_dir into the same relative path as `.json.gz`.

    Files are copied byte for byte (CRLF, missing final newline and all), so the fixture text is
    exactly what the pipeline reads. Returns out_dir.
    """
    for source in sorted(source_dir.rglob("*.jsonl")):
        target = out_dir / source.relative_to(source_dir).with_suffix(".json.gz")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(gzip.compress(source.read_bytes(), mtime=0))
    return out_dir


def count_non_blank_lines(logs_dir: Path) -> int:
    """Non-blank lines of every record file in the Bedrock layout, counted in plain Python."""
    total = 0
    for path in logs_dir.glob("AWSLogs/*/BedrockModelInvocationLogs/*/*/*/*/*/*.json.gz"):
        with gzip.open(path, "rb") as handle:  # bytes: a line need not be valid UTF-8
            total += sum(1 for line in handle if line.strip())
    return total


# Every mart, read from the marts' YAML (a new mart is compared without anyone listing it here).
MART_TABLES = tuple(sorted(table.name for table in load_mart_tables(PROJECT_DIR)))


def snapshot_marts(run: DbtRun, *, ignore_paths_under: Path | None = None) -> dict[str, list]:
    """Every row of every mart, sorted, for byte-for-byte comparison of two builds.

    With ignore_paths_under, that directory prefix is cut from file paths so that two builds over
    copies of the same logs in different directories compare equal.
    """
    snapshot: dict[str, list] = {}
    for table in MART_TABLES:
        rows = run.query(f"select * from {MARTS}.{table} order by all")
        if ignore_paths_under is not None:
            prefix = str(ignore_paths_under)
            rows = [
                tuple(v.replace(prefix, "<logs>") if isinstance(v, str) else v for v in row)
                for row in rows
            ]
        snapshot[table] = rows
    return snapshot


def copy_project(destination: Path) -> Path:
    """A copy of the dbt project (no .venv, target or data) that a test may change."""
    shutil.copytree(
        PROJECT_DIR,
        destination,
        ignore=shutil.ignore_patterns(
            ".venv", ".git", "target", "target_*", "logs", "data", "*.duckdb", "__pycache__"
        ),
        symlinks=True,
    )
    return destination


def run_dbt_on_handwritten(
    command: list[str],
    logs_dir: Path | None,
    work_dir: Path,
    extra_vars: dict[str, Any] | None = None,
    **kwargs: Any,
) -> DbtRun:
    """run_dbt with the vars the hand-written fixture needs (see HANDWRITTEN_VARS)."""
    return run_dbt(
        command, logs_dir, work_dir, {**HANDWRITTEN_VARS, **(extra_vars or {})}, **kwargs
    )


def athena_env(endpoint_url: str, **overrides: str) -> dict[str, str]:
    """Environment for the shipped `athena` profile target against the offline Athena double."""
    return {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_MAX_ATTEMPTS": "1",
        "AWS_ENDPOINT_URL": endpoint_url,
        "ATHENA_S3_STAGING_DIR": "s3://dbt-staging-bucket/athena-results/",
        "ATHENA_S3_DATA_DIR": "s3://dbt-data-bucket/tables/",
        "ATHENA_SCHEMA": "analytics",
        "ATHENA_NUM_RETRIES": "0",
        **overrides,
    }
