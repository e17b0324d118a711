"""Hashed tag keys protect: no table and no file dbt writes holds a hashed value or the salt.

A build with `hashed_tag_keys: [userId]` runs on the hand-written records plus a planted file:
valid calls whose key is spelled `userId ` (trailing space) and `USERID`, a quarantined line in
Bedrock's key order with a long quarantine preview, and a quarantined line whose keys are spelled
with JSON escapes (`"request\\u004detadata"`, `"\\u0069nputBodyJson"`). Then every column of every
relation in the DuckDB file, and every file under target/ and logs/ (compiled and run SQL, the
manifest, run_results, dbt.log), is searched for the raw values and for the salt.
"""

from __future__ import annotations

import gzip
import hashlib
import json
from pathlib import Path

import duckdb
import pytest

from dbt_harness import (
    HANDWRITTEN_FIXTURE,
    MARTS,
    DbtRun,
    compiled_sql,
    materialize_fixture_logs,
    run_dbt_on_handwritten,
)

pytestmark = pytest.mark.dbt

SALT = "ZXSALT-7f3a9c2e51b84d06-ZXSALT"
SALT_ENV = "BEDROCK_COSTS_TAG_HASH_SALT_FILE"
ALICE = "zx-alice@example.com"  # key `userId ` (trailing space), a valid call
BOB = "zx-bob@example.com"  # key `USERID`, a valid call
CAROL = "zx-carol@example.com"  # key `userId`, a quarantined line in Bedrock's key order
DAVE = "zx-dave@example.com"  # key `userId` under an escaped "requestMetadata", quarantined
ERIN = "zx-erin@example.com"  # key `\tuserId` (leading tab), a valid call
ESCAPED_BODY = "ZX-ESCAPED-KEY-PROMPT"
RAW_VALUES = (ALICE, BOB, CAROL, DAVE, ERIN, ESCAPED_BODY)
PLANTED = (
    "AWSLogs/111122223333/BedrockModelInvocationLogs/us-east-1/2026/10/01/15/"
    "20261001T150000000Z_5a17000000000001.json.gz"
)


def record(request_id: str, metadata: dict[str, str], input_tokens: object = 10) -> dict:
    """A Converse record in Bedrock's key order (requestMetadata before input)."""
    return {
        "schemaType": "ModelInvocationLog",
        "schemaVersion": "1.0",
        "timestamp": "2026-10-01T15:00:00Z",
        "accountId": "111122223333",
        "identity": {"arn": "arn:aws:sts::111122223333:assumed-role/app-role/example"},
        "region": "us-east-1",
        "requestId": request_id,
        "operation": "Converse",
        "modelId": "amazon.nova-lite-v1:0",
        "requestMetadata": metadata,
        "input": {"inputContentType": "application/json", "inputTokenCount": input_tokens},
        "output": {"outputContentType": "application/json", "outputTokenCount": 5},
    }


def planted_lines() -> list[str]:
    escaped = json.dumps(
        {
            **record("5a170000-0000-4000-8000-000000000004", {}, "abc"),
            "requestMetadata": {"tenantId": "acme", "userId": DAVE},
            "input": {"inputBodyJson": {"messages": ESCAPED_BODY}, "inputTokenCount": "abc"},
        }
    )
    escaped = escaped.replace('"requestMetadata"', '"request\\u004detadata"', 1)
    escaped = escaped.replace('"inputBodyJson"', '"\\u0069nputBodyJson"', 1)
    return [
        json.dumps(
            record("5a170000-0000-4000-8000-000000000001", {"tenantId": "acme", "userId ": ALICE})
        ),
        json.dumps(
            record(
                "5a170000-0000-4000-8000-000000000002",
                {"tenantId": "acme", "USERID": BOB, "costCenter": "cc-100"},
            )
        ),
        json.dumps(
            record("5a170000-0000-4000-8000-000000000005", {"tenantId": "acme", "\tuserId": ERIN})
        ),
        json.dumps(
            record(
                "5a170000-0000-4000-8000-000000000003", {"tenantId": "acme", "userId": CAROL}, "abc"
            )
        ),
        escaped,
    ]


