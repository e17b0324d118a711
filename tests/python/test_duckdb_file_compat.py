"""The DuckDB file a build writes opens in an older DuckDB, as BI tools and other clients ship.

DuckDB 2.0 writes a storage format that DuckDB 1.x refuses ("version number 999 ... we can only
read version 64"). profiles.example.yml asks for the v1.0.0 format when it creates the file. The
test installs DuckDB 1.1.3 from PyPI into ~/.cache/bedrock-costs (once) and reads the marts with
it; a failing install fails the test, never skips it.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from dbt_harness import HANDWRITTEN_FIXTURE, MARTS, materialize_fixture_logs, run_dbt_on_handwritten

OLD_DUCKDB = "1.1.3"
CACHE = Path.home() / ".cache" / "bedrock-costs" / f"duckdb-{OLD_DUCKDB}"
QUERY = (
    f"select tenant_id, cast(sum(total_cost_usd) as varchar) from {MARTS}.fct_tenant_daily_usage "
    "group by 1 order by 1"
)


def old_duckdb() -> Path:
    if not (CACHE / "duckdb").is_dir():
        done = subprocess.run(
            [
                sys.executable,
                "-m",
                "pip",
                "install",
                "--quiet",
                "--target",
                str(CACHE),
                f"duckdb=={OLD_DUCKDB}",
            ],
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode != 0:
            pytest.fail(f"cannot install duckdb {OLD_DUCKDB} from PyPI: {done.stderr[-2000:]}")
    return CACHE


@pytest.mark.dbt
def test_the_built_database_opens_in_duckdb_1_1(tmp_path: Path) -> None:
    logs = materialize_fixture_logs(HANDWRITTEN_FIXTURE, tmp_path / "logs")
    run = run_dbt_on_handwritten(["build"], logs, tmp_path / "dbt")
    assert run.ok, run.output[-3000:]
    script = (
        "import duckdb, json, sys\n"
        "assert duckdb.__version__ == sys.argv[2], duckdb.__version__\n"
        "con = duckdb.connect(sys.argv[1], read_only=True)\n"
        f"print(json.dumps(con.sql({QUERY!r}).fetchall()))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script, str(run.database), OLD_DUCKDB],
        capture_output=True,
        text=True,
        env={"PYTHONPATH": str(old_duckdb()), "PATH": "/usr/bin:/bin"},
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert [tuple(row) for row in json.loads(done.stdout)] == run.query(QUERY)
