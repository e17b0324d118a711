"""bedrock-costs logs fetch against moto S3: ranges, layout, filters, resume, size checks."""

from __future__ import annotations

import gzip
import io
import os
from datetime import date
from pathlib import Path
from typing import Any

import boto3
import pytest

from bedrock_costs import logs_fetch as lf
from bedrock_costs.cli import main

BUCKET = "tenant-cost-logs"
ACCOUNT = "111122223333"
OTHER_ACCOUNT = "444455556666"
PREFIX = "bedrock"
LOGS = "BedrockModelInvocationLogs"


def key(
    day: str, hour: str, name: str, *, account: str = ACCOUNT, region: str = "us-east-1"
) -> str:
    y, m, d = day.split("-")
    return (
        f"{PREFIX}/AWSLogs/{account}/BedrockModelInvocationLogs/{region}/{y}/{m}/{d}/{hour}/{name}"
    )


def body(text: str) -> bytes:
    return gzip.compress(text.encode(), mtime=0)


#: The bucket: 3 days in us-east-1, one in eu-west-1, one day of another account, a data/ side
#: object, the permission-check marker, and something outside AWSLogs/.
OBJECTS: dict[str, bytes] = {
    key("2026-11-01", "23", "20261101T235901000Z_aaaaaaaaaaaaaaaa.json.gz"): body('{"a":1}\n'),
    key("2026-11-02", "00", "20261102T000101000Z_bbbbbbbbbbbbbbbb.json.gz"): body(
        "".join(f'{{"b":{i}}}\n' for i in range(500))  # ~1 KB gzipped, the only one over 100 B
    ),
    key("2026-11-02", "13", "20261102T130101000Z_cccccccccccccccc.json.gz"): body('{"c":3}\n'),
    key("2026-11-02", "13", "data/req-1_input.json.gz"): body('{"big":"body"}'),
    key("2026-11-03", "09", "20261103T090101000Z_dddddddddddddddd.json.gz"): body('{"d":4}\n'),
    key("2026-11-04", "00", "20261104T000101000Z_eeeeeeeeeeeeeeee.json.gz"): body('{"e":5}\n'),
    key(
        "2026-11-02", "05", "20261102T050101000Z_ffffffffffffffff.json.gz", region="eu-west-1"
    ): body('{"f":6}\n'),
    key(
        "2026-11-02", "07", "20261102T070101000Z_0000000000000000.json.gz", account=OTHER_ACCOUNT
    ): body('{"g":7}\n'),
    f"{PREFIX}/AWSLogs/{ACCOUNT}/{LOGS}/amazon-bedrock-logs-permission-check": b"",
    "unrelated/2026/11/02/x.json.gz": body("{}"),
}


@pytest.fixture
def s3(aws: None) -> Any:
    client = boto3.client("s3", region_name="us-east-1")
    client.create_bucket(Bucket=BUCKET)
    for object_key, data in OBJECTS.items():
        client.put_object(Bucket=BUCKET, Key=object_key, Body=data)
    return client


class ListedPrefixes:
    """Records the Prefix / Delimiter of every ListObjectsV2 call."""

    def __init__(self, client: Any) -> None:
        self.calls: list[tuple[str, str | None]] = []
        client.meta.events.register("provide-client-params.s3.ListObjectsV2", self)

    def __call__(self, params: dict[str, Any], **_: Any) -> None:
        self.calls.append((params.get("Prefix", ""), params.get("Delimiter")))


def request(out: Path, **changes: Any) -> lf.FetchRequest:
    base: dict[str, Any] = {
        "bucket": BUCKET,
        "prefix": PREFIX,
        "start": date(2026, 11, 2),
        "end": date(2026, 11, 3),
        "out": out,
        "workers": 4,
    }
    return lf.FetchRequest(**{**base, **changes})


#: The fetch's record of what it downloaded (key, ETag), kept next to AWSLogs/ in --out.
MANIFEST = ".bedrock-costs-fetch.jsonl"


