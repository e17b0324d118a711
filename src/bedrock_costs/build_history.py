"""``bedrock-costs build-history``: build a long log history in chunks of days.

A first build (or a full refresh) reads every log file in one query per model. On Athena that
query can outrun the 30-minute DML timeout, and its raw scan spans every projected day. This
command runs ``dbt build`` once per chunk of ``--days-per-run`` days with the vars
``backfill_from`` / ``backfill_to``: the first chunk creates the tables (the base model reads only
those days, see the ``log_read_window`` macro), each later chunk backfills the next days. Every
chunk's own reconciliation tests check the lines of its days.
"""

from __future__ import annotations

import argparse
import shlex
import shutil
import subprocess
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import yaml

from bedrock_costs.arg_types import iso_date, positive_int


@dataclass(frozen=True)
class Chunk:
    first_day: date
    last_day: date

    def describe(self) -> str:
        return f"{self.first_day} .. {self.last_day}"


def chunks(first_day: date, last_day: date, days_per_run: int) -> list[Chunk]:
    """Consecutive chunks of at most days_per_run days covering first_day..last_day inclusive."""
    if last_day < first_day:
        raise ValueError(f"--to ({last_day}) is before --from ({first_day})")
    result = []
    start = first_day
    while start <= last_day:
        end = min(start + timedelta(days=days_per_run - 1), last_day)
        result.append(Chunk(start, end))
        start = end + timedelta(days=1)
    return result


def _split_vars(dbt_args: Sequence[str]) -> tuple[list[str], dict[str, Any]]:
    """The dbt arguments without --vars, and the vars they passed (a YAML or JSON mapping)."""
    rest: list[str] = []
    passed: dict[str, Any] = {}
    arguments = list(dbt_args)
    index = 0
    while index < len(arguments):
        argument = arguments[index]
        text: str | None = None
        if argument == "--vars":
            if index + 1 == len(arguments):
                raise ValueError("--vars needs a value, e.g. --vars '{lookback_days: 3}'")
            text = arguments[index + 1]
            index += 2
        elif argument.startswith("--vars="):
            text = argument.removeprefix("--vars=")
            index += 1
        else:
            rest.append(argument)
            index += 1
            continue
        loaded = yaml.safe_load(text) if text.strip() else {}
        if not isinstance(loaded, dict):
            raise ValueError(f"--vars must be a mapping, got: {text!r}")
        passed.update(loaded)
    for name in ("backfill_from", "backfill_to"):
        if passed.get(name) is not None:
            raise ValueError(f"do not pass {name} in --vars: build-history sets it per chunk")
    return rest, passed


def chunk_commands(
    dbt: str, plan: Sequence[Chunk], dbt_args: Sequence[str], full_refresh: bool
) -> list[list[str]]:
    """One `dbt build` per chunk; only the first one gets --full-refresh."""
    rest, passed = _split_vars(dbt_args)
    commands = []
    for number, chunk in enumerate(plan):
        chunk_vars = {
            **passed,
            "backfill_from": chunk.first_day.isoformat(),
            "backfill_to": chunk.last_day.isoformat(),
        }
        refresh = ["--full-refresh"] if full_refresh and number == 0 else []
        vars_text = yaml.safe_dump(chunk_vars, default_flow_style=True).strip()
        commands.append([dbt, "build", *refresh, *rest, "--vars", vars_text])
    return commands


def default_dbt() -> str:
    """The dbt next to this Python (the project's .venv), else the one on PATH."""
    beside = Path(sys.executable).parent / "dbt"
    if beside.exists():
        return str(beside)
    return shutil.which("dbt") or "dbt"


Runner = Callable[[list[str]], int]


def _run(command: list[str]) -> int:
    return subprocess.run(command, check=False).returncode


def build_history(
    first_day: date,
    last_day: date,
    days_per_run: int,
    dbt_args: Sequence[str],
    *,
    full_refresh: bool = False,
    dry_run: bool = False,
    dbt: str | None = None,
    run: Runner = _run,
) -> int:
    """Run the chunks in order; stop at the first failure and say how to resume. Exit code."""
    plan = chunks(first_day, last_day, days_per_run)
    commands = chunk_commands(dbt or default_dbt(), plan, dbt_args, full_refresh)
    for number, (chunk, command) in enumerate(zip(plan, commands, strict=True), start=1):
        print(f"[{number}/{len(plan)}] {chunk.describe()}: {shlex.join(command)}", file=sys.stderr)
        if dry_run:
            continue
        code = run(command)
        if code != 0:
            resume = f"--from {chunk.first_day} --to {last_day} --days-per-run {days_per_run}"
            print(
                f"build-history: dbt failed on {chunk.describe()} (exit {code}); days before "
                f"{chunk.first_day} are built. Fix the cause, then resume with: "
                f"bedrock-costs build-history {resume} -- {shlex.join(dbt_args)}",
                file=sys.stderr,
            )
            return 1
    if not dry_run:
        print(f"build-history: built {first_day} .. {last_day} in {len(plan)} runs")
    return 0


def _cmd_build_history(args: argparse.Namespace) -> int:
    dbt_args = list(args.dbt_args)
    if dbt_args[:1] == ["--"]:
        dbt_args = dbt_args[1:]
    last_day = args.to or datetime.now(UTC).date()
    try:
        return build_history(
            args.from_day,
            last_day,
            args.days_per_run,
            dbt_args,
            full_refresh=args.full_refresh,
            dry_run=args.dry_run,
            dbt=args.dbt,
        )
    except ValueError as exc:
        print(f"build-history: {exc}", file=sys.stderr)
        return 2


def add_build_history_parser(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "build-history",
        help="build a long log history with one dbt build per chunk of days (Athena first build)",
        description=(
            "Run `dbt build` once per chunk of --days-per-run days, from --from to --to, with "
            "the vars backfill_from/backfill_to: the first chunk creates the tables (reading "
            "only its days), every later chunk backfills the next days. Each query then reads a "
            "bounded number of days, which keeps a first build or full refresh of a long history "
            "on Athena inside its 30-minute DML timeout (see var max_days_per_build). Stops at the "
            "first failed chunk and prints the command that resumes from it. Arguments after -- "
            "go to every dbt build; their --vars are merged with the chunk's."
        ),
        epilog=(
            "Example: bedrock-costs build-history --from 2025-01-01 --days-per-run 30 -- "
            '--target athena --vars "$(cat vars/prod.yml)"'
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--from",
        dest="from_day",
        type=iso_date,
        required=True,
        help="first day to build, YYYY-MM-DD (the first day Bedrock delivered logs)",
    )
    parser.add_argument(
        "--to",
        type=iso_date,
        default=None,
        help="last day to build, inclusive (default: today, UTC)",
    )
    parser.add_argument(
        "--days-per-run", type=positive_int, default=30, help="days per dbt build (default 30)"
    )
    parser.add_argument(
        "--full-refresh",
        action="store_true",
        help="rebuild: the first chunk runs with --full-refresh (drops what was built)",
    )
    parser.add_argument("--dry-run", action="store_true", help="print the dbt commands only")
    parser.add_argument("--dbt", default=None, help="dbt executable (default: the .venv's dbt)")
    parser.add_argument(
        "dbt_args", nargs=argparse.REMAINDER, help="after --: arguments for every dbt build"
    )
    parser.set_defaults(handler=_cmd_build_history)
