"""Fault suite: bad input meets a real `dbt build` on DuckDB, and every outcome is asserted.

Line-level faults are parsed or quarantined with a reason, never dropped; the reconciliation
tests that run inside each build prove every non-blank line is accounted for. File-level faults
(not gzip, truncated gzip) stop the run with an error that names the file: DuckDB's reader
refuses such a file as a whole, and stopping loudly beats skipping it silently. A line with bytes
that are not UTF-8 is quarantined (`invalid_utf8`) and the rest of its file is read. The
README's fault table lists the same cases.
"""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from dbt_harness import MARTS, DbtRun, count_non_blank_lines, run_dbt

pytestmark = pytest.mark.dbt

HOUR = "AWSLogs/111122223333/BedrockModelInvocationLogs/us-east-1/2026/10/01/23"
NEXT_HOUR = "AWSLogs/111122223333/BedrockModelInvocationLogs/us-east-1/2026/10/02/00"
HOUR_FILE_A1 = "20261001T230100000Z_00000000000000a1.json.gz"


def record(request_id: str, **overrides: object) -> dict:
    base: dict = {
        "schemaType": "ModelInvocationLog",
        "schemaVersion": "1.0",
        "timestamp": "2026-10-01T23:00:00Z",
        "accountId": "111122223333",
        "region": "us-east-1",
        "requestId": request_id,
        "operation": "Converse",
        "modelId": "amazon.nova-lite-v1:0",
        "requestMetadata": {"tenantId": "faults"},
        "input": {"inputTokenCount": 10},
        "output": {"outputTokenCount": 5},
    }
    base.update(overrides)
    return base


def line(value: object) -> bytes:
    return json.dumps(value).encode()


