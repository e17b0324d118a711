"""Run the dbt project on the local Athena (tools/athena-local) and compare its marts with DuckDB's.

The local Athena is Trino 476 behind moto's Glue, S3 and an Athena front (see
tools/athena_local). Every test gets a Glue schema and a log prefix of its own, so tests share
one running engine without seeing each other's tables or logs.
"""

from __future__ import annotations

import fcntl
import json
import re
import sys
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import trino

from athena_local import __main__ as athena_local
from athena_local import engine
from dbt_harness import MART_TABLES, MARTS, DbtRun, run_dbt

# Every mart, the tables finance and BI read; compared row for row across the engines (read from
# the marts' YAML, so a new mart is compared without anyone remembering to list it here).
ALL_MARTS = MART_TABLES
# Columns whose value is the time of the run, not a function of the logs.
RUN_TIME_COLUMNS = {"loaded_at", "first_loaded_at", "last_loaded_at"}
# Columns holding JSON text: compared as parsed JSON (key order and number spelling differ).
JSON_COLUMNS = {"cost_by_model_json", "latest_tags_json"}


def start_local_athena() -> athena_local.State:
    """The running local Athena, started if needed; a missing prerequisite fails the test.

    Two pytest processes may both find it stopped: the first to take the lock starts it, the
    other then finds it running."""
    path = athena_local.state_dir() / "start.lock"
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        with path.open("a") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            return athena_local.start(progress=False)
    except engine.EngineError as error:
        pytest.fail(f"the local Athena cannot start: {error}", pytrace=False)


BEDROCK_COSTS = Path(sys.executable).parent / "bedrock-costs"


# The bucket the tests keep the salt of hashed_tag_keys in: none of the buckets dbt writes to.
SALT_BUCKET = "athena-local-secrets"


@contextmanager
def engine_use(exclusive: bool = False) -> Iterator[None]:
    """Hold the local Athena, shared with the tests of the other lane or alone.

    `make test-athena` runs two pytest processes at once (scripts/athena-test-lanes.sh), so two
    projects' statements meet in one engine and one request log. A project whose AWS calls a
    test reads (`records_calls`) runs its dbt commands alone: its call windows then hold its own
    calls only. Everything else a test sends to the endpoint or to Trino (dbt, queries, uploads,
    the report) holds it shared.
    """
    path = athena_local.state_dir() / "tests.lock"
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def upload_salt(state: athena_local.State, salt: str, folder: str) -> str:
    """Put salt as the one-line object of s3://SALT_BUCKET/<folder>/; that folder's URI."""
    s3 = athena_local.aws_client("s3", state.endpoint)
    with engine_use():
        if SALT_BUCKET not in {b["Name"] for b in s3.list_buckets()["Buckets"]}:
            s3.create_bucket(Bucket=SALT_BUCKET)
        s3.put_object(Bucket=SALT_BUCKET, Key=f"{folder}/salt.txt", Body=(salt + "\n").encode())
    return f"s3://{SALT_BUCKET}/{folder}/"