def hostile_logs(root: Path) -> Path:
    logs = materialize_fixture_logs(HANDWRITTEN_FIXTURE, root / "logs")
    planted = logs / PLANTED
    planted.parent.mkdir(parents=True, exist_ok=True)
    planted.write_bytes(gzip.compress(("\n".join(planted_lines()) + "\n").encode(), mtime=0))
    return logs


def salt_file(root: Path, content: str) -> Path:
    path = root / "secrets" / "tag-hash-salt"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(content)
    path.chmod(0o600)
    return path


def hashed(value: str) -> str:
    return "sha256:" + hashlib.sha256((SALT + value).encode()).hexdigest()


def cells_holding(database: Path, needle: str) -> tuple[int, list[tuple[str, str, str]]]:
    """(columns searched, the columns of every relation in the file whose text holds needle)."""
    con = duckdb.connect(str(database), read_only=True)
    try:
        columns = con.execute(
            """select table_schema, table_name, column_name from information_schema.columns
            where table_catalog = current_database()
              and table_schema not in ('information_schema', 'pg_catalog')"""
        ).fetchall()
        hits = []
        for schema, table, column in columns:
            ((count,),) = con.execute(
                f'select count(*) from "{schema}"."{table}"'
                f' where contains(cast("{column}" as varchar), ?)',
                [needle],
            ).fetchall()
            if count:
                hits.append((schema, table, column))
        return len(columns), hits
    finally:
        con.close()


def files_holding(work_dir: Path, needle: str) -> list[Path]:
    """Every file dbt wrote under target/ and logs/ whose bytes hold needle."""
    found = []
    for folder in (work_dir / "target", work_dir / "logs"):
        for path in sorted(p for p in folder.rglob("*") if p.is_file()):
            if needle.encode() in path.read_bytes():
                found.append(path)
    return found


@pytest.fixture(scope="module")
def hashed_build(tmp_path_factory: pytest.TempPathFactory) -> tuple[DbtRun, Path, Path]:
    root = tmp_path_factory.mktemp("tag-hashing")
    logs = hostile_logs(root)
    salt = salt_file(root, SALT + "\n")
    run = run_dbt_on_handwritten(
        ["build"],
        logs,
        root / "dbt",
        {"hashed_tag_keys": ["userId"], "quarantine_preview_chars": 5000},
        env={SALT_ENV: str(salt)},
    )
    assert run.ok, run.output[-4000:]
    return run, root / "dbt", salt


@pytest.mark.parametrize("needle", [*RAW_VALUES, SALT])
def test_no_relation_holds_a_hashed_value_or_the_salt(
    hashed_build: tuple[DbtRun, Path, Path], needle: str
) -> None:
    run, _, _ = hashed_build
    searched, hits = cells_holding(run.database, needle)
    assert searched > 500, searched  # every layer's relations were searched
    assert hits == []


@pytest.mark.parametrize("needle", [*RAW_VALUES, SALT])
def test_no_artefact_or_log_holds_a_hashed_value_or_the_salt(
    hashed_build: tuple[DbtRun, Path, Path], needle: str
) -> None:
    run, work_dir, _ = hashed_build
    for artefact in ("manifest.json", "run_results.json"):
        assert (work_dir / "target" / artefact).is_file()
    assert (work_dir / "logs" / "dbt.log").is_file()
    assert files_holding(work_dir, needle) == []
    assert needle not in run.output


def test_the_searches_can_find_what_they_look_for(hashed_build: tuple[DbtRun, Path, Path]) -> None:
    """The searches above are not blind: they find the hashes, the tenant and the salt's path."""
    run, work_dir, salt = hashed_build
    _, hits = cells_holding(run.database, hashed(ALICE))
    assert (MARTS, "fct_tenant_daily_usage_by_tag", "tag_value") in hits
    assert ("bedrock_staging", "base_bedrock__log_lines", "request_metadata_json") in hits
    assert files_holding(work_dir, str(salt))  # the compiled SQL names the file, not its text
    base = compiled_sql(work_dir, "models/staging/bedrock/base/base_bedrock__log_lines.sql")
    assert str(salt) in base
    assert SALT not in base