# (request id or label, raw line, expected outcome: a quarantine reason or "parsed")
LINE_FAULTS: list[tuple[str, bytes, str]] = [
    ("ok-crlf", line(record("ok-crlf")), "parsed"),
    ("array", b"[1, 2, 3]", "not_a_json_object"),
    ("string", b'"just a string"', "not_a_json_object"),
    ("number", b"42", "not_a_json_object"),
    ("truncated", line(record("truncated"))[:60], "invalid_json"),
    (
        "no-request-id",
        line({k: v for k, v in record("x").items() if k != "requestId"}),
        "missing_request_id",
    ),
    (
        "no-timestamp",
        line({k: v for k, v in record("no-ts").items() if k != "timestamp"}),
        "missing_timestamp",
    ),
    ("bad-timestamp", line(record("bad-ts", timestamp="yesterday")), "invalid_timestamp"),
    (
        "text-tokens",
        line(record("text-tokens", input={"inputTokenCount": "abc"})),
        "invalid_token_count",
    ),
    (
        "negative-tokens",
        line(record("neg", output={"outputTokenCount": -5})),
        "invalid_token_count",
    ),
    (
        "fraction-tokens",
        line(record("frac", input={"inputTokenCount": 1.5})),
        "invalid_token_count",
    ),
    ("quoted-tokens", line(record("quoted-tokens", input={"inputTokenCount": "12"})), "parsed"),
    (
        "extra-fields",
        line(record("extra-fields", somethingNew={"x": [1, 2]}, status="ok")),
        "parsed",
    ),
    ("future-schema", line(record("future-schema", schemaVersion="2.0")), "parsed"),
    (
        "other-schema",
        line(record("other-schema", schemaType="SomethingElse")),
        "unexpected_schema_type",
    ),
    (
        "five-mb",
        line(
            record(
                "five-mb",
                input={
                    "inputTokenCount": 7,
                    "inputBodyJson": {"messages": "SECRET-" + "x" * 5_000_000},
                },
            )
        ),
        "parsed",
    ),
    ("last-second", line(record("last-second", timestamp="2026-10-01T23:59:59Z")), "parsed"),
    # bytes that are not UTF-8: in a field, and inside a prompt (the preview stops before it)
    ("bad-utf8-field", line(record("bad-utf8-field"))[:-1] + b', "x": "\xff\xfe"}', "invalid_utf8"),
    (
        "bad-utf8-prompt",
        line(
            record(
                "bad-utf8-prompt",
                input={"inputTokenCount": 3, "inputBodyJson": {"messages": "SECRET-UTF8"}},
            )
        ).replace(b"SECRET-UTF8", b"SECRET-UTF8 \xe6\x97 \xc3"),
        "invalid_utf8",
    ),
    # over the reader's 16 MB line limit: quarantined, the rest of the file still read
    (
        "seventeen-mb",
        line(
            record(
                "seventeen-mb",
                input={"inputTokenCount": 9, "inputBodyJson": {"m": "SECRET-" + "y" * 17_000_000}},
            )
        ),
        "line_too_long",
    ),
    # well-formed UTF-8 beyond ASCII is text like any other
    (
        "utf8-prompt",
        json.dumps(
            record(
                "utf8-prompt",
                input={
                    "inputTokenCount": 4,
                    "inputBodyJson": {"messages": "caf\u00e9 \u65e5\u672c"},
                },
            ),
            ensure_ascii=False,
        ).encode(),
        "parsed",
    ),
    # a body first in the line, then a bad count: the preview must stop before the body
    (
        "body-first",
        line(
            {
                "input": {"inputBodyJson": {"messages": "SECRET-PROMPT"}, "inputTokenCount": -1},
                **{k: v for k, v in record("body-first").items() if k != "input"},
            }
        ),
        "invalid_token_count",
    ),
]
HOSTILE_TAGS = {
    "tenantId": "evil'; drop table bedrock_marts.dim_tenants; --",
    "department": "${jndi:ldap://x}",
    "costCenter": "c" * 300,
    "useCase": "t\u0435nant",  # a Cyrillic letter that looks like Latin e
    "Robert'); --": "key with quotes",
}
LINE_FAULTS.append(("hostile", line(record("hostile", requestMetadata=HOSTILE_TAGS)), "parsed"))
# timestamps either engine could read differently: without a zone, a date alone, a space for T
LINE_FAULTS += [
    ("no-zone", line(record("no-zone", timestamp="2026-10-01T23:00:00")), "invalid_timestamp"),
    ("date-only", line(record("date-only", timestamp="2026-10-01")), "invalid_timestamp"),
    ("space-t", line(record("space-t", timestamp="2026-10-01 23:10:00Z")), "parsed"),
    # a count with a newline inside the JSON string: not a whole number
    (
        "newline-tokens",
        line(record("nl", input={"inputTokenCount": "12\n"})),
        "invalid_token_count",
    ),
    # a key written twice: its last value counts (as JSON parsers and Trino's json_parse do) and
    # the request keeps its other tags; before, the whole map failed to cast and every tag was lost
    (
        "dup-key",
        line(
            record("dup-key", requestMetadata={"tenantId": "decoy", "department": "sales"})
        ).replace(b'"department": "sales"', b'"department": "sales", "tenantId": "faults-dup"'),
        "parsed",
    ),
    # a tag value that is not a string: kept as its JSON text, the other tags (tenant) kept too
    (
        "object-tag",
        line(record("object-tag", requestMetadata={"tenantId": "faults", "n": 5, "o": {"a": 1}})),
        "parsed",
    ),
]
LINE_FAULTS.append(
    (
        "no-metadata",
        line({k: v for k, v in record("no-metadata").items() if k != "requestMetadata"}),
        "parsed",
    )
)
# The next file: a record at midnight, one with an offset, and a last line without newline.
NEXT_FILE: list[tuple[str, bytes, str]] = [
    ("midnight", line(record("midnight", timestamp="2026-10-02T00:00:00Z")), "parsed"),
    ("offset", line(record("offset", timestamp="2026-10-02T01:30:00+02:00")), "parsed"),
    ("no-newline", line(record("no-newline")), "parsed"),
]
EXPECTED_DATES = {"last-second": "2026-10-01", "midnight": "2026-10-02", "offset": "2026-10-01"}


def write_gzip(path: Path, payload: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(gzip.compress(payload, mtime=0))


def faulty_logs(root: Path) -> Path:
    first = b"\r\n".join(raw for _, raw, _ in LINE_FAULTS) + b"\r\n\r\n   \r\n"
    write_gzip(root / HOUR / "20261001T230100000Z_00000000000000f1.json.gz", first)
    second = b"\n".join(raw for _, raw, _ in NEXT_FILE)  # no final newline
    write_gzip(root / NEXT_HOUR / "20261002T000100000Z_00000000000000f2.json.gz", second)
    write_gzip(root / NEXT_HOUR / "20261002T000200000Z_00000000000000f3.json.gz", b"")
    return root


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, DbtRun]:
    work = tmp_path_factory.mktemp("faults")
    logs = faulty_logs(work / "logs")
    run = run_dbt(["build"], logs, work / "dbt")
    assert run.ok, run.output[-4000:]
    return logs, run


def test_every_line_fault_is_parsed_or_quarantined_with_its_reason(
    built: tuple[Path, DbtRun],
) -> None:
    logs, run = built
    parsed = {r[0] for r in run.query(f"select request_id from {MARTS}.fct_bedrock_invocations")}
    reasons = sorted(
        r[0] for r in run.query(f"select quarantine_reason from {MARTS}.dq_quarantined_log_lines")
    )
    expected_parsed = {
        json.loads(raw)["requestId"]
        for _, raw, outcome in LINE_FAULTS + NEXT_FILE
        if outcome == "parsed"
    }
    expected_reasons = sorted(o for _, _, o in LINE_FAULTS + NEXT_FILE if o != "parsed")
    assert parsed == expected_parsed
    assert reasons == expected_reasons
    # blank and whitespace-only lines are not records and not faults; nothing else is missing
    assert count_non_blank_lines(logs) == len(parsed) + len(reasons)


