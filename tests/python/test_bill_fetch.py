"""bedrock-costs bill fetch against moto S3: a CUR 2.0 month exactly as its manifest lists it."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import boto3
import pytest

from bedrock_costs import bill_fetch as bf
from bedrock_costs.cli import main

BUCKET = "tenant-billing"
OTHER_BUCKET = "someone-elses-bucket"
PREFIX = "cur"
EXPORT = "cur2"
PERIOD = "2026-11"
EXECUTION = "2026-12-02T13:14:43.337Z-6b622448-2b2f-4c8e-9a41-0123456789ab"
LATER_EXECUTION = "2026-12-03T09:00:01.002Z-7c733559-3c3f-4d9f-8b52-0123456789ab"
#: The record of downloaded files' ETags that logs fetch keeps too (not part of the month).
RECORD = ".bedrock-costs-fetch.jsonl"


def root(prefix: str = PREFIX) -> str:
    return f"{prefix}/" if prefix else ""


def partition(prefix: str = PREFIX, period: str = PERIOD) -> str:
    return f"{root(prefix)}{EXPORT}/data/BILLING_PERIOD={period}/"


def manifest_key(prefix: str = PREFIX, period: str = PERIOD) -> str:
    return f"{root(prefix)}{EXPORT}/metadata/BILLING_PERIOD={period}/{EXPORT}-Manifest.json"


def parquet(tag: str, size: int = 300) -> bytes:
    """Bytes standing in for a Parquet file (the fetch never reads them), unique per tag."""
    return (b"PAR1" + tag.encode() * size)[:size] + b"PAR1"


def manifest_body(data_files: list[str], **extra: Any) -> bytes:
    document = {
        "executionId": extra.pop("execution_id", EXECUTION),
        "exportArn": f"arn:aws:bcm-data-exports:us-east-1:111122223333:export/{EXPORT}-x",
        "billingPeriod": PERIOD,
        "columns": [
            {"name": "line_item_usage_account_id", "type": "string"},
            {"name": "line_item_unblended_cost", "type": "double"},
        ],
        "dataFiles": data_files,
        **extra,
    }
    return json.dumps(document, indent=2).encode()


def deliver(
    s3: Any, names: dict[str, bytes], *, prefix: str = PREFIX, folder: str = ""
) -> dict[str, bytes]:
    """Write a delivery as Data Exports does: the data files, then the manifest listing them.

    ``folder`` is the execution folder of CREATE_NEW_REPORT ("" for OVERWRITE_REPORT). Returns
    the data files by key.
    """
    base = partition(prefix) + (f"{folder}/" if folder else "")
    files = {base + name: body for name, body in names.items()}
    for key, body in files.items():
        s3.put_object(Bucket=BUCKET, Key=key, Body=body)
    uris = [f"s3://{BUCKET}/{key}" for key in files]
    s3.put_object(Bucket=BUCKET, Key=manifest_key(prefix), Body=manifest_body(uris))
    return files


def three_parts(tag: str = "a") -> dict[str, bytes]:
    return {f"{EXPORT}-0000{n}.snappy.parquet": parquet(f"{tag}{n}", 200 + n) for n in (1, 2, 3)}


@pytest.fixture
def s3(aws: None) -> Any:
    client = boto3.client("s3", region_name="us-east-1")
    client.create_bucket(Bucket=BUCKET)
    client.create_bucket(Bucket=OTHER_BUCKET)
    return client


def request(out: Path, **changes: Any) -> bf.BillRequest:
    base: dict[str, Any] = {
        "bucket": BUCKET,
        "prefix": PREFIX,
        "export_name": EXPORT,
        "period": PERIOD,
        "out": out,
        "workers": 4,
    }
    return bf.BillRequest(**{**base, **changes})


def files_under(out: Path) -> dict[str, bytes]:
    """Every file under ``out`` by relative path, the download record left out."""
    if not out.exists():
        return {}
    return {
        p.relative_to(out).as_posix(): p.read_bytes()
        for p in out.rglob("*")
        if p.is_file() and p.name != RECORD
    }


def expected_tree(data: dict[str, bytes], prefix: str = PREFIX) -> dict[str, bytes]:
    """The local tree a fetch must leave: the data files and the manifest, paths after prefix."""
    s3_manifest = boto3.client("s3", region_name="us-east-1").get_object(
        Bucket=BUCKET, Key=manifest_key(prefix)
    )["Body"]
    tree = {key[len(root(prefix)) :]: body for key, body in data.items()}
    tree[manifest_key(prefix)[len(root(prefix)) :]] = s3_manifest.read()
    return tree


def fetch(out: Path, s3: Any, **changes: Any) -> tuple[int, str, str]:
    """run_bill_fetch with progress on; (exit code, stdout, stderr)."""
    stdout, stderr = io.StringIO(), io.StringIO()
    code = bf.run_bill_fetch(request(out, **changes), s3, stdout=stdout, stderr=stderr)
    return code, stdout.getvalue(), stderr.getvalue()


class ListedPrefixes:
    """Records the Prefix of every ListObjectsV2 call."""

    def __init__(self, client: Any) -> None:
        self.prefixes: list[str] = []
        client.meta.events.register("provide-client-params.s3.ListObjectsV2", self)

    def __call__(self, params: dict[str, Any], **_: Any) -> None:
        self.prefixes.append(params.get("Prefix", ""))


def test_a_multi_part_delivery_is_downloaded_with_its_manifest(s3: Any, tmp_path: Path) -> None:
    data = deliver(s3, three_parts())
    # Not in the manifest: another period and another export sharing the prefix.
    s3.put_object(Bucket=BUCKET, Key=partition(period="2026-10") + "old.snappy.parquet", Body=b"x")
    s3.put_object(Bucket=BUCKET, Key=f"{PREFIX}/other/data/BILLING_PERIOD={PERIOD}/x", Body=b"y")
    out = tmp_path / "bill"
    code, stdout, stderr = fetch(out, s3)
    assert code == 0, stderr
    assert files_under(out) == expected_tree(data)
    assert len(data) == 3
    total = sum(len(body) for body in data.values())
    assert f"{len(data)} data files in the manifest, {len(data)} downloaded" in stdout
    assert f"({total / 1_000_000:.1f} MB)" in stdout
    assert EXECUTION in stdout
    assert f"manifest: {out / manifest_key()[len(PREFIX) + 1 :]}" in stdout
    assert f'bedrock_cur_dir: "{out}"' in stdout  # the var dbt reads the bill from
    assert f"reading s3://{BUCKET}/{manifest_key()}" in stderr
    assert f"fetch: {len(data)}/{len(data)} files" in stderr


def test_a_rerun_skips_what_is_present_and_resumes_the_rest(s3: Any, tmp_path: Path) -> None:
    data = deliver(s3, three_parts())
    out = tmp_path / "bill"
    first = bf.fetch_bill(request(out), s3, progress=False)
    assert (first.downloaded, first.skipped) == (len(data), 0)
    again = bf.fetch_bill(request(out), s3, progress=False)
    assert (again.downloaded, again.skipped, again.removed) == (0, len(data), 0)
    # One file lost, one replaced by same-size bytes from elsewhere, a .part left by a kill.
    keys = sorted(data)
    lost, forged = (out / keys[0][len(root()) :]), (out / keys[1][len(root()) :])
    lost.unlink()
    forged.write_bytes(b"X" * len(data[keys[1]]))
    (lost.parent / (lost.name + ".part")).write_bytes(b"half")
    third = bf.fetch_bill(request(out), s3, progress=False)
    assert (third.downloaded, third.skipped) == (2, len(data) - 2)
    assert third.removed == 0  # the .part leftover goes, but it was no file of a delivery
    assert files_under(out) == expected_tree(data)


def test_a_refresh_replaces_the_month_and_removes_stale_files(
    s3: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """CREATE_NEW_REPORT: the refresh is a new execution folder with fewer, other files."""
    old = deliver(s3, three_parts("a"), folder=EXECUTION)
    out = tmp_path / "bill"
    argv = ["bill", "fetch", "--bucket", BUCKET, "--prefix", PREFIX, "--export-name", EXPORT]
    argv += ["--period", PERIOD, "--out", str(out), "--quiet"]
    assert main(argv) == 0
    assert files_under(out) == expected_tree(old)
    capsys.readouterr()

    new = deliver(
        s3,
        {f"{EXPORT}-00001.snappy.parquet": parquet("b1"), f"{EXPORT}-00002.snappy.parquet": b"z"},
        folder=LATER_EXECUTION,
    )
    assert main(argv) == 0
    assert files_under(out) == expected_tree(new)
    # the old execution's folder went with its files
    assert not (out / EXPORT / "data" / f"BILLING_PERIOD={PERIOD}" / EXECUTION).exists()
    stdout = capsys.readouterr().out
    assert f"removed {len(old)} local files of BILLING_PERIOD={PERIOD}" in stdout
    assert f"{len(old)} stale removed" in stdout


def test_an_overwrite_refresh_fetches_changed_files_and_removes_the_dropped_one(
    s3: Any, tmp_path: Path
) -> None:
    """OVERWRITE_REPORT: the same names with new bytes (a new ETag), one part fewer."""
    deliver(s3, three_parts("a"))
    out = tmp_path / "bill"
    assert fetch(out, s3)[0] == 0
    names = three_parts("b")
    dropped = sorted(names)[-1]
    del names[dropped]
    for name in names:  # the refresh first deletes the old files (the dropped one too)
        s3.delete_object(Bucket=BUCKET, Key=partition() + name)
    s3.delete_object(Bucket=BUCKET, Key=partition() + dropped)
    new = deliver(s3, names)
    stats = bf.fetch_bill(request(out), s3, progress=False)
    assert (stats.downloaded, stats.skipped, stats.removed) == (len(new), 0, 1)
    assert files_under(out) == expected_tree(new)


def test_the_local_month_has_no_manifest_while_it_changes(s3: Any, tmp_path: Path) -> None:
    """The old manifest goes before the first new byte; the new one comes after the last."""
    deliver(s3, three_parts("a"))
    out = tmp_path / "bill"
    assert fetch(out, s3)[0] == 0
    local_manifest = out / manifest_key()[len(root()) :]
    assert local_manifest.is_file()
    seen: list[bool] = []

    def look(model: Any, **_: Any) -> None:
        if model.name == "GetObject":
            seen.append(local_manifest.exists())

    deliver(s3, three_parts("b"), folder=LATER_EXECUTION)
    s3.meta.events.register("after-call.s3.GetObject", look)
    assert fetch(out, s3)[0] == 0
    # the manifest's own read, then one per data file: only the first saw the old manifest
    assert seen == [True] + [False] * 3
    assert local_manifest.is_file()


def test_a_failed_download_leaves_no_manifest_and_removes_nothing(s3: Any, tmp_path: Path) -> None:
    old = deliver(s3, three_parts("a"))
    out = tmp_path / "bill"
    assert fetch(out, s3)[0] == 0
    new = deliver(s3, three_parts("b"), folder=LATER_EXECUTION)
    victim = sorted(new)[0]

    def truncate(parsed: dict[str, Any], model: Any, **_: Any) -> None:
        if model.name == "GetObject" and parsed.get("Body") is not None:
            data = parsed["Body"].read()
            parsed["Body"] = io.BytesIO(data[:10] if data == new[victim] else data)

    s3.meta.events.register("after-call.s3.GetObject", truncate)
    code, _, stderr = fetch(out, s3)
    assert code == 1
    assert "size mismatch" in stderr
    assert "run the same command again" in stderr
    tree = files_under(out)
    assert manifest_key()[len(root()) :] not in tree
    assert all(key[len(root()) :] in tree for key in old)  # nothing removed yet
    assert victim[len(root()) :] not in tree
    s3.meta.events.unregister("after-call.s3.GetObject", truncate)
    assert fetch(out, s3)[0] == 0
    assert files_under(out) == expected_tree(new)


def test_create_new_report_layout_lists_only_the_execution_folder(s3: Any, tmp_path: Path) -> None:
    older = deliver(s3, three_parts("a"), folder=EXECUTION)
    newer = deliver(s3, three_parts("b"), folder=LATER_EXECUTION)
    listed = ListedPrefixes(s3)
    out = tmp_path / "bill"
    code, _, stderr = fetch(out, s3)
    assert code == 0, stderr
    assert files_under(out) == expected_tree(newer)
    assert all(f"/{LATER_EXECUTION}/" in key for key in newer)
    assert not any((out / key[len(root()) :]).exists() for key in older)
    assert listed.prefixes == [partition() + LATER_EXECUTION + "/"]


def test_an_empty_prefix_means_the_export_folder_is_at_the_bucket_root(
    s3: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = deliver(s3, three_parts(), prefix="")
    assert all(key.startswith(f"{EXPORT}/data/") for key in data)
    out = tmp_path / "bill"
    argv = ["bill", "fetch", "--bucket", BUCKET, "--export-name", EXPORT, "--period", PERIOD]
    assert main([*argv, "--out", str(out)]) == 0, capsys.readouterr().err
    assert files_under(out) == expected_tree(data, prefix="")
    capsys.readouterr()
    assert main([*argv, "--prefix", "", "--out", str(out), "--quiet"]) == 0
    assert f"{len(data)} already present" in capsys.readouterr().out


def test_a_missing_manifest_names_the_key_and_writes_nothing(
    s3: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    deliver(s3, three_parts())  # November is there, December is not
    out = tmp_path / "bill"
    argv = ["bill", "fetch", "--bucket", BUCKET, "--prefix", PREFIX, "--export-name", EXPORT]
    code = main([*argv, "--period", "2026-12", "--out", str(out)])
    err = capsys.readouterr().err
    assert code == 1
    assert f"s3://{BUCKET}/{manifest_key(period='2026-12')}" in err
    assert "may not have delivered BILLING_PERIOD=2026-12 yet" in err
    assert "Traceback" not in err
    assert files_under(out) == {}


def test_a_missing_bucket_is_reported_as_an_aws_error(
    s3: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["bill", "fetch", "--bucket", "no-such-bucket", "--export-name", EXPORT]
    assert main([*argv, "--period", PERIOD, "--out", str(tmp_path / "b"), "--quiet"]) == 1
    err = capsys.readouterr().err
    assert "does not exist" in err
    assert "no-such-bucket" in err


GOOD_NAME = f"{EXPORT}-00001.snappy.parquet"


@pytest.mark.parametrize(
    ("bad_uri", "says"),
    [
        (f"s3://{OTHER_BUCKET}/{partition()}{GOOD_NAME}", "another bucket"),
        (f"s3://{BUCKET}/{partition()}../../../../../../escaped.parquet", "`..`"),
        (f"s3://{BUCKET}/{partition()}x/../{GOOD_NAME}", "`..`"),
        (f"s3://{BUCKET}/{partition(period='2026-10')}{GOOD_NAME}", "not under"),
        (
            f"s3://{BUCKET}/{PREFIX}/other-export/data/BILLING_PERIOD={PERIOD}/x.parquet",
            "not under",
        ),
        (f"s3://{BUCKET}/{manifest_key()}", "not under"),
        (f"s3://{BUCKET}/elsewhere/escaped.parquet", "not under"),
        (f"s3://{BUCKET}/{partition()}x//{GOOD_NAME}", "empty path part"),
        (f"s3://{BUCKET}/{partition()}..\\..\\escaped.parquet", "characters outside"),
        (f"s3://{BUCKET}/{partition()}{GOOD_NAME}.part", ".part"),
        (f"https://{BUCKET}.s3.amazonaws.com/{partition()}{GOOD_NAME}", "not an s3:// URI"),
        (f"s3://{BUCKET}/{partition()}{GOOD_NAME.upper()}", "differ only in case"),
    ],
)
def test_a_data_file_outside_the_period_is_an_error_and_nothing_is_written(
    bad_uri: str, says: str, s3: Any, tmp_path: Path
) -> None:
    good = deliver(s3, three_parts())
    # The object a careless fetch would download (and where it would write it).
    bucket, _, bad_key = bad_uri.split("://", 1)[1].partition("/")
    if bad_uri.startswith("s3://") and bad_key != manifest_key():
        s3.put_object(Bucket=bucket, Key=bad_key, Body=b"forged")
    uris = [f"s3://{BUCKET}/{key}" for key in good]
    s3.put_object(
        Bucket=BUCKET, Key=manifest_key(), Body=manifest_body([uris[0], bad_uri, *uris[1:]])
    )
    out = tmp_path / "deep" / "bill"
    code, _, stderr = fetch(out, s3)
    assert code == 1
    assert says in stderr
    assert "nothing was written" in stderr
    assert files_under(tmp_path) == {}


def test_a_bad_manifest_leaves_the_earlier_local_month_as_it_was(s3: Any, tmp_path: Path) -> None:
    deliver(s3, three_parts())
    out = tmp_path / "bill"
    assert fetch(out, s3)[0] == 0
    before = files_under(out)
    s3.put_object(
        Bucket=BUCKET,
        Key=manifest_key(),
        Body=manifest_body([f"s3://{BUCKET}/{partition()}../../../../x.parquet"]),
    )
    assert fetch(out, s3)[0] == 1
    assert files_under(out) == before


@pytest.mark.parametrize(
    ("body", "says"),
    [
        (b"{not json", "is not JSON"),
        (b"[]", "is not a JSON object"),
        (json.dumps({"executionId": "x"}).encode(), "no dataFiles list"),
        (json.dumps({"dataFiles": [1, 2]}).encode(), "no dataFiles list"),
        (manifest_body([], billingPeriod="2026-10"), "billingPeriod 2026-10"),
    ],
)
def test_an_unusable_manifest_is_an_error(body: bytes, says: str, s3: Any, tmp_path: Path) -> None:
    s3.put_object(Bucket=BUCKET, Key=manifest_key(), Body=body)
    code, _, stderr = fetch(tmp_path / "bill", s3)
    assert code == 1
    assert says in stderr
    assert files_under(tmp_path) == {}


def test_a_destination_behind_a_link_out_of_the_folder_is_refused(s3: Any, tmp_path: Path) -> None:
    deliver(s3, three_parts())
    out = tmp_path / "bill"
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (out / EXPORT).mkdir(parents=True)
    (out / EXPORT / "data").symlink_to(elsewhere, target_is_directory=True)
    code, _, stderr = fetch(out, s3)
    assert code == 1
    assert "resolves outside" in stderr
    assert list(elsewhere.iterdir()) == []


def test_cli_help_explains_the_command_with_an_example(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main(["bill", "fetch", "--help"])
    assert info.value.code == 0
    out = capsys.readouterr().out
    for flag in ("--bucket", "--prefix", "--export-name", "--period", "--out"):
        assert flag in out
    assert "Example: bedrock-costs bill fetch --bucket " in out
    assert "Manifest.json" in out
    assert "Exit codes" in out
    assert "IAM" in out
    with pytest.raises(SystemExit):
        main(["--help"])
    assert "bill" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("flag", "value", "message"),
    [
        ("--period", "2026-13", "YYYY-MM"),
        ("--period", "2026/11", "YYYY-MM"),
        ("--period", "2026-11-01", "YYYY-MM"),
        ("--export-name", "cur2/../x", "export name"),
        ("--bucket", "s3://tenant-billing", "bare S3 bucket name"),
        ("--workers", "0", "1 to 64"),
    ],
)
def test_cli_bad_arguments_exit_2(
    flag: str, value: str, message: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = {"--bucket": BUCKET, "--export-name": EXPORT, "--period": PERIOD, "--out": "x"}
    argv[flag] = value
    with pytest.raises(SystemExit) as info:
        main(["bill", "fetch", *[part for pair in argv.items() for part in pair]])
    assert info.value.code == 2
    assert message in capsys.readouterr().err
