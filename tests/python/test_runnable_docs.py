"""The shell commands of the README and docs/ run as printed.

Every ```bash block of README.md and docs/*.md carries a marker on the line before it:
`<!-- runnable -->` or `<!-- not run: <why> -->`. The runnable blocks are executed in the order
a reader meets them (README first, then docs/ by name) by one bash session (`set -euo
pipefail`, so exports carry over, as in a reader's terminal) in a copy of the repository. The
one precondition the README states in prose, a copy of one's own logs in data/my-logs, is met
with generated logs. Nothing in a block is rewritten.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from dbt_harness import PROJECT_DIR, copy_project

DOCUMENTS = [PROJECT_DIR / "README.md", *sorted((PROJECT_DIR / "docs").glob("*.md"))]
FENCE = re.compile(r"^(\s*)```(\w*)")
RUNNABLE = "<!-- runnable -->"
NOT_RUN = re.compile(r"^<!-- not run: \S.* -->$")
SHELLS = {"bash", "sh", "shell", "console"}


@dataclass(frozen=True)
class Block:
    document: Path
    line: int  # of the opening fence, 1-based
    marker: str
    text: str

    @property
    def where(self) -> str:
        return f"{self.document.relative_to(PROJECT_DIR)}:{self.line}"


def shell_blocks(document: Path) -> list[Block]:
    lines = document.read_text().split("\n")
    blocks: list[Block] = []
    index = 0
    while index < len(lines):
        opening = FENCE.match(lines[index])
        if not opening:
            index += 1
            continue
        indent, language = opening.groups()
        end = index + 1
        while end < len(lines) and not lines[end].strip().startswith("```"):
            end += 1
        if language in SHELLS:
            marker = lines[index - 1].strip() if index else ""
            body = [
                line[len(indent) :] if line.startswith(indent) else line
                for line in lines[index + 1 : end]
            ]
            blocks.append(Block(document, index + 1, marker, "\n".join(body)))
        index = end + 1
    return blocks


ALL_BLOCKS = [block for document in DOCUMENTS for block in shell_blocks(document)]


def test_every_shell_block_says_whether_it_runs() -> None:
    assert len(ALL_BLOCKS) > 10, "the fence parser found too few blocks"
    unmarked = [
        block.where
        for block in ALL_BLOCKS
        if block.marker != RUNNABLE and not NOT_RUN.match(block.marker)
    ]
    assert unmarked == [], (
        "shell blocks without `<!-- runnable -->` or `<!-- not run: why -->` on the line before: "
        f"{unmarked}"
    )


def test_the_marker_parser_sees_a_missing_marker(tmp_path: Path) -> None:
    document = tmp_path / "x.md"
    document.write_text("text\n\n```bash\necho a\n```\n<!-- runnable -->\n```bash\necho b\n```\n")
    blocks = shell_blocks(document)
    assert [(b.line, b.marker, b.text) for b in blocks] == [
        (3, "", "echo a"),
        (7, RUNNABLE, "echo b"),
    ]


def script_of(blocks: list[Block]) -> str:
    parts = ["set -euo pipefail"]
    for block in blocks:
        parts.append(f"echo '>>> running the block at {block.where}' >&2")
        parts.append(block.text)
    parts.append("echo '>>> every runnable block ran' >&2")
    return "\n".join(parts) + "\n"


@pytest.mark.dbt
def test_the_runnable_blocks_run_as_printed(tmp_path: Path) -> None:
    runnable = [block for block in ALL_BLOCKS if block.marker == RUNNABLE]
    assert any("make build SAMPLE_DIR=data/my-logs" in block.text for block in runnable)
    repository = copy_project(tmp_path / "repository")
    (repository / ".venv").symlink_to(PROJECT_DIR / ".venv")
    (repository / "profiles.yml").unlink(missing_ok=True)  # a fresh clone has none
    # The README's prose precondition: a copy of one's own logs in data/my-logs.
    subprocess.run(
        [
            str(Path(sys.executable).parent / "bedrock-costs"),
            "sample-logs",
            "--out",
            str(repository / "data" / "my-logs"),
            "--days",
            "3",
            "--invocations",
            "3000",
            "--seed",
            "7",
            "--quiet",
        ],
        check=True,
        timeout=300,
    )
    # a reader's shell: none of the variables the test run or the Makefile may have set
    environment = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("BEDROCK_COSTS_", "DBT_", "ATHENA_", "AWS_", "VIRTUAL_ENV"))
        and name not in {"DO_NOT_TRACK", "PYTHONPATH", "MAKEFLAGS", "MFLAGS", "MAKELEVEL"}
    }
    environment["PATH"] = os.pathsep.join(
        part
        for part in environment.get("PATH", "").split(os.pathsep)
        if Path(part).resolve() != (PROJECT_DIR / ".venv" / "bin").resolve()
    )
    result = subprocess.run(
        ["bash", "-c", script_of(runnable)],
        cwd=repository,
        env=environment,
        capture_output=True,
        text=True,
        timeout=1800,
        check=False,
    )
    started = re.findall(r">>> running the block at (\S+)", result.stderr)
    assert result.returncode == 0, (
        f"the block at {started[-1] if started else '?'} failed (exit {result.returncode}):\n"
        + result.stdout[-3000:]
        + result.stderr[-3000:]
    )
    assert ">>> every runnable block ran" in result.stderr
    assert started == [block.where for block in runnable]
    # what the blocks promise is there
    assert "All tenants:" in result.stdout
    for made in ("data/my-logs.duckdb", "data/my-report.html", "report.html", "target/report.html"):
        assert (repository / made).stat().st_size > 0, made