def test_day_boundaries_follow_the_utc_timestamp(built: tuple[Path, DbtRun]) -> None:
    _, run = built
    dates = dict(
        run.query(
            f"""select request_id, cast(usage_date as varchar)
            from {MARTS}.fct_bedrock_invocations
            where request_id in ('last-second', 'midnight', 'offset')"""
        )
    )
    assert dates == EXPECTED_DATES


def test_big_and_odd_records_keep_their_numbers_but_not_their_bodies(
    built: tuple[Path, DbtRun],
) -> None:
    _, run = built
    rows = {
        r[0]: r[1:]
        for r in run.query(
            f"""select i.request_id, i.input_tokens, v.schema_version
            from {MARTS}.fct_bedrock_invocations as i
            left join bedrock_staging.stg_bedrock__invocations as v using (request_id)"""
        )
    }
    assert rows["five-mb"] == (7, "1.0")
    assert rows["quoted-tokens"][0] == 12
    assert rows["future-schema"][1] == "2.0"
    ((leaks,),) = run.query(
        f"""select count(*) from {MARTS}.dq_quarantined_log_lines
        where raw_line_preview like '%SECRET%'"""
    )
    assert leaks == 0


@pytest.mark.parametrize(
    ("name", "payload"),
    [
        ("not-gzip", None),
        ("truncated-gzip", gzip.compress(line(record("t")) + b"\n", mtime=0)[:25]),
    ],
)
def test_a_corrupt_file_stops_the_run_with_its_name(
    tmp_path: Path, name: str, payload: bytes | None
) -> None:
    logs = tmp_path / "logs"
    write_gzip(logs / HOUR / "20261001T230100000Z_00000000000000a1.json.gz", line(record("ok")))
    bad = logs / HOUR / f"20261001T230200000Z_{name}.json.gz"
    if payload is None:
        bad.write_bytes(b"this is not gzip")
    else:
        bad.write_bytes(payload)
    run = run_dbt(["build"], logs, tmp_path / "dbt")
    assert not run.ok
    assert bad.name in run.output


def test_hostile_tags_are_data_flagged_and_never_sql(built: tuple[Path, DbtRun]) -> None:
    _, run = built
    ((tenant,),) = run.query(
        f"select tenant_id from {MARTS}.fct_bedrock_invocations where request_id = 'hostile'"
    )
    assert tenant == HOSTILE_TAGS["tenantId"]
    assert run.query(f"select count(*) from {MARTS}.dim_tenants")[0][0] >= 2  # not dropped
    tags = dict(
        run.query(
            f"""select tag_key, tag_value from {MARTS}.fct_tenant_daily_usage_by_tag
            where tenant_id = '{HOSTILE_TAGS["tenantId"].replace("'", "''")}'"""
        )
    )
    assert tags["department"] == "${jndi:ldap://x}"
    assert tags["costcenter"] == "c" * 300
    assert tags["usecase"] == "t\u0435nant"
    assert tags["robert'); --"] == "key with quotes"
    ((flagged,),) = run.query(
        f"""select sum(out_of_spec_metadata_invocation_count)
        from {MARTS}.dq_daily_attribution"""
    )
    # hostile: over 256 characters, a non-ASCII letter, a quote in a key; object-tag: a JSON
    # object as a value (Bedrock takes strings only)
    assert flagged == 2


def test_a_repeated_tag_key_keeps_its_last_value_and_the_other_tags(
    built: tuple[Path, DbtRun],
) -> None:
    _, run = built
    assert run.query(
        f"select tenant_id from {MARTS}.fct_bedrock_invocations where request_id = 'dup-key'"
    ) == [("faults-dup",)]
    tags = run.query(
        f"""select tag_key, tag_value, invocation_count from {MARTS}.fct_tenant_daily_usage_by_tag
        where tenant_id = 'faults-dup' order by tag_key"""
    )
    assert tags == [("department", "sales", 1), ("tenantid", "faults-dup", 1)]
    # and flagged: the only request of the suite that writes a key twice
    ((repeated,),) = run.query(
        f"select sum(repeated_metadata_key_invocation_count) from {MARTS}.dq_daily_attribution"
    )
    assert repeated == 1