def files_under(out: Path) -> set[str]:
    """The files under ``out``, the fetch's manifest left out."""
    return {
        p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file() and p.name != MANIFEST
    }


def relative(object_key: str) -> str:
    return object_key[len(PREFIX) + 1 :]


def in_range_keys(*, accounts: tuple[str, ...] = (ACCOUNT, OTHER_ACCOUNT)) -> set[str]:
    return {
        k
        for k in OBJECTS
        if "/data/" not in k
        and any(f"/{a}/" in k for a in accounts)
        and any(f"/2026/11/{d}/" in k for d in ("02", "03"))
    }


def test_fetches_only_the_days_in_range_with_the_same_layout(s3: Any, tmp_path: Path) -> None:
    out = tmp_path / "logs"
    stats = lf.fetch_logs(request(out), s3, progress=False)
    expected = in_range_keys()
    assert files_under(out) == {relative(k) for k in expected}
    for object_key in expected:
        assert (out / relative(object_key)).read_bytes() == OBJECTS[object_key]
    assert stats.listed == stats.downloaded == len(expected) == 5
    assert stats.data_skipped == 1
    assert stats.failures == []


def test_lists_day_prefixes_and_delimited_folders_never_the_bucket(s3: Any, tmp_path: Path) -> None:
    listed = ListedPrefixes(s3)
    lf.fetch_logs(request(tmp_path), s3, progress=False)
    delimited = {prefix for prefix, delimiter in listed.calls if delimiter == "/"}
    assert delimited == {
        f"{PREFIX}/AWSLogs/",
        f"{PREFIX}/AWSLogs/{ACCOUNT}/BedrockModelInvocationLogs/",
        f"{PREFIX}/AWSLogs/{OTHER_ACCOUNT}/BedrockModelInvocationLogs/",
    }
    flat = {prefix for prefix, delimiter in listed.calls if delimiter is None}
    # 3 (account, region) pairs x 2 days, each a day folder: nothing wider is ever listed flat.
    assert len(flat) == 6
    assert all(p.endswith(("/2026/11/02/", "/2026/11/03/")) for p in flat)


def test_account_and_region_filters_skip_discovery(s3: Any, tmp_path: Path) -> None:
    listed = ListedPrefixes(s3)
    stats = lf.fetch_logs(
        request(tmp_path, accounts=(ACCOUNT,), regions=("eu-west-1",)), s3, progress=False
    )
    assert all(delimiter is None for _, delimiter in listed.calls)
    assert files_under(tmp_path) == {
        relative(k) for k in in_range_keys(accounts=(ACCOUNT,)) if "/eu-west-1/" in k
    }
    assert stats.downloaded == 1


def test_include_data_fetches_the_side_objects(s3: Any, tmp_path: Path) -> None:
    stats = lf.fetch_logs(request(tmp_path, include_data=True), s3, progress=False)
    data_key = key("2026-11-02", "13", "data/req-1_input.json.gz")
    assert (tmp_path / relative(data_key)).read_bytes() == OBJECTS[data_key]
    assert stats.data_skipped == 0


def test_empty_prefix_and_single_day(s3: Any, tmp_path: Path) -> None:
    s3.put_object(
        Bucket=BUCKET,
        Key=f"AWSLogs/{ACCOUNT}/BedrockModelInvocationLogs/us-west-2/2026/11/04/01/x.json.gz",
        Body=b"xyz",
    )
    one_day = date(2026, 11, 4)
    stats = lf.fetch_logs(
        request(tmp_path, prefix="", start=one_day, end=one_day), s3, progress=False
    )
    assert files_under(tmp_path) == {
        f"AWSLogs/{ACCOUNT}/BedrockModelInvocationLogs/us-west-2/2026/11/04/01/x.json.gz"
    }
    assert stats.downloaded == 1


