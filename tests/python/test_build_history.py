"""`bedrock-costs build-history`: a history built in chunks of days equals one first build.

The planning is unit-tested; the DuckDB test runs the real command (one `dbt build` per chunk,
every test and reconciliation test included) over the hand-written fixture, whose records cross
the chunk boundaries (a request invoked on one day and re-delivered on the next).
"""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
import yaml

from athena_local_harness import duckdb_marts
from bedrock_costs.build_history import build_history, chunk_commands, chunks
from bedrock_costs.cli import main
from dbt_harness import (
    HANDWRITTEN_FIXTURE,
    HANDWRITTEN_VARS,
    compiled_sql,
    dbt_command,
    materialize_fixture_logs,
    run_dbt_on_handwritten,
)

BEDROCK_COSTS = Path(sys.executable).parent / "bedrock-costs"


def test_chunks_cover_the_range_without_gaps_or_overlaps() -> None:
    plan = chunks(date(2026, 1, 30), date(2026, 3, 2), 10)
    assert [(c.first_day.isoformat(), c.last_day.isoformat()) for c in plan] == [
        ("2026-01-30", "2026-02-08"),
        ("2026-02-09", "2026-02-18"),
        ("2026-02-19", "2026-02-28"),
        ("2026-03-01", "2026-03-02"),
    ]
    assert len(chunks(date(2026, 1, 1), date(2026, 1, 1), 30)) == 1
    with pytest.raises(ValueError, match="before --from"):
        chunks(date(2026, 1, 2), date(2026, 1, 1), 1)


def test_each_chunk_keeps_the_users_vars_and_only_the_first_refreshes() -> None:
    plan = chunks(date(2026, 1, 1), date(2026, 1, 4), 2)
    commands = chunk_commands(
        "dbt", plan, ["--target", "athena", "--vars", '{"lookback_days": 2}'], full_refresh=True
    )
    assert [c[:3] for c in commands] == [
        ["dbt", "build", "--full-refresh"],
        ["dbt", "build", "--target"],
    ]
    assert yaml.safe_load(commands[1][-1]) == {
        "lookback_days": 2,
        "backfill_from": "2026-01-03",
        "backfill_to": "2026-01-04",
    }
    with pytest.raises(ValueError, match="sets it per chunk"):
        chunk_commands("dbt", plan, ["--vars", "{backfill_from: 2026-01-01}"], full_refresh=False)


def test_a_failed_chunk_stops_the_walk_and_says_how_to_resume(
    capsys: pytest.CaptureFixture[str],
) -> None:
    ran: list[list[str]] = []

    def fail_second(command: list[str]) -> int:
        ran.append(command)
        return 1 if len(ran) == 2 else 0

    code = build_history(
        date(2026, 1, 1), date(2026, 1, 6), 2, ["--target", "local"], dbt="dbt", run=fail_second
    )
    assert code == 1
    assert len(ran) == 2
    err = capsys.readouterr().err
    assert "[2/3] 2026-01-03 .. 2026-01-04" in err
    assert "resume with: bedrock-costs build-history --from 2026-01-03 --to 2026-01-06" in err


def test_help_explains_the_command(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["build-history", "--help"])
    assert exit_info.value.code == 0
    out = capsys.readouterr().out
    assert "Example: bedrock-costs build-history" in out
    assert "30-minute DML timeout" in out


@pytest.mark.dbt
def test_a_history_built_in_chunks_equals_one_first_build(tmp_path: Path) -> None:
    logs = materialize_fixture_logs(HANDWRITTEN_FIXTURE, tmp_path / "logs")
    whole = run_dbt_on_handwritten(["build"], logs, tmp_path / "whole")
    assert whole.ok, whole.output[-3000:]

    work = tmp_path / "chunked"
    args, env = dbt_command(["build"], logs, work, HANDWRITTEN_VARS)
    # one day per run: an empty first day, then the fixture's two days (a record of 10-01 is
    # delivered again on 10-02, in the next chunk)
    done = subprocess.run(
        [
            *(str(BEDROCK_COSTS), "build-history", "--from", "2026-09-30", "--to", "2026-10-02"),
            *("--days-per-run", "1", "--dbt", args[0], "--", *args[2:]),
        ],
        capture_output=True,
        text=True,
        env={**os.environ, **env},
        cwd=work,
        check=False,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert "[3/3] 2026-10-02 .. 2026-10-02" in done.stderr
    # the first chunk created the tables reading only its own day
    chunked = whole.__class__(0, "", work / "bedrock_tenant_costs.duckdb")
    assert duckdb_marts(chunked) == duckdb_marts(whole)
    base = compiled_sql(work, "models/staging/bedrock/base/base_bedrock__log_lines.sql")
    assert "'2026/10/02/00'" in base
    assert "'2026/10/03/00'" in base