def test_unattributed_share_per_day(built: tuple[Path, DbtRun]) -> None:
    _, run = built
    rows = {
        r[0]: r[1:]
        for r in run.query(
            f"""select cast(usage_date as varchar), invocation_count,
                   unattributed_invocation_count, unattributed_invocation_share
            from {MARTS}.dq_daily_attribution"""
        )
    }
    # only the record without requestMetadata (2026-10-01) has no tenant
    day = rows["2026-10-01"]
    assert day[1] == 1
    assert day[2] == pytest.approx(1 / day[0])
    assert rows["2026-10-02"][1] == 0
    ((facts,),) = run.query(f"select count(*) from {MARTS}.fct_bedrock_invocations")
    assert sum(r[0] for r in rows.values()) == facts


def test_a_file_named_like_a_glob_is_read_once_and_alone(tmp_path: Path) -> None:
    """A log file literally named `*.json.gz` (or with `?`, `[`) is one file, not a pattern.

    An incremental run hands the reader the list of its new files; a list element that DuckDB
    glob-expands would read the other new files of the hour a second time.
    """
    logs, work = tmp_path / "logs", tmp_path / "dbt"
    write_gzip(logs / HOUR / HOUR_FILE_A1, line(record("a1")))
    assert run_dbt(["build"], logs, work).ok
    names = {
        "genuine": "20261002T000100000Z_00000000000000b1.json.gz",
        "star": "*.json.gz",
        "question": "20261002T000200000Z_?.json.gz",
        "bracket": "[2].json.gz",
    }
    for request_id, name in names.items():
        write_gzip(logs / NEXT_HOUR / name, line(record(request_id)) + b"\n")
    run = run_dbt(["build"], logs, work)
    assert run.ok, run.output[-4000:]
    assert "incremental model" in run.output
    rows = run.query(
        """select regexp_extract(source_file, '[^/]+$'), count(*)
        from bedrock_staging.base_bedrock__log_lines group by 1 order by 1"""
    )
    assert rows == sorted([(name, 1) for name in names.values()] + [(HOUR_FILE_A1, 1)])
    counts = dict(
        run.query(f"select request_id, delivery_count from {MARTS}.fct_bedrock_invocations")
    )
    assert counts == {"a1": 1, **{request_id: 1 for request_id in names}}


def test_lines_longer_than_the_reader_buffer_become_quarantine_rows(tmp_path: Path) -> None:
    """DuckDB's reader drops a line over its 32 MiB buffer without a trace; none may vanish.

    One file holds a 40 MiB record between short ones and a 20 MiB record (over the 16 MiB line
    limit, which the reader itself rejects); another is one 40 MiB record without a newline; a
    third a 40 MiB line that is not JSON. A later incremental run must not count them again.
    """
    logs, work = tmp_path / "logs", tmp_path / "dbt"
    forty = line(record("forty", input={"inputTokenCount": 1, "inputBodyJson": "z" * 40 * 2**20}))
    twenty = line(record("twenty", input={"inputTokenCount": 1, "inputBodyJson": "w" * 20 * 2**20}))
    mixed = b"\n".join([line(record("short-1")), forty, line(record("short-2")), twenty])
    write_gzip(logs / HOUR / "20261001T230100000Z_000000000000long.json.gz", mixed + b"\n")
    write_gzip(logs / HOUR / "20261001T230200000Z_00000000000alone.json.gz", forty)
    not_json = b"q" * 40 * 2**20 + b"\n" + line(record("short-3")) + b"\n"
    write_gzip(logs / HOUR / "20261001T230300000Z_0000000000000bad.json.gz", not_json)
    run = run_dbt(["build"], logs, work)
    assert run.ok, run.output[-4000:]
    query = f"""select regexp_extract(source_file, '_([0-9a-z]+)[.]json[.]gz$', 1), line_bytes,
            strpos(coalesce(raw_line_preview, ''), 'zzz') > 0
        from {MARTS}.dq_quarantined_log_lines
        where quarantine_reason = 'line_too_long'
        order by 1, 2 nulls first"""
    expected = [
        ("0000000000000bad", None, False),  # lost and not JSON: no size
        ("000000000000long", None, False),  # 20 MiB: the reader's own reject, cut at its limit
        ("000000000000long", len(forty), False),  # lost by the reader, found and sized
        ("00000000000alone", len(forty), False),
    ]
    assert run.query(query) == expected
    parsed = {r[0] for r in run.query(f"select request_id from {MARTS}.fct_bedrock_invocations")}
    assert parsed == {"short-1", "short-2", "short-3"}
    write_gzip(logs / NEXT_HOUR / "20261002T000100000Z_00000000000later.json.gz", line(record("l")))
    again = run_dbt(["build"], logs, work)
    assert again.ok, again.output[-4000:]
    assert run.query(query) == expected
