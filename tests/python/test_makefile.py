"""The Makefile passes folders to the tools as data: a hostile SAMPLE_DIR is a path, not a command.

The tools are replaced by recording scripts (a fake BIN directory), so this test executes the
Makefile's recipes through the shell for real and checks what each tool received.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from dbt_harness import PROJECT_DIR

RECORDER = """#!/bin/sh
exec "{python}" -c 'import json, sys; print(json.dumps(sys.argv[1:]))' "$@" >> "{calls}"
"""


def fake_bin(tmp_path: Path) -> tuple[Path, Path]:
    """A BIN directory whose dbt and bedrock-costs append their arguments, one JSON line a call."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    calls = tmp_path / "calls.jsonl"
    for tool in ("dbt", "bedrock-costs"):
        script = bin_dir / tool
        script.write_text(RECORDER.format(python=sys.executable, calls=calls))
        script.chmod(0o755)
    (bin_dir / "python").symlink_to(sys.executable)
    installed = bin_dir / ".installed"
    installed.touch()
    newest = max(
        os.stat(PROJECT_DIR / name).st_mtime for name in ("requirements.txt", "pyproject.toml")
    )
    os.utime(installed, (newest + 60, newest + 60))
    return bin_dir, calls


def test_a_hostile_sample_dir_reaches_the_tools_as_one_path(tmp_path: Path) -> None:
    pwned = tmp_path / "pwned"
    # (`$(...)` would be make's own variable syntax, expanded by make before any shell sees it)
    hostile = f"/tmp/a'\"; touch {pwned}; echo \"' `touch {pwned}` | touch {pwned}"
    bin_dir, calls = fake_bin(tmp_path)
    run = subprocess.run(
        [
            "make",
            "--no-print-directory",
            "-C",
            str(PROJECT_DIR),
            "sample-logs",
            "build",
            f"BIN={bin_dir}",
            f"SAMPLE_DIR={hostile}",
            f"SAMPLE_BILL_DIR={hostile}-bill",
        ],
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "MAKEFLAGS": ""},
    )
    assert run.returncode == 0, run.stdout + run.stderr
    assert not pwned.exists(), "the shell ran a command spelled in SAMPLE_DIR"
    sample_logs, build = (json.loads(line) for line in calls.read_text().splitlines())
    assert sample_logs[:3] == ["sample-logs", "--out", hostile]
    assert sample_logs[-2:] == ["--cur-out", f"{hostile}-bill"]
    assert build[:3] == ["build", "--target", "local"]
    assert json.loads(build[build.index("--vars") + 1]) == {"bedrock_logs_dir": hostile}


def test_the_demo_builds_the_sample_logs_with_their_bill(tmp_path: Path) -> None:
    bin_dir, calls = fake_bin(tmp_path)
    run = subprocess.run(
        ["make", "--no-print-directory", "-C", str(PROJECT_DIR), "demo", f"BIN={bin_dir}"],
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "MAKEFLAGS": "", "BEDROCK_COSTS_DUCKDB_PATH": str(tmp_path / "db")},
    )
    assert run.returncode == 0, run.stdout + run.stderr
    sample_logs, build, summary, _report = (
        json.loads(line) for line in calls.read_text().splitlines()
    )
    assert sample_logs[-2:] == ["--cur-out", "data/sample-bill"]
    assert json.loads(build[build.index("--vars") + 1]) == {
        "bedrock_logs_dir": "data/sample-logs",
        "bedrock_cur_dir": "data/sample-bill",
    }
    assert summary[0] == "summary"
