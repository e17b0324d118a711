"""Incremental runs on DuckDB: idempotent, late files once, re-deliveries once, full refresh equal.

These drive real `dbt build` runs (each also runs every dbt test, the reconciliation tests
included) over the hand-written fixture, then change the logs the way Bedrock does.
"""

from __future__ import annotations

import gzip
import json
import shutil
import signal
import subprocess
from pathlib import Path

import pytest

from dbt_harness import (
    HANDWRITTEN_FIXTURE,
    HANDWRITTEN_VARS,
    MARTS,
    compiled_sql,
    copy_project,
    dbt_command,
    materialize_fixture_logs,
    snapshot_marts,
)
from dbt_harness import (
    run_dbt_on_handwritten as run_dbt,
)

pytestmark = pytest.mark.dbt

FIXTURE = HANDWRITTEN_FIXTURE
EU_PREFIX = "AWSLogs/111122223333/BedrockModelInvocationLogs/eu-west-1"
US_PREFIX = "AWSLogs/111122223333/BedrockModelInvocationLogs/us-east-1"


def late_record(request_id: str, timestamp: str) -> dict:
    return {
        "schemaType": "ModelInvocationLog",
        "schemaVersion": "1.0",
        "timestamp": timestamp,
        "accountId": "111122223333",
        "region": "eu-west-1",
        "requestId": request_id,
        "operation": "Converse",
        "modelId": "eu.anthropic.claude-haiku-4-5-20251001-v1:0",
        "requestMetadata": {"tenantId": "initech"},
        "input": {"inputTokenCount": 1000},
        "output": {"outputTokenCount": 100},
    }


def write_log_file(logs: Path, relative: str, lines: list[str]) -> None:
    path = logs / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(gzip.compress(("\n".join(lines) + "\n").encode(), mtime=0))


@pytest.fixture
def logs(tmp_path: Path) -> Path:
    return materialize_fixture_logs(FIXTURE, tmp_path / "logs")


def test_second_build_changes_nothing(logs: Path, tmp_path: Path) -> None:
    first = run_dbt(["build"], logs, tmp_path / "dbt")
    assert first.ok, first.output[-3000:]
    before = snapshot_marts(first)
    second = run_dbt(["build"], logs, tmp_path / "dbt")
    assert second.ok, second.output[-3000:]
    assert "incremental model" in second.output
    assert snapshot_marts(second) == before


def test_late_file_and_redelivery_are_counted_once(logs: Path, tmp_path: Path) -> None:
    assert run_dbt(["build"], logs, tmp_path / "dbt").ok
    # A file delivered late, inside the lookback window, with a new record...
    write_log_file(
        logs,
        f"{EU_PREFIX}/2026/10/02/11/20261002T110040000Z_4444444444444444.json.gz",
        [json.dumps(late_record("late-0001", "2026-10-02T10:59:59Z"))],
    )
    # ...and a re-delivery of a record first delivered on 2026-10-01, in a new hour.
    first_line = (FIXTURE / f"{US_PREFIX}/2026/10/01/12").glob("*.jsonl").__next__()
    a1 = first_line.read_text().splitlines()[0]
    write_log_file(
        logs, f"{US_PREFIX}/2026/10/02/12/20261002T120001000Z_5555555555555555.json.gz", [a1]
    )

    run = run_dbt(["build"], logs, tmp_path / "dbt")
    assert run.ok, run.output[-3000:]
    rows = dict(
        run.query(
            f"""select request_id, delivery_count from {MARTS}.fct_bedrock_invocations
            where request_id in ('late-0001', 'a1000000-0000-4000-8000-000000000001')"""
        )
    )
    assert rows == {"late-0001": 1, "a1000000-0000-4000-8000-000000000001": 2}
    ((initech,),) = run.query(
        f"""select sum(invocation_count) from {MARTS}.fct_tenant_daily_usage
        where tenant_id = 'initech' and usage_date = date '2026-10-02'"""
    )
    assert initech == 1

    # Running again picks nothing up twice, and equals a full build from scratch.
    again = run_dbt(["build"], logs, tmp_path / "dbt")
    assert again.ok, again.output[-3000:]
    fresh = run_dbt(["build", "--full-refresh"], logs, tmp_path / "fresh")
    assert fresh.ok, fresh.output[-3000:]
    assert snapshot_marts(again) == snapshot_marts(fresh)


