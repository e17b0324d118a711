"""tools/athena-local: a local Athena (Trino 476 + moto's Glue and S3) for the athena target.

    tools/athena-local [--logs DIR] [--log-prefix P] [-- COMMAND ...]
    tools/athena-local --stop | --status

Starts (or reuses) the engine and the local AWS endpoint, optionally uploads a log directory
holding AWSLogs/... to the local log bucket, then runs COMMAND with the environment that
dbt-athena, pyathena and boto3 need to reach the local Athena. See docs/athena.md, "Local Athena".
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import boto3

from athena_local import engine

LOG_BUCKET = "athena-local-bedrock-logs"
DATA_BUCKET = "athena-local-data"
RESULTS_BUCKET = "athena-local-results"
DEFAULT_LOG_PREFIX = "bedrock"
REPO = Path(__file__).resolve().parents[2]
ACCOUNT_ID = "123456789012"
REGION = "us-east-1"


def state_dir() -> Path:
    return Path(os.environ.get("ATHENA_LOCAL_STATE") or engine.cache_dir() / "athena-local")


def faults_file() -> Path:
    """Where a test writes the failures the Athena front injects (see aws_server)."""
    return state_dir() / "faults.json"


def request_log_file() -> Path:
    """JSON lines, one per AWS call the endpoint served, as IAM names it (see aws_calls)."""
    return state_dir() / "requests.jsonl"


def code_version() -> str:
    """A hash of the local Athena's own code: a running one started from other code is replaced."""
    digest = hashlib.sha256()
    for path in sorted(Path(__file__).parent.glob("*.py")):
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


@dataclass
class State:
    aws_port: int
    trino_port: int
    aws_pid: int
    trino_pid: int
    started: float
    code: str = ""

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.aws_port}"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except (ProcessLookupError, PermissionError):
        return False
    return True


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def load_state() -> State | None:
    path = state_dir() / "state.json"
    if not path.exists():
        return None
    state = State(**json.loads(path.read_text()))
    if state.code != code_version():
        return None
    if _alive(state.aws_pid) and _alive(state.trino_pid):
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{state.trino_port}/v1/info", timeout=5):
                return state
        except (urllib.error.URLError, OSError):
            return None
    return None


def aws_client(service: str, endpoint: str) -> Any:
    client: Any = boto3.client
    return client(
        service,
        endpoint_url=endpoint,
        region_name=REGION,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )


def _wait_for_port(port: int, pid: int, log: Path, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not _alive(pid):
            raise engine.EngineError(f"the local AWS endpoint exited; see {log}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.2)
    raise engine.EngineError(
        f"the local AWS endpoint did not answer within {timeout:.0f} s; see {log}"
    )


def start(progress: bool = True) -> State:
    """Start the AWS endpoint and Trino, or reuse the ones already running."""
    if (running := load_state()) is not None:
        return running
    stop(quiet=True)
    home = engine.ensure_trino(progress)
    java_home = engine.find_java_home()
    directory = state_dir()
    directory.mkdir(parents=True, exist_ok=True)
    aws_port, trino_port = _free_port(), _free_port()
    aws_log = directory / "aws.log"
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(REPO / "tools"), str(REPO / "src")]),
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": REGION,
    }
    env.pop("AWS_ENDPOINT_URL", None)
    command = [sys.executable, "-m", "athena_local.aws_server", "--port", str(aws_port)]
    command += [
        "--trino-port",
        str(trino_port),
        "--statement-log",
        str(directory / "statements.jsonl"),
    ]
    command += ["--faults-file", str(faults_file())]
    # A new endpoint forgets every table and object, so the calls of the last one go too.
    request_log_file().unlink(missing_ok=True)
    command += ["--request-log", str(request_log_file())]
    with aws_log.open("ab") as log:
        aws = subprocess.Popen(
            command, stdout=log, stderr=subprocess.STDOUT, env=env, start_new_session=True
        )
    _wait_for_port(aws_port, aws.pid, aws_log)
    endpoint = f"http://127.0.0.1:{aws_port}"
    s3 = aws_client("s3", endpoint)
    for bucket in (LOG_BUCKET, DATA_BUCKET, RESULTS_BUCKET):
        s3.create_bucket(Bucket=bucket)
    if progress:
        print(f"athena-local: starting Trino {engine.TRINO_VERSION} on {java_home}", flush=True)
    config = engine.EngineConfig(directory, trino_port, endpoint, ACCOUNT_ID, REGION)
    trino = engine.start(config, home, java_home)
    state = State(aws_port, trino_port, aws.pid, trino.pid, time.time(), code_version())
    (directory / "state.json").write_text(json.dumps(asdict(state)))
    try:
        seconds = engine.wait_until_ready(trino_port, trino, directory / "trino.log")
    except engine.EngineError:
        stop(quiet=True)
        raise
    if progress:
        print(f"athena-local: ready in {seconds:.0f} s; logs in {directory}", flush=True)
    return state


