"""The fast lane's guard: a test that starts dbt, Chromium or the local Athena unmarked fails."""

from __future__ import annotations

import subprocess
import sys

import pytest

from fast_lane import GuardedPopen, marker_needed


@pytest.mark.parametrize(
    ("args", "marker"),
    [
        (["/work/.venv/bin/dbt", "build"], "dbt"),
        ("dbt build --target local", "dbt"),
        (["/usr/bin/chromium", "--headless"], "chromium"),
        (["/opt/jdk/bin/java", "-jar", "trino-server.jar"], "athena"),
        (["tools/athena-local", "--stop"], "athena"),
        ([sys.executable, "-m", "pip", "install", "."], "install"),
        ([sys.executable, "-m", "venv", "env"], "install"),
        ([sys.executable, "-c", "print(1)"], None),
        (["git", "status"], None),
        (["/venv/bin/bedrock-costs", "--help"], None),
    ],
)
def test_each_slow_program_names_its_marker(args: object, marker: str | None) -> None:
    assert marker_needed(args) == marker


def test_the_guard_refuses_dbt_and_names_the_marker() -> None:
    with pytest.raises(pytest.fail.Exception, match=r"mark it pytest\.mark\.dbt"):
        GuardedPopen(["dbt", "--version"])


def test_the_guard_lets_other_programs_run() -> None:
    process = GuardedPopen(
        [sys.executable, "-c", "print('ran')"], stdout=subprocess.PIPE, text=True
    )
    out, _ = process.communicate()
    assert out.strip() == "ran"