def test_resume_replaces_partial_wrong_or_unrecorded_files_then_skips(
    s3: Any, tmp_path: Path
) -> None:
    keys = sorted(in_range_keys())
    same_size, wrong_size, partial = keys[0], keys[1], keys[2]
    # Same size, different bytes, not downloaded by a fetch: the size alone does not skip it.
    (tmp_path / relative(same_size)).parent.mkdir(parents=True, exist_ok=True)
    (tmp_path / relative(same_size)).write_bytes(b"x" * len(OBJECTS[same_size]))
    (tmp_path / relative(wrong_size)).parent.mkdir(parents=True, exist_ok=True)
    (tmp_path / relative(wrong_size)).write_bytes(b"truncated")
    # An interrupted earlier run left only a .part file.
    part = tmp_path / (relative(partial) + lf.PART_SUFFIX)
    part.parent.mkdir(parents=True, exist_ok=True)
    part.write_bytes(OBJECTS[partial][:5])

    stats = lf.fetch_logs(request(tmp_path), s3, progress=False)

    assert stats.skipped == 0
    assert stats.downloaded == len(keys)
    assert (tmp_path / relative(same_size)).read_bytes() == OBJECTS[same_size]
    assert (tmp_path / relative(wrong_size)).read_bytes() == OBJECTS[wrong_size]
    assert (tmp_path / relative(partial)).read_bytes() == OBJECTS[partial]
    assert not list(tmp_path.rglob("*" + lf.PART_SUFFIX))
    again = lf.fetch_logs(request(tmp_path), s3, progress=False)
    assert (again.downloaded, again.skipped) == (0, len(keys))