def stop(quiet: bool = False) -> None:
    path = state_dir() / "state.json"
    if not path.exists():
        return
    state = State(**json.loads(path.read_text()))
    for pid in (state.trino_pid, state.aws_pid):
        if _alive(pid):
            with contextlib.suppress(ProcessLookupError):
                os.killpg(pid, signal.SIGTERM)
    for pid in (state.trino_pid, state.aws_pid):
        for _ in range(100):
            if not _alive(pid):
                break
            time.sleep(0.1)
        else:
            os.killpg(pid, signal.SIGKILL)
    path.unlink(missing_ok=True)
    if not quiet:
        print("athena-local: stopped")


def upload_logs(state: State, logs: Path, prefix: str) -> int:
    """Upload every file below logs/AWSLogs/ to s3://LOG_BUCKET/<prefix>/AWSLogs/...; the count."""
    root = logs / "AWSLogs"
    if not root.is_dir():
        raise SystemExit(f"athena-local: {logs} holds no AWSLogs/ folder")
    s3 = aws_client("s3", state.endpoint)
    count = 0
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        key = (
            f"{prefix}/{path.relative_to(logs).as_posix()}"
            if prefix
            else path.relative_to(logs).as_posix()
        )
        s3.upload_file(str(path), LOG_BUCKET, key)
        count += 1
    return count


def log_vars(state: State, prefix: str, schema: str) -> dict[str, Any]:
    """The vars the raw table needs, read from what the log bucket holds under prefix.

    The raw table gets a Glue database of its own per ATHENA_SCHEMA (`<schema>_raw`), so that two
    log sets built into two schemas never share one raw table.
    """
    s3 = aws_client("s3", state.endpoint)
    base = f"{prefix}/AWSLogs/" if prefix else "AWSLogs/"
    accounts, regions, hours = set(), set(), set()
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=LOG_BUCKET, Prefix=base):
        for item in page.get("Contents", []):
            parts = item["Key"][len(base) :].split("/")
            if len(parts) >= 8 and parts[1] == "BedrockModelInvocationLogs":
                accounts.add(parts[0])
                regions.add(parts[2])
                hours.add("/".join(parts[3:7]))
    uri = f"s3://{LOG_BUCKET}/{prefix}".rstrip("/")
    return {
        "bedrock_logs_s3_uri": uri,
        "bedrock_log_accounts": sorted(accounts) or [ACCOUNT_ID],
        "bedrock_log_regions": sorted(regions) or [REGION],
        "bedrock_log_first_hour": min(hours) if hours else "2024/01/01/00",
        "bedrock_raw_schema": f"{schema}_raw",
    }


def environment(state: State, prefix: str, schema: str | None = None) -> dict[str, str]:
    """What a command needs to reach the local Athena; schema defaults to $ATHENA_LOCAL_SCHEMA."""
    schema = schema or os.environ.get("ATHENA_LOCAL_SCHEMA") or "bedrock_costs"
    env = {
        "AWS_ENDPOINT_URL": state.endpoint,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": REGION,
        "AWS_REGION": REGION,
        "ATHENA_REGION": REGION,
        "ATHENA_WORK_GROUP": "primary",
        "ATHENA_S3_STAGING_DIR": f"s3://{RESULTS_BUCKET}/results/",
        "ATHENA_S3_DATA_DIR": f"s3://{DATA_BUCKET}/tables/",
        "ATHENA_SCHEMA": schema,
        "ATHENA_POLL_INTERVAL": "0.05",
        "BEDROCK_COSTS_TARGET": "athena",
        "ATHENA_LOCAL_TRINO_PORT": str(state.trino_port),
        "BEDROCK_COSTS_ATHENA_VARS": json.dumps(log_vars(state, prefix, schema)),
    }
    return env


