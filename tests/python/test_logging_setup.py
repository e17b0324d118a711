"""bedrock-costs logging enable | status against moto (S3 bucket policy, STS, Bedrock)."""

from __future__ import annotations

import io
import json
from typing import Any

import boto3
import botocore.credentials
import botocore.session
import pytest
from botocore.stub import Stubber

from bedrock_costs import logging_setup as ls
from bedrock_costs.cli import main

ACCOUNT = "123456789012"  # moto's account
REGION = "us-east-1"
BUCKET = "tenant-cost-logs"


def make_bucket(name: str = BUCKET, region: str = REGION) -> Any:
    s3 = boto3.client("s3", region_name=region)
    if region == "us-east-1":
        s3.create_bucket(Bucket=name)
    else:
        s3.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": region})
    return s3


def put_policy(statements: list[dict[str, Any]]) -> None:
    boto3.client("s3", region_name=REGION).put_bucket_policy(
        Bucket=BUCKET, Policy=json.dumps({"Version": "2012-10-17", "Statement": statements})
    )


def current_config() -> dict[str, Any]:
    response = boto3.client(
        "bedrock", region_name=REGION
    ).get_model_invocation_logging_configuration()
    return response.get("loggingConfig") or {}


def documented(prefix: str = "bedrock") -> dict[str, Any]:
    return ls.required_statement(BUCKET, prefix, ACCOUNT, REGION)


# --- the policy check itself -------------------------------------------------------------------


def test_documented_statement_grants() -> None:
    policy = json.dumps({"Statement": [documented()]})
    check = ls.check_bucket_policy(policy, BUCKET, "bedrock", ACCOUNT, REGION)
    assert check.allowed
    assert check.warnings == []
    assert documented()["Resource"] == [
        f"arn:aws:s3:::{BUCKET}/bedrock/AWSLogs/{ACCOUNT}/BedrockModelInvocationLogs/*"
    ]


def test_prefix_slashes_do_not_matter() -> None:
    policy = json.dumps({"Statement": [documented("bedrock")]})
    assert ls.check_bucket_policy(policy, BUCKET, "/bedrock/", ACCOUNT, REGION).allowed


def test_bucket_wide_wildcard_grants_but_missing_source_account_warns() -> None:
    statement = {
        "Effect": "Allow",
        "Principal": {"Service": ["logging.s3.amazonaws.com", "bedrock.amazonaws.com"]},
        "Action": "s3:*",
        "Resource": f"arn:aws:s3:::{BUCKET}/*",
    }
    check = ls.check_bucket_policy(
        json.dumps({"Statement": statement}), BUCKET, "", ACCOUNT, REGION
    )
    assert check.allowed
    assert any("aws:SourceAccount" in warning for warning in check.warnings)


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"Action": ["s3:GetObject"]}, "does not allow s3:PutObject"),
        (
            {"Resource": [f"arn:aws:s3:::{BUCKET}/other/AWSLogs/{ACCOUNT}/*"]},
            "does not cover",
        ),
        (
            {
                "Resource": [
                    f"arn:aws:s3:::{BUCKET}/bedrock/AWSLogs/{ACCOUNT}/"
                    "BedrockModelInvocationLogs/eu-west-1/*"
                ]
            },
            "does not cover",
        ),
        (
            {"Condition": {"StringEquals": {"aws:SourceAccount": "999999999999"}}},
            "does not include 123456789012",
        ),
        (
            {"Condition": {"ArnLike": {"aws:SourceArn": "arn:aws:bedrock:eu-west-1:*:*"}}},
            "does not match arn:aws:bedrock:us-east-1",
        ),
        ({"Principal": {"Service": "delivery.logs.amazonaws.com"}}, "no statement allows"),
        ({"Effect": "Deny"}, "no statement allows"),
    ],
)
def test_what_is_missing_is_named(change: dict[str, Any], expected: str) -> None:
    statement = {**documented(), **change}
    check = ls.check_bucket_policy(
        json.dumps({"Statement": [statement]}), BUCKET, "bedrock", ACCOUNT, REGION
    )
    assert not check.allowed
    assert any(expected in problem for problem in check.problems), check.problems


FOREIGN = "999999999999"
ARN = f"arn:aws:bedrock:{REGION}:{ACCOUNT}:*"


def check_with(condition: dict[str, Any], **changes: Any) -> ls.PolicyCheck:
    statement = {**documented(), "Condition": condition, **changes}
    policy = json.dumps({"Statement": [statement]})
    return ls.check_bucket_policy(policy, BUCKET, "bedrock", ACCOUNT, REGION)


