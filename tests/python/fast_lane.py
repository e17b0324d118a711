"""The fast lane (`make check`): the tests marked neither dbt, athena, chromium nor install.

With BEDROCK_COSTS_TEST_LANE=fast, a test that starts dbt, Chromium or the local Athena (Java, or
tools/athena-local) fails and names the marker it lacks, so an unmarked slow test cannot hide in
the fast lane. The guard wraps subprocess.Popen (which subprocess.run uses); installed by
conftest.py.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

LANE_ENV = "BEDROCK_COSTS_TEST_LANE"
MARKER_OF_PROGRAM = {
    "dbt": "dbt",
    "chromium": "chromium",
    "chromium-browser": "chromium",
    "java": "athena",
    "athena-local": "athena",
}
# The test being set up or run (conftest.py's pytest_runtest_setup keeps it), for the message.
current_test: list[str] = ["(collection)"]


def marker_needed(args: Any) -> str | None:
    """The marker a test needs to start the process `args` (a Popen argument), or None."""
    if isinstance(args, str | bytes | os.PathLike):
        text = os.fsdecode(args)
        words: Sequence[str] = text.split() if isinstance(args, str | bytes) else [text]
    else:
        words = [os.fsdecode(word) for word in args]
    if not words:
        return None
    program = Path(words[0]).name
    if program in MARKER_OF_PROGRAM:
        return MARKER_OF_PROGRAM[program]
    if program == "pip" or ("-m" in words and {"pip", "venv"} & set(words)):
        return "install"
    return None


class GuardedPopen(subprocess.Popen):  # type: ignore[type-arg]
    """subprocess.Popen that refuses what a test of the fast lane must not start."""

    def __init__(self, args: Any, *rest: Any, **kwargs: Any) -> None:
        marker = marker_needed(args)
        if marker:
            raise pytest.fail.Exception(
                f"{current_test[0]} starts {args!r} in the fast lane: mark it"
                f" pytest.mark.{marker} (make check runs only unmarked tests)"
            )
        super().__init__(args, *rest, **kwargs)


def install_guard() -> None:
    """Replace subprocess.Popen by GuardedPopen when the fast lane is asked for."""
    if os.environ.get(LANE_ENV) == "fast":
        subprocess.Popen = GuardedPopen  # type: ignore[misc]