def test_every_spelling_of_a_hashed_key_is_hashed_with_the_salt(
    hashed_build: tuple[DbtRun, Path, Path],
) -> None:
    run, _, _ = hashed_build
    rows = run.query(
        f"""select tag_key, tag_value from {MARTS}.fct_tenant_daily_usage_by_tag
        where tag_key like 'userid%' and tag_value is not null"""
    )
    assert sorted(rows) == sorted([("userid ", hashed(ALICE)), ("userid", hashed(BOB))])
    ((tab_key,),) = run.query(
        f"""select tag_value from {MARTS}.fct_tenant_daily_usage_by_tag
        where tag_key = chr(9) || 'userid' and tag_value is not null"""
    )
    assert tab_key == hashed(ERIN)
    # the handwritten records' other tags are untouched
    ((cost_centers,),) = run.query(
        f"""select count(*) from {MARTS}.fct_tenant_daily_usage_by_tag
        where tag_key = 'costcenter' and tag_value = 'cc-100'"""
    )
    assert cost_centers > 0


def test_quarantine_previews_stop_before_the_tags_and_escaped_keys(
    hashed_build: tuple[DbtRun, Path, Path],
) -> None:
    run, _, _ = hashed_build
    previews = dict(
        run.query(
            f"""select request_id, raw_line_preview from {MARTS}.dq_quarantined_log_lines
            where request_id like '5a170000-%'"""
        )
    )
    assert set(previews) == {
        "5a170000-0000-4000-8000-000000000003",
        "5a170000-0000-4000-8000-000000000004",
    }
    carol = previews["5a170000-0000-4000-8000-000000000003"]
    assert carol.endswith('"modelId": "amazon.nova-lite-v1:0", '), carol
    dave = previews["5a170000-0000-4000-8000-000000000004"]
    assert dave.endswith('"modelId": "amazon.nova-lite-v1:0", "request'), dave


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "set the environment variable BEDROCK_COSTS_TAG_HASH_SALT_FILE"),
        ("", "is empty"),
        ("\n", "is empty"),
        ("pepper\n", "only 6 characters long"),
    ],
)
def test_hashed_keys_without_a_proper_salt_are_refused_before_anything_is_built(
    tmp_path: Path, content: str | None, message: str
) -> None:
    logs = materialize_fixture_logs(HANDWRITTEN_FIXTURE, tmp_path / "logs")
    env = {} if content is None else {SALT_ENV: str(salt_file(tmp_path, content))}
    run = run_dbt_on_handwritten(
        ["build"], logs, tmp_path / "dbt", {"hashed_tag_keys": ["userId"]}, env=env
    )
    assert not run.ok
    assert message in run.output, run.output[-3000:]
    assert "docs/configuration.md, Hashed tag keys" in run.output
    assert not built_relations(run.database)


def test_a_salt_file_that_does_not_exist_is_refused(tmp_path: Path) -> None:
    logs = materialize_fixture_logs(HANDWRITTEN_FIXTURE, tmp_path / "logs")
    missing = tmp_path / "no-such-salt"
    run = run_dbt_on_handwritten(
        ["build"],
        logs,
        tmp_path / "dbt",
        {"hashed_tag_keys": ["userId"]},
        env={SALT_ENV: str(missing)},
    )
    assert not run.ok
    assert f'The salt file "{missing}"' in run.output
    assert "does not exist" in run.output
    assert not built_relations(run.database)


def test_the_removed_salt_var_says_where_the_salt_lives_now(tmp_path: Path) -> None:
    logs = materialize_fixture_logs(HANDWRITTEN_FIXTURE, tmp_path / "logs")
    run = run_dbt_on_handwritten(
        ["build"], logs, tmp_path / "dbt", {"hashed_tag_keys": ["userId"], "tag_hash_salt": SALT}
    )
    assert not run.ok
    assert "var 'tag_hash_salt' was removed" in run.output
    assert SALT_ENV in run.output
    assert "create_tag_hash_salt_table" in run.output
    assert SALT not in run.output
    assert not built_relations(run.database)


def built_relations(database: Path) -> list[tuple[str, str]]:
    """Tables and views of the project in the DuckDB file (none when it was never created)."""
    if not database.exists():
        return []
    con = duckdb.connect(str(database), read_only=True)
    try:
        return con.execute(
            """select table_schema, table_name from information_schema.tables
            where table_schema like 'bedrock_%'"""
        ).fetchall()
    finally:
        con.close()