def test_incremental_scan_reads_only_the_lookback_window(logs: Path, tmp_path: Path) -> None:
    work = tmp_path / "dbt"
    assert run_dbt(["build"], logs, work).ok
    assert run_dbt(["build"], logs, work, extra_vars={"lookback_days": 2}).ok
    compiled = compiled_sql(work, "models/staging/bedrock/base/base_bedrock__log_lines.sql")
    # newest delivery hour loaded is 2026-10-02 10:00; two whole days back is 2026-09-30.
    assert "'2026/09/30/00'" in compiled
    assert "regexp_extract(filename" in compiled


def test_backfill_recomputes_exactly_the_given_days(logs: Path, tmp_path: Path) -> None:
    work = tmp_path / "dbt"
    assert run_dbt(["build"], logs, work).ok
    before = snapshot_marts(run_dbt(["build"], logs, work))
    run = run_dbt(
        ["build"],
        logs,
        work,
        extra_vars={"backfill_from": "2026-10-01", "backfill_to": "2026-10-01"},
    )
    assert run.ok, run.output[-3000:]
    assert snapshot_marts(run) == before
    compiled = compiled_sql(work, "models/marts/cost/fct_bedrock_invocations.sql")
    assert "'2026-10-01 00:00:00'" in compiled
    assert "'2026-10-02 00:00:00'" in compiled


BAD_WINDOW_VARS = [
    ({"lookback_days": 0}, "lookback_days must be a whole number of days >= 1"),
    ({"backfill_from": "2026-10-01"}, "Set both backfill_from and backfill_to"),
    ({"backfill_from": "2026-10-05", "backfill_to": "2026-10-01"}, "is before backfill_from"),
    ({"backfill_from": "yesterday", "backfill_to": "2026-10-01"}, "must be a date as YYYY-MM-DD"),
    ({"lookbak_days": 2}, "Unknown var 'lookbak_days' in --vars"),
    (
        {"long_context_threshold_tokens": 100000},
        "var 'long_context_threshold_tokens' was removed: long-context pricing is a rule per model",
    ),
    ({"max_unpriced_share": 2}, "max_unpriced_share must be a share between 0 and 1"),
    ({"tenant_id_keys": "tenantId"}, "tenant_id_keys must be a non-empty list"),
    ({"athena_production_targets": "athena"}, "athena_production_targets must be a list"),
    ({"bedrock_logs_dir": "/tmp/it's'); select 1; --"}, "bedrock_logs_dir must not contain quotes"),
    ({"bedrock_logs_dir": "/tmp/logs*"}, "bedrock_logs_dir must not contain quotes"),
    ({"bedrock_logs_dir": "C:\\logs"}, "bedrock_logs_dir must not contain quotes"),
    ({"bedrock_cur_dir": "C:\\bill"}, "bedrock_cur_dir must not contain quotes"),
    ({"bedrock_cur_dir": "/tmp/bill'); select 1; --"}, "bedrock_cur_dir must not contain quotes"),
    ({"bedrock_raw_schema": "raw`; drop database x; --"}, "bedrock_raw_schema must be a Glue"),
    ({"bedrock_raw_schema": "Bedrock-Raw"}, "bedrock_raw_schema must be a Glue database name"),
    (
        {"bedrock_logs_s3_uri": "s3://logs/x' stored as orc --"},
        "bedrock_logs_s3_uri must be the S3 prefix",
    ),
    ({"bedrock_logs_s3_uri": "s3://logs/${log_day}/"}, "bedrock_logs_s3_uri must be the S3 prefix"),
]


def test_bad_window_vars_stop_with_a_clear_error(logs: Path, tmp_path: Path) -> None:
    work = tmp_path / "dbt"
    assert run_dbt(["build"], logs, work).ok
    for extra_vars, message in BAD_WINDOW_VARS:
        run = run_dbt(["build", "--select", "base_bedrock__log_lines"], logs, work, extra_vars)
        assert not run.ok, extra_vars
        assert message in run.output, (extra_vars, run.output[-2000:])