def prepare_command(command: list[str], env: dict[str, str]) -> tuple[list[str], list[str]]:
    """COMMAND with this tool's variables expanded; and notes on what was changed.

    `$NAME` / `${NAME}` of a variable this tool sets (left unexpanded by single quotes) are
    replaced by its value. An empty argument after `--vars` is what a shell leaves of
    "$BEDROCK_COSTS_ATHENA_VARS" when it expanded the variable before this tool could set it:
    it becomes the raw table's vars, with a note.
    """
    prepared, notes = [], []
    for index, argument in enumerate(command):
        for name, value in env.items():
            argument = argument.replace("${" + name + "}", value).replace("$" + name, value)
        if argument == "" and index > 0 and command[index - 1] == "--vars":
            argument = env["BEDROCK_COSTS_ATHENA_VARS"]
            notes.append(
                "--vars was empty (your shell expanded $BEDROCK_COSTS_ATHENA_VARS before "
                "athena-local set it): passing the raw table's vars"
            )
        prepared.append(argument)
    return prepared, notes


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="tools/athena-local",
        description=(
            "A local Athena for the athena target: Trino "
            f"{engine.TRINO_VERSION} (downloaded once from Maven Central into "
            f"{engine.cache_dir()}/trino) with Hive and Iceberg catalogs on the Glue and S3 of "
            "one local moto server, which also answers Athena's API. Starts or reuses both, "
            "optionally uploads logs, then runs COMMAND with ATHENA_*, AWS_ENDPOINT_URL, "
            "BEDROCK_COSTS_TARGET=athena and BEDROCK_COSTS_ATHENA_VARS (the dbt vars of the raw "
            "log table, as JSON) set."
        ),
        epilog=(
            "example: tools/athena-local --logs data/sample-logs -- .venv/bin/dbt build "
            '--target athena --vars "$BEDROCK_COSTS_ATHENA_VARS" '
            "--exclude-resource-type unit_test\n"
            "The variables exist in COMMAND's environment only: athena-local expands them in its "
            "arguments itself, so the example works as typed."
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--logs", type=Path, help="a directory holding AWSLogs/...: upload it first")
    p.add_argument(
        "--log-prefix",
        default=DEFAULT_LOG_PREFIX,
        help=f"key prefix of the logs in s3://{LOG_BUCKET}/ (default: %(default)s), "
        "e.g. data/bedrock",
    )
    p.add_argument("--stop", action="store_true", help="stop the engine and the AWS endpoint")
    p.add_argument("--status", action="store_true", help="say whether it runs, and where")
    p.add_argument("--quiet", action="store_true", help="no progress lines")
    p.add_argument("command", nargs=argparse.REMAINDER, help="-- COMMAND [ARGS...] to run")
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    if args.stop:
        stop()
        return 0
    if args.status:
        state = load_state()
        print(f"athena-local: {'running, ' + state.endpoint if state else 'not running'}")
        print(f"athena-local: logs in {state_dir()}")
        return 0 if state else 1
    try:
        state = start(progress=not args.quiet)
    except engine.EngineError as error:
        print(f"athena-local: {error}", file=sys.stderr)
        return 2
    prefix = args.log_prefix.strip("/")
    if args.logs:
        count = upload_logs(state, args.logs, prefix)
        if not args.quiet:
            print(
                f"athena-local: uploaded {count} files to s3://{LOG_BUCKET}/{prefix}/", flush=True
            )
    if not command:
        if not args.quiet:
            print(f"athena-local: running; AWS endpoint {state.endpoint}; logs in {state_dir()}")
        return 0
    local = environment(state, prefix)
    command, notes = prepare_command(command, local)
    for note in notes:
        print(f"athena-local: {note}", file=sys.stderr, flush=True)
    return subprocess.run(command, env={**os.environ, **local}, check=False).returncode


if __name__ == "__main__":
    sys.exit(main())