@dataclass(frozen=True)
class AthenaProject:
    """One log set on the local Athena: its own log prefix and Glue schema."""

    state: athena_local.State
    schema: str
    log_prefix: str
    # Its dbt commands run alone on the engine, so that aws_calls() holds only theirs.
    records_calls: bool = False
    # Byte ranges of the endpoint's request log written while this project's dbt commands ran.
    call_windows: list[tuple[int, int]] = field(default_factory=list, compare=False, repr=False)

    @classmethod
    def new(
        cls,
        state: athena_local.State,
        name: str,
        prefix_root: str = "data",
        records_calls: bool = False,
    ) -> AthenaProject:
        suffix = uuid.uuid4().hex[:8]
        # The prefix has a folder named `data` on purpose: the filter that skips Bedrock's data/
        # side objects must match them below the hour folder only, not anywhere in the URI.
        return cls(state, f"{name}_{suffix}", f"{prefix_root}/{name}-{suffix}", records_calls)

    def upload(self, logs_dir: Path) -> int:
        with engine_use():
            return athena_local.upload_logs(self.state, logs_dir, self.log_prefix)

    def env(self) -> dict[str, str]:
        env = athena_local.environment(self.state, self.log_prefix, self.schema)
        env["ATHENA_NUM_RETRIES"] = "0"
        env["AWS_MAX_ATTEMPTS"] = "2"
        return env

    def log_vars(self) -> dict[str, Any]:
        return json.loads(self.env()["BEDROCK_COSTS_ATHENA_VARS"])

    def dbt(
        self, command: list[str], work_dir: Path, extra_vars: dict[str, Any] | None = None
    ) -> DbtRun:
        if command[0] in {"build", "test"}:
            command = [*command, "--exclude-resource-type", "unit_test"]
        env, dbt_vars = self.env(), {**self.log_vars(), **(extra_vars or {})}
        with engine_use(exclusive=self.records_calls):
            start = _request_log_size()
            try:
                return run_dbt(command, None, work_dir, dbt_vars, target="athena", env=env)
            finally:
                self.call_windows.append((start, _request_log_size()))

    def aws_calls(self) -> list[dict[str, Any]]:
        """The AWS calls (as IAM names them) made while this project's dbt commands ran.

        dbt-athena's own calls and the S3 and Glue calls Trino made for its queries; not the
        test's uploads, nor the queries a test runs on Trino directly (see athena_local.aws_calls).
        """
        path = athena_local.request_log_file()
        calls: list[dict[str, Any]] = []
        with path.open("rb") as handle:
            for start, end in self.call_windows:
                handle.seek(start)
                for line in handle.read(end - start).splitlines():
                    try:
                        calls.append(json.loads(line))
                    except ValueError:  # a line being written as the window closed
                        continue
        return calls

    def upload_bill(self, bill_dir: Path, export_name: str) -> str:
        """Upload a CUR 2.0 export written by cur_export.write_export beside this project's logs;
        returns the export's S3 folder (var bedrock_cur_s3_uri)."""
        s3 = athena_local.aws_client("s3", self.state.endpoint)
        prefix = f"{self.log_prefix}-bill"
        with engine_use():
            for path in sorted(p for p in (bill_dir / export_name).rglob("*") if p.is_file()):
                key = f"{prefix}/{path.relative_to(bill_dir).as_posix()}"
                s3.upload_file(str(path), athena_local.LOG_BUCKET, key)
        return f"s3://{athena_local.LOG_BUCKET}/{prefix}/{export_name}/"

    def create_raw_table(self, work_dir: Path) -> DbtRun:
        return self.dbt(["run-operation", "create_bedrock_logs_table"], work_dir)

    def query(self, sql: str) -> list[tuple[Any, ...]]:
        """Rows of `sql` run on the engine itself (typed values, as the trino client gives them)."""
        connection = trino.dbapi.connect(
            host="127.0.0.1",
            port=self.state.trino_port,
            user="tests",
            catalog="awsdatacatalog",
            schema=self.schema + "_marts",
        )
        try:
            with engine_use():
                cursor = connection.cursor()
                cursor.execute(sql)
                return [tuple(row) for row in cursor.fetchall()]
        finally:
            connection.close()

    def columns(self, table: str, layer: str = "marts") -> list[str]:
        rows = self.query(
            "select column_name from information_schema.columns "
            f"where table_schema = '{self.schema}_{layer}' and table_name = '{table}' "
            "order by ordinal_position"
        )
        return [row[0] for row in rows]


def _request_log_size() -> int:
    path = athena_local.request_log_file()
    return path.stat().st_size if path.exists() else 0


def _normal(column: str, value: Any) -> Any:
    """One value in a form both engines give alike (see the module docstring of the tests)."""
    if value is None:
        return None
    if column in JSON_COLUMNS:
        return json.dumps(json.loads(value, parse_float=Decimal), sort_keys=True, default=str)
    if isinstance(value, str) and "AWSLogs/" in value:
        # A file's place: a local path on DuckDB, an s3:// URI on Athena; equal from AWSLogs/ on.
        return re.sub(r"^.*?(?=AWSLogs/)", "<logs>/", value)
    if isinstance(value, datetime):
        return value.replace(tzinfo=None)
    if isinstance(value, Decimal | int | float | bool | date | str):
        return value
    return str(value)


