"""Builds that several test modules share: made once per session, read by each.

Only what no test changes is shared; a test that changes a build works on its own copy.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

import fast_lane

SALT_FOLDER = "salts"


# The fast lane of `make check` (see fast_lane.py): refuse dbt, Chromium and the local Athena.
def pytest_configure(config: pytest.Config) -> None:
    fast_lane.install_guard()


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    fast_lane.current_test[0] = item.nodeid


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """moto's in-process AWS, with credentials and a Region of its own: no profile, config file,
    session token or endpoint of the machine reaches the test."""
    from moto import mock_aws

    for name in (
        "AWS_PROFILE",
        "AWS_DEFAULT_PROFILE",
        "AWS_REGION",
        "AWS_SESSION_TOKEN",
        "AWS_ENDPOINT_URL",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("AWS_CONFIG_FILE", "/nonexistent")
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent")
    with mock_aws():
        yield


@dataclass(frozen=True)
class HashedAthenaBuild:
    project: Any  # athena_local_harness.AthenaProject
    duck: Any  # dbt_harness.DbtRun: the same logs and salt built on DuckDB
    work: Path  # the dbt work directory of the Athena builds


@pytest.fixture(scope="session")
def hashed_athena_build(tmp_path_factory: pytest.TempPathFactory) -> HashedAthenaBuild:
    """The hand-written records plus the planted hashing cases of test_tag_hashing, deployed and
    built twice on the local Athena with `hashed_tag_keys: [userId]`: the raw table, the salt
    table made from a one-line S3 object and then replaced, a full build and an incremental one.
    The same logs are built once on DuckDB with the salt in a file. test_tag_hashing_athena
    checks what the builds hold; test_iam_policy_local checks every AWS call they made against
    the runner policies (one deployment serves both: about 7 minutes less of `make test`)."""
    from athena_local_harness import AthenaProject, start_local_athena, upload_salt
    from dbt_harness import HANDWRITTEN_VARS, run_dbt
    from test_tag_hashing import SALT, SALT_ENV, hostile_logs, salt_file

    hashing_vars = {
        **HANDWRITTEN_VARS,
        "hashed_tag_keys": ["userId"],
        "quarantine_preview_chars": 5000,
    }
    state = start_local_athena()
    root = tmp_path_factory.mktemp("hashed-athena")
    logs = hostile_logs(root)
    project = AthenaProject.new(state, "hashing", records_calls=True)
    project.upload(logs)
    work = root / "athena"
    salt = upload_salt(state, SALT, f"{SALT_FOLDER}/{project.schema}")
    make_salt_table = ["run-operation", "create_tag_hash_salt_table", "--args"]
    steps = [
        project.create_raw_table(work),
        project.dbt([*make_salt_table, json.dumps({"location": salt})], work),
        project.dbt([*make_salt_table, json.dumps({"location": salt, "replace": True})], work),
        project.dbt(["build"], work, hashing_vars),
        project.dbt(["build"], work, hashing_vars),
    ]
    for step in steps:
        assert step.ok, step.output[-4000:]
    duck_salt = salt_file(root, SALT + "\n")
    duck = run_dbt(["build"], logs, root / "duck", hashing_vars, env={SALT_ENV: str(duck_salt)})
    assert duck.ok, duck.output[-4000:]
    return HashedAthenaBuild(project, duck, work)


@pytest.fixture(scope="session")
def local_athena() -> Any:
    """The running local Athena (tools/athena-local), started if needed."""
    from athena_local_harness import start_local_athena

    return start_local_athena()