def test_copy_of_logs_elsewhere_builds_the_same_marts(logs: Path, tmp_path: Path) -> None:
    other = tmp_path / "other-logs"
    shutil.copytree(logs, other)
    a = run_dbt(["build"], logs, tmp_path / "a")
    b = run_dbt(["build"], other, tmp_path / "b")
    assert a.ok
    assert b.ok
    assert snapshot_marts(a, ignore_paths_under=logs) == snapshot_marts(b, ignore_paths_under=other)


def test_a_build_killed_mid_run_then_rerun_equals_an_uninterrupted_one(
    logs: Path, tmp_path: Path
) -> None:
    """Kill `dbt build` once it is writing the facts, rerun it, compare with a clean build."""
    work = tmp_path / "killed"
    assert run_dbt(["build"], logs, work).ok
    # a late file arrives, and the run that should pick it up is killed half way
    write_log_file(
        logs,
        f"{EU_PREFIX}/2026/10/02/11/20261002T110040000Z_6666666666666666.json.gz",
        [json.dumps(late_record("late-kill-0001", "2026-10-02T10:59:59Z"))],
    )
    args, env = dbt_command(["build"], logs, work, HANDWRITTEN_VARS)
    process = subprocess.Popen(
        args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env, cwd=work
    )
    assert process.stdout is not None
    killed_at = None
    for output_line in process.stdout:
        if "START sql incremental model bedrock_marts.fct_bedrock_invocations" in output_line:
            process.send_signal(signal.SIGKILL)
            killed_at = output_line
            break
    process.wait(timeout=120)
    assert killed_at is not None, "the build finished before it reached the facts"
    assert process.returncode != 0

    rerun = run_dbt(["build"], logs, work)
    assert rerun.ok, rerun.output[-3000:]
    clean = run_dbt(["build"], logs, tmp_path / "clean")
    assert clean.ok, clean.output[-3000:]
    assert snapshot_marts(rerun) == snapshot_marts(clean)


def test_source_freshness_follows_the_newest_delivery_hour(logs: Path, tmp_path: Path) -> None:
    # the fixture's newest delivery hour is 2026-10-02 10:00, long before any run of this test
    stale = run_dbt(["source", "freshness"], logs, tmp_path / "stale")
    assert not stale.ok
    assert "ERROR STALE freshness of bedrock.invocation_logs_raw" in stale.output
    fresh = run_dbt(
        ["source", "freshness"],
        logs,
        tmp_path / "fresh",
        {"freshness_warn_after_hours": 10_000_000, "freshness_error_after_hours": 20_000_000},
    )
    assert fresh.ok, fresh.output[-2000:]
    assert "PASS freshness of bedrock.invocation_logs_raw" in fresh.output


def test_a_backfill_clears_issues_that_no_longer_exist(tmp_path: Path) -> None:
    """Rows a recomputation no longer produces are deleted, not left behind by the upsert."""
    project = copy_project(tmp_path / "project")
    logs = materialize_fixture_logs(FIXTURE, tmp_path / "logs")
    work = tmp_path / "dbt"
    allow_list = project / "seeds" / "tenant_allowed_principals.csv"
    allow_list.write_text(
        "tenant_id,principal_arn_pattern,note\n"
        "acme,arn:aws:sts::111122223333:assumed-role/example-app-role/*,only the US app\n"
    )
    issues_sql = f"""select cast(usage_date as varchar), identity_arn, invocation_count
        from {MARTS}.dq_tenant_attribution_issues where issue_type = 'principal_not_allowed'"""
    first = run_dbt(["build"], logs, work, project_dir=project)
    assert first.ok, first.output[-3000:]
    issues = first.query(issues_sql)
    assert issues
    assert {arn for _, arn, _ in issues} == {
        "arn:aws:sts::111122223333:assumed-role/eu-app-role/example"
    }
    # The allow list is fixed; backfilling the days recomputes them, and the issues go.
    allow_list.write_text(
        "tenant_id,principal_arn_pattern,note\n"
        "acme,arn:aws:sts::111122223333:assumed-role/*,any role of the account\n"
    )
    days = sorted({day for day, _, _ in issues})
    backfill = run_dbt(
        ["build"],
        logs,
        work,
        {"backfill_from": days[0], "backfill_to": days[-1]},
        project_dir=project,
    )
    assert backfill.ok, backfill.output[-3000:]
    assert backfill.query(issues_sql) == []