def test_a_short_download_never_gets_the_final_name(s3: Any, tmp_path: Path) -> None:
    victim = key("2026-11-02", "00", "20261102T000101000Z_bbbbbbbbbbbbbbbb.json.gz")

    def truncate(parsed: dict[str, Any], model: Any, **_: Any) -> None:
        if model.name == "GetObject" and parsed["Body"] is not None:
            data = parsed["Body"].read()
            parsed["Body"] = io.BytesIO(data[: len(data) // 2] if len(data) > 100 else data)

    s3.meta.events.register("after-call.s3.GetObject", truncate)
    stats = lf.fetch_logs(request(tmp_path), s3, progress=False)
    assert len(stats.failures) == 1
    assert "size mismatch" in stats.failures[0]
    assert victim.rsplit("/", 1)[1] in stats.failures[0]
    assert not (tmp_path / relative(victim)).exists()
    assert not list(tmp_path.rglob("*" + lf.PART_SUFFIX))
    assert stats.downloaded == len(in_range_keys()) - 1


def test_keys_that_would_escape_out_are_refused(tmp_path: Path) -> None:
    with pytest.raises(lf.FetchError):
        lf.local_path(tmp_path, "p/", "p/AWSLogs/../../etc/passwd")


def test_cli_fetch_end_to_end(s3: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "my-logs"
    argv = ["logs", "fetch", "--bucket", BUCKET, "--prefix", PREFIX + "/", "--from", "2026-11-01"]
    code = main([*argv, "--to", "2026-11-01", "--out", str(out), "--workers", "2"])
    captured = capsys.readouterr()
    assert code == 0
    assert files_under(out) == {
        relative(key("2026-11-01", "23", "20261101T235901000Z_aaaaaaaaaaaaaaaa.json.gz"))
    }
    assert "1 downloaded" in captured.out
    assert f"make build SAMPLE_DIR={out}" in captured.out
    assert "fetch: 1/1 files" in captured.err


def test_cli_wrong_prefix_says_where_to_look(
    s3: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["logs", "fetch", "--bucket", BUCKET, "--prefix", "nope", "--from", "2026-11-01"]
    code = main([*argv, "--to", "2026-11-02", "--out", str(tmp_path), "--quiet"])
    assert code == 1
    assert "bedrock-costs logging status" in capsys.readouterr().err


def test_cli_missing_bucket_and_reversed_range(
    s3: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["logs", "fetch", "--bucket", "no-such-bucket", "--from", "2026-11-01"]
    assert main([*argv, "--to", "2026-11-02", "--out", str(tmp_path), "--quiet"]) == 1
    assert "does not exist" in capsys.readouterr().err
    argv = ["logs", "fetch", "--bucket", BUCKET, "--from", "2026-11-03", "--to", "2026-11-02"]
    assert main([*argv, "--out", str(tmp_path)]) == 2
    assert "after --to" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("flag", "value", "message"),
    [
        ("--workers", "0", "1 to 64"),
        ("--account", "12", "12-digit"),
        ("--region", "US_EAST", "Region code"),
        ("--from", "2026/11/01", "YYYY-MM-DD"),
    ],
)
def test_cli_bad_arguments_exit_2(
    flag: str, value: str, message: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["logs", "fetch", "--bucket", BUCKET, "--from", "2026-11-01", "--to", "2026-11-02"]
    with pytest.raises(SystemExit) as info:
        main([*argv, "--out", str(tmp_path), flag, value])
    assert info.value.code == 2
    assert message in capsys.readouterr().err


def test_round_trip_of_a_sample_log_tree_keeps_every_record_file_byte_for_byte(
    s3: Any, tmp_path: Path
) -> None:
    """Upload a generated tree in the real layout, fetch it back: the dbt input is unchanged."""
    from bedrock_costs.sample_logs import DEFAULT_START, generate_sample_logs

    source = tmp_path / "source"
    generate_sample_logs(source, days=3, invocations=300, seed=7)
    uploaded: dict[str, bytes] = {}
    for path in source.rglob("*"):
        if path.is_file():
            object_key = "rt/" + path.relative_to(source).as_posix()
            s3.put_object(Bucket=BUCKET, Key=object_key, Body=path.read_bytes())
            uploaded[object_key] = path.read_bytes()
    out = tmp_path / "fetched"
    # Three days of calls; deliveries of the last hour land in the next day's 00 folder.
    end = date.fromordinal(DEFAULT_START.toordinal() + 3)
    stats = lf.fetch_logs(
        request(out, prefix="rt", start=DEFAULT_START, end=end), s3, progress=False
    )
    records = {
        k[len("rt/") :]
        for k in uploaded
        if k.endswith(".json.gz") and "/data/" not in k and "/20" in k
    }
    assert records
    assert stats.failures == []
    assert files_under(out) == records
    for name in records:
        assert (out / name).read_bytes() == uploaded["rt/" + name]


# --- one key, one file (security review R5, H6) -------------------------------------------------

GENUINE = key("2026-11-02", "13", "20261102T130101000Z_cccccccccccccccc.json.gz")
HOUR = GENUINE.rsplit("/", 1)[0]  # .../2026/11/02/13
NAME = GENUINE.rsplit("/", 1)[1]


def test_forged_double_slash_and_dot_keys_never_replace_the_genuine_file(
    s3: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """R5: `12//name` and `12/./name` used to land on the genuine file with forged bytes."""
    forged = b"X" * len(OBJECTS[GENUINE])
    for forged_key in (f"{HOUR}//{NAME}", f"{HOUR}/./{NAME}"):
        s3.put_object(Bucket=BUCKET, Key=forged_key, Body=forged)
    err = io.StringIO()
    code = lf.run_fetch(request(tmp_path), s3, progress=False, stdout=io.StringIO(), stderr=err)
    assert (tmp_path / relative(GENUINE)).read_bytes() == OBJECTS[GENUINE]
    assert code == lf.EXIT_SKIPPED_KEYS == 3
    report = err.getvalue()
    assert f"{relative(HOUR)}//{NAME}" in report
    assert f"{relative(HOUR)}/./{NAME}" in report
    assert "2 keys refused" in report
    # Everything genuine is still there, byte for byte.
    for object_key in in_range_keys():
        assert (tmp_path / relative(object_key)).read_bytes() == OBJECTS[object_key]


@pytest.mark.parametrize(
    ("bad_name", "reason"),
    [
        ("../../../../../../../escaped.json.gz", "`.` or `..`"),  # H6: used to abort the fetch
        ("..\\..\\..\\escaped.json.gz", "A-Za-z0-9"),  # a Windows `..`
        ("C:\\Windows\\escaped.json.gz", "A-Za-z0-9"),  # a Windows drive
        ("C:escaped.json.gz", "A-Za-z0-9"),
        ("*.json.gz", "A-Za-z0-9"),
        ("x?.json.gz", "A-Za-z0-9"),
        ("[x].json.gz", "A-Za-z0-9"),
        ("{a,b}.json.gz", "A-Za-z0-9"),
        ("x y.json.gz", "A-Za-z0-9"),
        ("\x1b[2J\rfake.json.gz", "A-Za-z0-9"),
        ("x\n.json.gz", "A-Za-z0-9"),
        ("caf\u00e9.json.gz", "A-Za-z0-9"),
        (f"{NAME}/", "empty"),  # a trailing / with bytes: used to be dropped silently
        (f"{NAME}.part", ".part"),  # would be another download's temporary file
        ("trailing-dot.", "dot"),  # Windows drops it
        ("NUL.json.gz", "Windows"),
        ("data/con", "Windows"),
    ],
)
def test_bad_keys_are_skipped_reported_and_the_rest_is_fetched(
    bad_name: str, reason: str, s3: Any, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    bad_key = f"{HOUR}/{bad_name}"
    s3.put_object(Bucket=BUCKET, Key=bad_key, Body=b"forged")
    stats = lf.fetch_logs(request(out, include_data=True), s3, progress=False)
    genuine = in_range_keys() | {key("2026-11-02", "13", "data/req-1_input.json.gz")}
    assert files_under(out) == {relative(k) for k in genuine}
    assert not any(p.read_bytes() == b"forged" for p in tmp_path.rglob("*") if p.is_file())
    assert [refused.key for refused in stats.refused] == [bad_key]
    assert reason in stats.refused[0].reason
    assert stats.failures == []


def test_keys_that_collide_on_one_file_are_all_refused(s3: Any, tmp_path: Path) -> None:
    """Two keys, one destination (case-insensitive disks, or a file where a folder must go)."""
    upper = f"{HOUR}/{NAME.upper()}"
    s3.put_object(Bucket=BUCKET, Key=upper, Body=b"forged")
    as_folder = f"{HOUR}/20261102T130101000Z_x.json.gz"
    s3.put_object(Bucket=BUCKET, Key=as_folder, Body=b"forged")
    s3.put_object(Bucket=BUCKET, Key=f"{as_folder}/inner.json.gz", Body=b"forged")
    stats = lf.fetch_logs(request(tmp_path), s3, progress=False)
    assert not (tmp_path / relative(GENUINE)).exists()
    assert {refused.key for refused in stats.refused} == {
        upper,
        GENUINE,
        as_folder,
        f"{as_folder}/inner.json.gz",
    }
    assert all("same local file" in r.reason or "folder" in r.reason for r in stats.refused)
    assert files_under(tmp_path) == {relative(k) for k in in_range_keys() if k != GENUINE}


def test_a_destination_that_resolves_outside_out_is_refused(s3: Any, tmp_path: Path) -> None:
    out = tmp_path / "out"
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    day = out / relative(HOUR).rsplit("/", 1)[0]
    day.parent.mkdir(parents=True)
    day.symlink_to(elsewhere, target_is_directory=True)
    stats = lf.fetch_logs(request(out), s3, progress=False)
    assert list(elsewhere.iterdir()) == []
    assert {r.key for r in stats.refused} == {
        k for k in in_range_keys(accounts=(ACCOUNT,)) if "/us-east-1/2026/11/02/" in k
    }
    assert all("outside" in r.reason for r in stats.refused)
    assert stats.downloaded == len(in_range_keys()) - len(stats.refused)


def test_local_path_refuses_what_a_windows_disk_would_read_as_a_path(tmp_path: Path) -> None:
    for bad in ("p/AWSLogs/..\\..\\x", "p/AWSLogs/C:\\Windows\\x", "p/AWSLogs/a:b"):
        with pytest.raises(lf.FetchError):
            lf.local_path(tmp_path, "p/", bad)


def test_cli_refused_keys_are_escaped_and_give_exit_3(
    s3: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    s3.put_object(Bucket=BUCKET, Key=f"{HOUR}/\x1b[2J\r{NAME}", Body=b"forged")
    argv = ["logs", "fetch", "--bucket", BUCKET, "--prefix", PREFIX, "--from", "2026-11-02"]
    code = main([*argv, "--to", "2026-11-02", "--out", str(tmp_path), "--quiet"])
    captured = capsys.readouterr()
    assert code == 3
    assert "\x1b" not in captured.err
    assert "\r" not in captured.err
    assert f"refused: {HOUR}/\\x1b[2J\\r{NAME}: " in captured.err
    assert "1 refused" in captured.out


def test_same_size_forged_local_bytes_are_replaced_unless_recorded_at_download(
    s3: Any, tmp_path: Path
) -> None:
    """Skip needs the ETag this fetch recorded, not only the size: a same-size file is replaced."""
    target = tmp_path / relative(GENUINE)
    target.parent.mkdir(parents=True)
    target.write_bytes(b"X" * len(OBJECTS[GENUINE]))
    assert lf.MANIFEST_NAME == MANIFEST
    first = lf.fetch_logs(request(tmp_path), s3, progress=False)
    assert target.read_bytes() == OBJECTS[GENUINE]
    assert (first.downloaded, first.skipped) == (len(in_range_keys()), 0)
    # Recorded now: a second run skips it, however the file got there.
    again = lf.fetch_logs(request(tmp_path), s3, progress=False)
    assert (again.downloaded, again.skipped) == (0, len(in_range_keys()))
    # The object changes on S3 at the same size: its new ETag makes the next run fetch it.
    changed = OBJECTS[GENUINE][:-1] + bytes([OBJECTS[GENUINE][-1] ^ 1])
    s3.put_object(Bucket=BUCKET, Key=GENUINE, Body=changed)
    third = lf.fetch_logs(request(tmp_path), s3, progress=False)
    assert (third.downloaded, third.skipped) == (1, len(in_range_keys()) - 1)
    assert target.read_bytes() == changed
    # The local file is rewritten at the same size after the download: replaced again.
    recorded = target.stat().st_mtime_ns
    target.write_bytes(b"Y" * len(changed))
    os.utime(target, ns=(recorded + 10**9, recorded + 10**9))  # a clock tick on any file system
    fourth = lf.fetch_logs(request(tmp_path), s3, progress=False)
    assert fourth.downloaded == 1
    assert target.read_bytes() == changed


def test_genuine_sample_log_names_all_pass_the_key_check(tmp_path: Path) -> None:
    """No key in the real layout (records, data/ sidecars, permission check) is refused."""
    from bedrock_costs.sample_logs import generate_sample_logs

    generate_sample_logs(tmp_path, days=2, invocations=3000, seed=11, progress=False)
    keys = [
        "bedrock/" + p.relative_to(tmp_path).as_posix()
        for p in tmp_path.rglob("*")
        if p.is_file() and p.relative_to(tmp_path).parts[0] == "AWSLogs"
    ]
    assert any("/data/" in k for k in keys)
    assert any(k.endswith("permission-check") for k in keys)
    assert [k for k in keys if lf.key_problem("bedrock/", k)] == []


def test_failed_downloads_exit_1_even_with_refused_keys(s3: Any, tmp_path: Path) -> None:
    s3.put_object(Bucket=BUCKET, Key=f"{HOUR}//{NAME}", Body=b"forged")

    def fail(parsed: dict[str, Any], model: Any, **_: Any) -> None:
        if model.name == "GetObject" and parsed["Body"] is not None:
            parsed["Body"] = io.BytesIO(b"")

    s3.meta.events.register("after-call.s3.GetObject", fail)
    err = io.StringIO()
    code = lf.run_fetch(request(tmp_path), s3, progress=False, stdout=io.StringIO(), stderr=err)
    assert code == lf.EXIT_FAILURE
    assert "1 key refused" in err.getvalue()
    assert "run the same command again" in err.getvalue()
