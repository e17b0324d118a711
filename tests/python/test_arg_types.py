"""The shared argument types, and each sub-command given a wrong argument: a usage error."""

from __future__ import annotations

import argparse
from collections.abc import Callable

import pytest

from bedrock_costs.arg_types import (
    account_id,
    billing_period,
    bucket_name,
    export_name,
    int_between,
    iso_date,
    positive_int,
    region_code,
)
from bedrock_costs.cli import main


@pytest.mark.parametrize(
    ("parse", "good", "bad", "message"),
    [
        (account_id, "111122223333", "1111-2222-3333", "12-digit AWS account id"),
        (region_code, "ap-southeast-2", "US-EAST-1", "Region code like us-east-1"),
        (bucket_name, "my-bedrock-logs", "s3://my-bedrock-logs/x", "bare S3 bucket name"),
        (bucket_name, "Legacy_Bucket.2017", "my logs", "bare S3 bucket name"),
        (int_between(1, 64, "workers"), "64", "65", "expected 1 to 64 workers, got 65"),
        (int_between(1, 64, "workers"), "1", "eight", "expected a whole number"),
        (positive_int, "3", "0", "at least 1"),
        (iso_date, "2026-12-03", "03/12/2026", "YYYY-MM-DD"),
        (billing_period, "2026-12", "2026-00", "YYYY-MM"),
        (billing_period, "2026-01", "2026-1", "YYYY-MM"),
        (billing_period, "2026-11", "2026-11\n", "YYYY-MM"),
        (export_name, "cur2_hourly-Export", "cur2/../x", "export name"),
        (export_name, "x" * 128, "x" * 129, "export name"),
    ],
)
def test_each_type_takes_a_good_value_and_names_what_a_bad_one_should_be(
    parse: Callable[[str], object], good: str, bad: str, message: str
) -> None:
    assert str(parse(good)) == good
    with pytest.raises(argparse.ArgumentTypeError, match=message):
        parse(bad)


FETCH = ["logs", "fetch", "--bucket", "my-logs"]


@pytest.mark.parametrize(
    ("argv", "says"),
    [
        (["no-such-command"], "invalid choice: 'no-such-command'"),
        (["summary", "--limit", "0"], "argument --limit: expected a number of at least 1"),
        (["sample-logs", "--days", "many"], "argument --days: expected a whole number"),
        (["report", "--max-tag-keys", "-1"], "argument --max-tag-keys: expected a number"),
        (["logging", "enable", "--bucket", "my logs"], "argument --bucket: expected a bare"),
        (
            [*FETCH, "--from", "2026-13-01", "--to", "2026-12-01"],
            "argument --from: expected a date as YYYY-MM-DD",
        ),
        (
            [*FETCH, "--from", "2026-11-01", "--to", "2026-11-02", "--workers", "100"],
            "argument --workers: expected 1 to 64 workers, got 100",
        ),
        (
            ["pricing", "sync", "--region-code", "Virginia"],
            "argument --region-code: expected a Region code like us-east-1",
        ),
        (["build-history", "--from", "yesterday"], "argument --from: expected a date"),
        (["quicksight", "deploy"], "the following arguments are required: --schema"),
        (["athena"], "the following arguments are required: COMMAND"),
        (["athena", "check", "--region", "Virginia"], "argument --region: expected a Region"),
    ],
)
def test_a_wrong_argument_is_a_usage_error_that_names_it(
    argv: list[str], says: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as info:
        main(argv)
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert says in err
    assert "Traceback" not in err