def deputy_warnings(check: ls.PolicyCheck) -> list[str]:
    return [w for w in check.warnings if "confused deputy" in w]


@pytest.mark.parametrize(
    "condition",
    [
        {"StringLike": {"aws:SourceAccount": "*"}},
        {"StringLike": {"aws:SourceAccount": "1234*"}},
        {"StringLike": {"aws:SourceAccount": "12345678901?"}},
        {"StringEquals": {"aws:SourceAccount": [ACCOUNT, FOREIGN]}},
        {"StringLike": {"aws:SourceAccount": [ACCOUNT, "*"]}},
        {"StringLike": {"aws:SourceAccount": "*"}, "ArnLike": {"aws:SourceArn": "arn:aws:*"}},
        # StringLike's * spans colons, so the account field does not pin the ARN
        {"StringLike": {"aws:SourceArn": f"arn:aws:bedrock:*:{ACCOUNT}:*"}},
        {"ArnLike": {"aws:SourceArn": [ARN, f"arn:aws:bedrock:{REGION}:{FOREIGN}:*"]}},
        {"ArnLike": {"aws:SourceArn": f"arn:aws:bedrock:{REGION}:1234*:*"}},
    ],
)
def test_source_account_with_wildcards_or_foreign_accounts_is_not_pinned(
    condition: dict[str, Any],
) -> None:
    """R7: these let another account's Bedrock deliver here, yet used to pass as pinned."""
    check = check_with(condition)
    assert check.allowed
    assert deputy_warnings(check), check.warnings


@pytest.mark.parametrize(
    "condition",
    [
        {"StringEquals": {"aws:SourceAccount": ACCOUNT}},
        {"StringLike": {"aws:SourceAccount": [ACCOUNT]}},
        {"StringEquals": {"aws:SourceAccount": [ACCOUNT, ACCOUNT]}},
        {"ArnLike": {"aws:SourceArn": ARN}},
        {"ArnLike": {"aws:SourceArn": f"arn:aws:bedrock:*:{ACCOUNT}:*"}},
        {"StringLike": {"aws:SourceArn": ARN}},
        # One exact pin is enough: the conditions of a statement all have to hold.
        {"StringEquals": {"aws:SourceAccount": ACCOUNT}, "ArnLike": {"aws:SourceArn": "arn:*"}},
    ],
)
def test_exact_source_account_or_arn_account_is_pinned(condition: dict[str, Any]) -> None:
    check = check_with(condition)
    assert check.allowed
    assert deputy_warnings(check) == []


PUBLIC_WRITE = {
    "Sid": "Anyone",
    "Effect": "Allow",
    "Principal": "*",
    "Action": "s3:PutObject",
    "Resource": f"arn:aws:s3:::{BUCKET}/*",
}


@pytest.mark.parametrize(
    "change",
    [
        {},
        {"Principal": {"AWS": "*"}, "Action": "s3:*"},
        {"Principal": {"AWS": ["*"]}, "Action": ["*"]},
        {"Action": "s3:Put*", "Resource": f"arn:aws:s3:::{BUCKET}/bedrock/AWSLogs/*"},
        {"Condition": {"Bool": {"aws:SecureTransport": "true"}}},
        {"Condition": {"StringLike": {"aws:SourceAccount": "*"}}},
        {"Condition": {"StringNotEquals": {"aws:PrincipalAccount": FOREIGN}}},
        {"Condition": {"StringEqualsIfExists": {"aws:PrincipalOrgID": "o-abc"}}},
    ],
)
def test_public_write_on_the_log_prefix_is_found(change: dict[str, Any]) -> None:
    """R7: anyone may put objects where the logs go (next to the documented statement)."""
    policy = json.dumps({"Statement": [documented(), {**PUBLIC_WRITE, **change}]})
    check = ls.check_bucket_policy(policy, BUCKET, "bedrock", ACCOUNT, REGION)
    assert check.public_write, check
    assert "Anyone" in check.public_write[0]


@pytest.mark.parametrize(
    "change",
    [
        {"Condition": {"StringEquals": {"aws:SourceAccount": ACCOUNT}}},
        {"Condition": {"StringEquals": {"aws:PrincipalOrgID": "o-abc123"}}},
        {"Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"}},
        {"Principal": {"Service": "bedrock.amazonaws.com"}},
        {"Action": "s3:GetObject"},
        {"Resource": f"arn:aws:s3:::{BUCKET}/uploads/*"},
        {"Effect": "Deny"},
    ],
)
def test_restricted_or_unrelated_statements_are_not_public_write(change: dict[str, Any]) -> None:
    policy = json.dumps({"Statement": [documented(), {**PUBLIC_WRITE, **change}]})
    check = ls.check_bucket_policy(policy, BUCKET, "bedrock", ACCOUNT, REGION)
    assert check.public_write == []