def test_a_database_pointed_at_another_log_folder_stops_instead_of_mixing(
    logs: Path, tmp_path: Path
) -> None:
    work = tmp_path / "dbt"
    first = run_dbt(["build"], logs, work)
    assert first.ok, first.output[-3000:]
    before = snapshot_marts(first)
    other = tmp_path / "other-logs"
    write_log_file(
        other,
        f"{EU_PREFIX}/2026/10/02/11/20261002T110040000Z_7777777777777777.json.gz",
        [json.dumps(late_record("other-folder-0001", "2026-10-02T10:59:59Z"))],
    )
    mixed = run_dbt(["build"], other, work)
    assert not mixed.ok
    assert f'This database holds logs read from "{logs}/", but this run reads "{other}/"' in (
        mixed.output
    )
    assert "--full-refresh" in mixed.output
    assert snapshot_marts(mixed) == before  # nothing of the other folder got in
    rebuilt = run_dbt(["build", "--full-refresh"], other, work)
    assert rebuilt.ok, rebuilt.output[-3000:]
    assert rebuilt.query(f"select request_id from {MARTS}.fct_bedrock_invocations") == [
        ("other-folder-0001",)
    ]


def test_days_computed_with_other_settings_stop_the_build_naming_them(
    logs: Path, tmp_path: Path
) -> None:
    """The newcomer's case: a tenant_id_keys override passed with --vars and backfilled, then
    undone for the lookback days by the next plain build, used to leave mixed days silently."""
    write_log_file(
        logs,
        f"{EU_PREFIX}/2026/09/20/10/20260920T100040000Z_5555555555555555.json.gz",
        [json.dumps(late_record("old-day-0001", "2026-09-20T10:00:00Z"))],
    )
    work = tmp_path / "dbt"
    settings_sql = f"""select cast(usage_date as varchar), attribution_settings
        from {MARTS}.dq_daily_attribution order by 1"""
    first = run_dbt(["build"], logs, work)
    assert first.ok, first.output[-3000:]
    default = '{"tenant_id_keys": ["tenantid", "tenant_id", "tenant"], '
    default += '"unattributed_tenant_id": "unattributed"}'
    recorded = first.query(settings_sql)
    assert next(day for day, _ in recorded) == "2026-09-20"
    assert {settings for _, settings in recorded} == {default}

    override = {"tenant_id_keys": ["tenant", "tenantId"]}
    backfill = run_dbt(
        ["build"],
        logs,
        work,
        {**override, "backfill_from": "2026-09-20", "backfill_to": "2026-10-02"},
    )
    assert backfill.ok, backfill.output[-3000:]
    assert "Days computed with other settings" not in backfill.output

    # The scheduled run, without the override, recomputes only its lookback days.
    plain = run_dbt(["build"], logs, work)
    assert not plain.ok
    assert "assert_days_computed_with_current_settings" in plain.output
    assert (
        "1 day(s) from 2026-09-20 to 2026-09-20 computed with "
        '{"tenant_id_keys": ["tenant", "tenantid"], "unattributed_tenant_id": "unattributed"}'
        in plain.output
    ), plain.output[-3000:]
    assert "backfill_from: 2026-09-20, backfill_to: 2026-09-20" in plain.output
    after = dict(plain.query(settings_sql))
    assert after["2026-09-20"] != default
    assert after["2026-10-02"] == default

    # Doing what the message says makes the days agree again.
    healed = run_dbt(
        ["build"], logs, work, {"backfill_from": "2026-09-20", "backfill_to": "2026-09-20"}
    )
    assert healed.ok, healed.output[-3000:]
    assert {settings for _, settings in healed.query(settings_sql)} == {default}