# Lines a log reader cannot decode: DuckDB's reader rejects them and the base model's post-hook
# quarantines them by file and line number (it never sees the line as text); on Athena the model
# finds them in the text itself. Same lines, same reasons, same files; the row's id, line hash,
# preview and byte size are the reader's own (DuckDB keeps only the start of a line over its
# limit, and measures an undecodable line before U+FFFD replaces its bytes, Trino after), so
# only those are not compared (docs/tests.md).
READER_REASONS = {"invalid_utf8", "line_too_long"}
READER_SPECIFIC_COLUMNS = {
    "log_record_id",
    "line_hash",
    "raw_line_preview",
    "request_id",
    "line_bytes",
}


def _without_reader_specifics(columns: list[str], row: tuple[Any, ...]) -> tuple[Any, ...]:
    if "quarantine_reason" not in columns:
        return row
    if row[columns.index("quarantine_reason")] not in READER_REASONS:
        return row
    return tuple(
        None if c in READER_SPECIFIC_COLUMNS else v for c, v in zip(columns, row, strict=True)
    )


def _sorted_rows(columns: list[str], rows: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    rows = [_without_reader_specifics(columns, row) for row in rows]
    keep = [i for i, c in enumerate(columns) if c not in RUN_TIME_COLUMNS]
    normal = [tuple(_normal(columns[i], row[i]) for i in keep) for row in rows]
    return sorted(normal, key=lambda row: [(v is None, str(v)) for v in row])


Snapshot = dict[str, tuple[list[str], list[tuple[Any, ...]]]]


def _snapshot(
    columns_of: Callable[[str], list[str]], rows_of: Callable[[str, str], list[tuple[Any, ...]]]
) -> Snapshot:
    """Every mart's compared columns and normalised, sorted rows, from one engine."""
    out: Snapshot = {}
    for table in ALL_MARTS:
        columns = columns_of(table)
        if not columns:
            raise AssertionError(f"mart {table} does not exist")
        rows = rows_of(table, ", ".join(f'"{c}"' for c in columns))
        out[table] = (
            [c for c in columns if c not in RUN_TIME_COLUMNS],
            _sorted_rows(columns, rows),
        )
    return out


def athena_marts(project: AthenaProject) -> Snapshot:
    return _snapshot(
        project.columns,
        lambda table, names: project.query(f"select {names} from {project.schema}_marts.{table}"),
    )


def duckdb_marts(run: DbtRun) -> Snapshot:
    def columns_of(table: str) -> list[str]:
        sql = (
            "select column_name from information_schema.columns "
            f"where table_schema = '{MARTS}' and table_name = '{table}' order by ordinal_position"
        )
        return [row[0] for row in run.query(sql)]

    return _snapshot(
        columns_of, lambda table, names: run.query(f"select {names} from {MARTS}.{table}")
    )


def mart_differences(duck: Snapshot, athena: Snapshot) -> dict[str, Any]:
    """Per mart, what differs: columns, or the rows only one engine has (at most 5 each)."""
    problems: dict[str, Any] = {}
    for table in ALL_MARTS:
        duck_columns, duck_rows = duck[table]
        athena_columns, athena_rows = athena[table]
        if duck_columns != athena_columns:
            problems[table] = {"columns": (duck_columns, athena_columns)}
            continue
        only_duck = [r for r in duck_rows if r not in athena_rows]
        only_athena = [r for r in athena_rows if r not in duck_rows]
        if only_duck or only_athena or len(duck_rows) != len(athena_rows):
            problems[table] = {
                "rows": (len(duck_rows), len(athena_rows)),
                "columns": duck_columns,
                "only_duckdb": only_duck[:5],
                "only_athena": only_athena[:5],
            }
    return problems


def build_both(
    project: AthenaProject,
    athena_work: Path,
    duck_logs: Path,
    duck_work: Path,
    command: list[str],
    extra_vars: dict[str, Any] | None = None,
) -> DbtRun:
    """The same dbt command on the local Athena, then on DuckDB; both must succeed."""
    athena = project.dbt(command, athena_work, extra_vars)
    assert athena.ok, f"athena {command}: {athena.output[-6000:]}"
    duck = run_dbt(command, duck_logs, duck_work, extra_vars)
    assert duck.ok, f"duckdb {command}: {duck.output[-6000:]}"
    return duck