@pytest.mark.usefixtures("aws")
def test_enable_refuses_a_public_write_policy_unless_accepted(
    capsys: pytest.CaptureFixture[str],
) -> None:
    make_bucket()
    put_policy([documented(), PUBLIC_WRITE])
    argv = ["logging", "enable", "--bucket", BUCKET, "--prefix", "bedrock"]
    assert main([*argv, "--fix-bucket-policy"]) == 1
    err = capsys.readouterr().err
    assert "PUBLIC WRITE" in err
    assert "--accept-public-write" in err
    assert current_config() == {}
    assert main([*argv, "--accept-public-write"]) == 0
    assert "PUBLIC WRITE" in capsys.readouterr().err
    assert current_config()["s3Config"]["bucketName"] == BUCKET


@pytest.mark.usefixtures("aws")
def test_enable_warns_when_source_account_is_a_wildcard(
    capsys: pytest.CaptureFixture[str],
) -> None:
    make_bucket()
    statement = {**documented(), "Condition": {"StringLike": {"aws:SourceAccount": "*"}}}
    put_policy([statement])
    assert main(["logging", "enable", "--bucket", BUCKET, "--prefix", "bedrock"]) == 0
    assert "confused deputy" in capsys.readouterr().err


def test_unconditional_deny_blocks_and_tls_only_deny_does_not() -> None:
    deny = {
        "Sid": "NoWrites",
        "Effect": "Deny",
        "Principal": "*",
        "Action": "s3:Put*",
        "Resource": f"arn:aws:s3:::{BUCKET}/*",
    }
    policy = json.dumps({"Statement": [documented(), deny]})
    check = ls.check_bucket_policy(policy, BUCKET, "bedrock", ACCOUNT, REGION)
    assert not check.allowed
    assert "Deny statement NoWrites" in check.problems[0]
    tls_only = {**deny, "Condition": {"Bool": {"aws:SecureTransport": "false"}}}
    policy = json.dumps({"Statement": [documented(), tls_only]})
    assert ls.check_bucket_policy(policy, BUCKET, "bedrock", ACCOUNT, REGION).allowed


def test_no_policy_and_broken_policy_are_reported() -> None:
    assert (
        "no bucket policy" in ls.check_bucket_policy(None, BUCKET, "", ACCOUNT, REGION).problems[0]
    )
    assert "not valid JSON" in ls.check_bucket_policy("{", BUCKET, "", ACCOUNT, REGION).problems[0]


def test_merged_policy_keeps_existing_statements_and_unique_sids() -> None:
    existing = json.dumps(
        {"Version": "2012-10-17", "Statement": [{"Sid": "AmazonBedrockLogsWrite"}]}
    )
    merged = ls.merged_policy(existing, documented())
    assert merged["Statement"][0] == {"Sid": "AmazonBedrockLogsWrite"}
    assert merged["Statement"][1]["Sid"] == "AmazonBedrockLogsWrite2"


# --- enable / status end to end on moto ---------------------------------------------------------


@pytest.mark.usefixtures("aws")
def test_enable_without_policy_prints_the_statement_and_changes_nothing(
    capsys: pytest.CaptureFixture[str],
) -> None:
    make_bucket()
    code = main(["logging", "enable", "--bucket", BUCKET, "--prefix", "bedrock"])
    captured = capsys.readouterr()
    assert code == 1
    assert "no bucket policy" in captured.err
    assert "--fix-bucket-policy" in captured.err
    printed = json.loads(captured.out)
    assert printed["Statement"] == [documented()]
    assert current_config() == {}


@pytest.mark.usefixtures("aws")
def test_enable_with_documented_policy_turns_logging_on_with_bodies_off(
    capsys: pytest.CaptureFixture[str],
) -> None:
    make_bucket()
    put_policy([documented()])
    code = main(["logging", "enable", "--bucket", BUCKET, "--prefix", "bedrock/"])
    out = capsys.readouterr().out
    assert code == 0
    config = current_config()
    assert config["s3Config"] == {"bucketName": BUCKET, "keyPrefix": "bedrock"}
    for flag in ls.DELIVERY_FLAGS.values():
        assert config[flag] is False
    assert f"s3://{BUCKET}/bedrock/AWSLogs/" in out
    assert "bedrock-costs logs fetch --bucket tenant-cost-logs --prefix bedrock" in out


