"""One tenant sending tag keys nobody else uses cannot make the by-tag mart quadratic.

A tenant may send up to 16 requestMetadata entries per call, and every call can carry keys that
no other call has. The by-tag mart must cost work in proportion to the (call, key) pairs logged:
here the query plan of the model, executed by DuckDB with profiling on, may not hold an
intermediate result larger than a small multiple of those pairs. Joining every key of a tenant's
day to every call of that day (the design before) produces calls x keys rows: 200 x 3,001 here.
Timing is measured by `make bench` (the hostile-tags case), never asserted in a test.
"""

from __future__ import annotations

import gzip
import json
from pathlib import Path
from typing import Any

import duckdb
import pytest

from dbt_harness import MARTS, DbtRun, compiled_sql, run_dbt

pytestmark = pytest.mark.dbt

HOUR = "AWSLogs/111122223333/BedrockModelInvocationLogs/us-east-1/2026/10/01/12"
CALLS = 200
ONE_OFF_KEYS = 15
# an ordinary tenant next to the hostile one: its numbers must not move
ORDINARY = [("sales", 3), ("research", 2), (None, 1)]


def record(
    request_id: str, metadata: dict[str, str], input_tokens: int, latency_ms: int = 100
) -> dict[str, Any]:
    return {
        "schemaType": "ModelInvocationLog",
        "schemaVersion": "1.0",
        "timestamp": "2026-10-01T12:00:00Z",
        "accountId": "111122223333",
        "region": "us-east-1",
        "requestId": request_id,
        "operation": "Converse",
        "modelId": "amazon.nova-lite-v1:0",
        "requestMetadata": metadata,
        "input": {"inputTokenCount": input_tokens},
        "output": {"outputTokenCount": 1, "outputBodyJson": {"metrics": {"latencyMs": latency_ms}}},
    }


def hostile_logs(root: Path) -> Path:
    lines = []
    for call in range(CALLS):
        tags = {f"k{call}-{key}": "v" for key in range(ONE_OFF_KEYS)}
        lines.append(record(f"hostile-{call}", {"tenantId": "hostile", **tags}, 10 + call))
    n = 0
    for department, calls in ORDINARY:
        for _ in range(calls):
            tags = {"tenantId": "ordinary"} | ({"department": department} if department else {})
            lines.append(record(f"ordinary-{n}", tags, 100, latency_ms=100 * (n + 1)))
            n += 1
    path = root / HOUR / "20261001T120000000Z_00000000000000aa.json.gz"
    path.parent.mkdir(parents=True)
    path.write_bytes(gzip.compress("\n".join(map(json.dumps, lines)).encode() + b"\n", mtime=0))
    return root


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> DbtRun:
    work = tmp_path_factory.mktemp("hostile-tags")
    run = run_dbt(
        [
            "build",
            "--indirect-selection",
            "cautious",
            "--select",
            "+fct_tenant_daily_usage_by_tag",
            "+fct_tenant_daily_usage",
        ],
        hostile_logs(work / "logs"),
        work / "dbt",
    )
    assert run.ok, run.output[-4000:]
    return run


def largest_intermediate_result(profile: Any) -> int:
    """The most rows any operator of a profiled DuckDB query produced."""
    largest = 0
    if isinstance(profile, dict):
        for name in ("operator_cardinality", "intermediate_rows"):
            if isinstance(profile.get(name), int):
                largest = max(largest, profile[name])
        profile = list(profile.values())
    if isinstance(profile, list):
        largest = max([largest, *(largest_intermediate_result(item) for item in profile)])
    return largest


def test_work_grows_with_the_tags_logged_not_with_their_square(
    built: DbtRun, tmp_path: Path
) -> None:
    sql = compiled_sql(built.database.parent, "models/marts/cost/fct_tenant_daily_usage_by_tag.sql")
    profile_path = tmp_path / "profile.json"
    con = duckdb.connect(str(built.database), read_only=True)
    try:
        con.execute("pragma enable_profiling = 'json'")
        con.execute(f"pragma profiling_output = '{profile_path}'")
        rows = len(con.sql(sql).fetchall())
        con.execute("pragma disable_profiling")
    finally:
        con.close()
    pairs = CALLS * (ONE_OFF_KEYS + 1) + sum(calls * 2 for _, calls in ORDINARY)
    largest = largest_intermediate_result(json.loads(profile_path.read_text()))
    assert rows > 0
    assert largest >= rows, "the profile must count the rows the query produced"
    # a key's row and its "not set" row per pair, plus small fixed overheads; the quadratic
    # design's join alone produced CALLS x (CALLS x ONE_OFF_KEYS + 1) = 600,200 rows here
    assert largest <= 3 * pairs, (largest, pairs)


def test_every_one_off_key_partitions_the_hostile_tenants_day(built: DbtRun) -> None:
    ((tagged, untagged, untagged_calls, untagged_latency),) = built.query(
        f"""select count(*) filter (where is_tag_set), count(*) filter (where not is_tag_set),
            sum(invocation_count) filter (where not is_tag_set),
            count(p50_latency_ms) filter (where not is_tag_set)
        from {MARTS}.fct_tenant_daily_usage_by_tag
        where tenant_id = 'hostile' and tag_key like 'k%'"""
    )
    keys = CALLS * ONE_OFF_KEYS
    assert (tagged, untagged) == (keys, keys)
    # each one-off key is missing from every call but its own
    assert untagged_calls == keys * (CALLS - 1)
    # a percentile cannot be subtracted: the "not set" row has none
    assert untagged_latency == 0


def test_the_not_set_row_is_the_day_minus_the_tagged_rows(built: DbtRun) -> None:
    rows = built.query(
        f"""select tag_value, invocation_count, input_tokens, total_cost_usd
        from {MARTS}.fct_tenant_daily_usage_by_tag
        where tenant_id = 'hostile' and tag_key = 'k7-3' order by tag_value nulls last"""
    )
    ((day_calls, day_input, day_cost),) = built.query(
        f"""select sum(invocation_count), sum(input_tokens), sum(total_cost_usd)
        from {MARTS}.fct_tenant_daily_usage where tenant_id = 'hostile'"""
    )
    ((own_cost,),) = built.query(
        f"""select total_cost_usd from {MARTS}.fct_bedrock_invocations
        where request_id = 'hostile-7'"""
    )
    assert rows[0][:3] == ("v", 1, 17)
    assert rows[0][3] == own_cost
    assert rows[1] == (None, day_calls - 1, day_input - 17, day_cost - own_cost)


def test_an_ordinary_tenants_tags_are_unchanged(built: DbtRun) -> None:
    rows = built.query(
        f"""select tag_value, invocation_count, input_tokens, avg_latency_ms, p50_latency_ms
        from {MARTS}.fct_tenant_daily_usage_by_tag
        where tenant_id = 'ordinary' and tag_key = 'department' order by tag_value nulls last"""
    )
    # sales: calls 1-3 (100, 200, 300 ms), research: calls 4-5, no department: call 6 (600 ms)
    assert rows == [
        ("research", 2, 200, 450.0, 450.0),
        ("sales", 3, 300, 200.0, 200.0),
        (None, 1, 100, 600.0, None),
    ]