@pytest.mark.usefixtures("aws")
def test_enable_body_flags_and_existing_cloudwatch_destination_is_kept(
    capsys: pytest.CaptureFixture[str],
) -> None:
    make_bucket()
    put_policy([documented("")])
    cloudwatch = {
        "logGroupName": "bedrock-invocations",
        "roleArn": f"arn:aws:iam::{ACCOUNT}:role/r",
    }
    boto3.client("bedrock", region_name=REGION).put_model_invocation_logging_configuration(
        loggingConfig={"cloudWatchConfig": cloudwatch, "textDataDeliveryEnabled": True}
    )
    code = main(["logging", "enable", "--bucket", BUCKET, "--image-bodies", "--video-bodies"])
    assert code == 0
    config = current_config()
    assert config["cloudWatchConfig"] == cloudwatch
    assert config["s3Config"] == {"bucketName": BUCKET}
    assert config["imageDataDeliveryEnabled"] is True
    assert config["videoDataDeliveryEnabled"] is True
    assert config["textDataDeliveryEnabled"] is False
    assert "Bodies logged:   image, video" in capsys.readouterr().out


@pytest.mark.usefixtures("aws")
def test_fix_bucket_policy_appends_the_statement_then_enables() -> None:
    make_bucket()
    other = {
        "Sid": "ReadOnly",
        "Effect": "Allow",
        "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"},
        "Action": "s3:GetObject",
        "Resource": f"arn:aws:s3:::{BUCKET}/*",
    }
    put_policy([other])
    code = main(["logging", "enable", "--bucket", BUCKET, "--prefix", "p", "--fix-bucket-policy"])
    assert code == 0
    policy = json.loads(
        boto3.client("s3", region_name=REGION).get_bucket_policy(Bucket=BUCKET)["Policy"]
    )
    assert policy["Statement"][0]["Sid"] == "ReadOnly"
    assert policy["Statement"][1]["Resource"] == documented("p")["Resource"]
    assert current_config()["s3Config"]["keyPrefix"] == "p"


@pytest.mark.usefixtures("aws")
def test_bucket_in_another_region_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    make_bucket(region="eu-west-1")
    code = main(["logging", "enable", "--bucket", BUCKET, "--region", REGION])
    assert code == 1
    err = capsys.readouterr().err
    assert "is in eu-west-1" in err
    assert "--region eu-west-1" in err
    assert current_config() == {}


@pytest.mark.usefixtures("aws")
def test_status_says_off_then_shows_the_destination(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["logging", "status"]) == 0
    assert "logging is off" in capsys.readouterr().out
    boto3.client("bedrock", region_name=REGION).put_model_invocation_logging_configuration(
        loggingConfig={
            "s3Config": {"bucketName": BUCKET, "keyPrefix": "logs"},
            "textDataDeliveryEnabled": True,
        }
    )
    assert main(["logging", "status", "--region", REGION]) == 0
    out = capsys.readouterr().out
    assert f"Model invocation logging in {REGION}: on" in out
    assert f"s3://{BUCKET}/logs/AWSLogs/" in out
    assert "Bodies logged:   text" in out


def test_access_denied_names_the_missing_iam_action() -> None:
    bedrock = boto3.client(
        "bedrock", region_name=REGION, aws_access_key_id="a", aws_secret_access_key="b"
    )
    with Stubber(bedrock) as stubber:
        stubber.add_client_error(
            "get_model_invocation_logging_configuration",
            service_error_code="AccessDeniedException",
            service_message="User is not authorized",
            http_status_code=403,
        )
        err = io.StringIO()
        code = ls.show_status(REGION, bedrock=bedrock, stdout=io.StringIO(), stderr=err)
    assert code == 1
    assert "bedrock:GetModelInvocationLoggingConfiguration" in err.getvalue()


def test_missing_credentials_say_how_to_configure(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # A session whose credential chain is empty: the first call fails to sign, no network.
    botocore_session = botocore.session.get_session()
    botocore_session.register_component(
        "credential_provider", botocore.credentials.CredentialResolver(providers=[])
    )
    session = boto3.session.Session(botocore_session=botocore_session, region_name=REGION)
    monkeypatch.setattr(ls, "_session", lambda region: session)
    code = main(["logging", "enable", "--bucket", BUCKET, "--region", REGION])
    assert code == 1
    err = capsys.readouterr().err
    assert "no usable AWS credentials" in err
    assert "aws configure" in err


def test_bad_bucket_name_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main(["logging", "enable", "--bucket", "s3://x/y"])
    assert info.value.code == 2
    assert "bare S3 bucket name" in capsys.readouterr().err
