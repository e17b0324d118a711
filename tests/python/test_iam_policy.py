"""The shipped IAM policy for the dbt runner: valid, least privilege, logs read-only."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import iam_policy
from dbt_harness import PROJECT_DIR

POLICY = PROJECT_DIR / "deploy" / "iam" / "dbt-runner-policy.json"
# Attached as well only when var hashed_tag_keys is set: the salt's Glue table and S3 folder.
SALT_POLICY = PROJECT_DIR / "deploy" / "iam" / "dbt-runner-tag-hash-salt-policy.json"
POLICIES = pytest.mark.parametrize("path", [POLICY, SALT_POLICY], ids=["runner", "salt"])
PLACEHOLDERS = iam_policy.PLACEHOLDERS
# Everything the pipeline calls: Athena queries, Glue catalog upkeep for its own tables (dbt-athena
# renames and expires table versions), S3 reads of the logs and writes of results and tables.
NEEDED = {
    "athena:GetWorkGroup",
    "athena:StartQueryExecution",
    "athena:GetQueryExecution",
    "athena:GetQueryResults",
    "glue:GetTable",
    "glue:CreateTable",
    "glue:DeleteTable",
    "glue:GetTableVersions",
    "s3:GetObject",
    "s3:PutObject",
    "s3:ListBucket",
}
ALLOWED_PREFIXES = ("athena:", "glue:", "s3:")


def load(path: Path = POLICY) -> dict:
    return json.loads(path.read_text())


as_list = iam_policy.as_list


@POLICIES
def test_policy_is_valid_iam_json(path: Path) -> None:
    policy = load(path)
    assert policy["Version"] == "2012-10-17"
    sids = [statement["Sid"] for statement in policy["Statement"]]
    assert len(sids) == len(set(sids))
    for statement in policy["Statement"]:
        assert statement["Effect"] in {"Allow", "Deny"}
        assert set(statement) <= {"Sid", "Effect", "Action", "Resource", "Condition"}


def test_no_wildcard_actions_and_only_the_services_used() -> None:
    statements = [*load()["Statement"], *load(SALT_POLICY)["Statement"]]
    actions = {a for s in statements for a in as_list(s["Action"])}
    assert all("*" not in action for action in actions)
    assert all(action.startswith(ALLOWED_PREFIXES) for action in actions)
    assert actions >= NEEDED


@POLICIES
def test_every_resource_is_a_scoped_arn(path: Path) -> None:
    for statement in load(path)["Statement"]:
        for resource in as_list(statement["Resource"]):
            assert resource != "*"
            assert resource.startswith(("arn:aws:athena:", "arn:aws:glue:", "arn:aws:s3:::"))
            assert any(p in resource for p in PLACEHOLDERS), resource


@POLICIES
def test_bedrock_logs_are_read_only(path: Path) -> None:
    for statement in load(path)["Statement"]:
        if statement["Effect"] == "Deny":
            continue
        resources = " ".join(as_list(statement["Resource"]))
        if "LOG_BUCKET" in resources:
            for action in as_list(statement["Action"]):
                assert action in {"s3:GetObject", "s3:ListBucket", "s3:GetBucketLocation"}, action


LAYERS = ("staging", "intermediate", "marts", "reference", "semantic")
VALUES = {
    "REGION": "us-east-1",
    "ACCOUNT_ID": "123456789012",
    "WORK_GROUP": "dbt",
    "SCHEMA": "bedrock",
    "LOG_BUCKET": "logs",
    "LOG_PREFIX": "bedrock",
    "RESULTS_BUCKET": "results",
    "RESULTS_PREFIX": "dbt",
    "DATA_BUCKET": "data",
    "DATA_PREFIX": "tables",
    "SALT_BUCKET": "secrets",
    "SALT_PREFIX": "bedrock-costs-salt",
}
GLUE = "arn:aws:glue:us-east-1:123456789012"


def filled() -> dict:
    return iam_policy.load_filled(POLICY, VALUES)


def s3(action: str, resource: str, prefix: str | None = None) -> dict:
    call: dict = {"action": action, "resources": [resource]}
    if prefix is not None:
        call["context"] = {"s3:prefix": prefix}
    return call


def glue(action: str, database: str, table: str | None = None) -> dict:
    resources = [f"{GLUE}:catalog", f"{GLUE}:database/{database}"]
    if table:
        resources.append(f"{GLUE}:table/{database}/{table}")
    return {"action": action, "resources": resources}


def test_get_bucket_location_is_allowed_without_a_prefix_condition() -> None:
    """H1: a GetBucketLocation request carries no s3:prefix, so a prefix condition denies it."""
    policy = filled()
    for bucket in ("logs", "results", "data"):
        assert iam_policy.allowed(policy, s3("s3:GetBucketLocation", f"arn:aws:s3:::{bucket}"))
    for statement in load()["Statement"]:
        if "s3:GetBucketLocation" in as_list(statement["Action"]):
            assert "Condition" not in statement


def test_glue_writes_reach_the_five_layer_databases_only() -> None:
    """H2: no SCHEMA_* wildcard; the raw table and other teams' databases get no write."""
    policy = filled()
    text = POLICY.read_text()
    assert "SCHEMA_*" not in text
    for layer in LAYERS:
        assert iam_policy.allowed(policy, glue("glue:DeleteTable", f"bedrock_{layer}", "t"))
    for database in ("bedrock_raw", "bedrock_other_team", "bedrock_marts_old"):
        assert not iam_policy.allowed(policy, glue("glue:DeleteTable", database, "t"))
        assert not iam_policy.allowed(policy, glue("glue:UpdateTable", database, "t"))
    raw = glue("glue:DeleteTable", "bedrock_raw", "invocation_logs_raw")
    assert not iam_policy.allowed(policy, raw)
    assert iam_policy.allowed(policy, glue("glue:GetTable", "bedrock_raw", "invocation_logs_raw"))


def test_log_prefix_writes_are_denied_explicitly_and_listings_are_by_prefix() -> None:
    """H3: an explicit Deny protects the logs from any other grant; ListBucket needs a prefix."""
    policy = filled()
    for action in ("s3:PutObject", "s3:DeleteObject", "s3:DeleteObjectVersion"):
        request = iam_policy.Request(action, "arn:aws:s3:::logs/bedrock/AWSLogs/x.json.gz")
        assert iam_policy.decide(policy, request) == "deny"
    # the Deny wins even over an Allow someone adds later (here: everything on the log bucket)
    widened = {**policy, "Statement": [*policy["Statement"]]}
    widened["Statement"].append(
        {"Sid": "Later", "Effect": "Allow", "Action": "s3:*", "Resource": "arn:aws:s3:::logs/*"}
    )
    assert not iam_policy.allowed(widened, s3("s3:PutObject", "arn:aws:s3:::logs/bedrock/a"))
    assert iam_policy.allowed(policy, s3("s3:ListBucket", "arn:aws:s3:::data", "tables/x/"))
    assert iam_policy.allowed(policy, s3("s3:ListBucket", "arn:aws:s3:::results", "dbt/q"))
    assert not iam_policy.allowed(policy, s3("s3:ListBucket", "arn:aws:s3:::data", "other/"))
    assert not iam_policy.allowed(policy, s3("s3:ListBucket", "arn:aws:s3:::data"))
    assert not iam_policy.allowed(policy, s3("s3:ListBucket", "arn:aws:s3:::results", ""))
    for statement in load()["Statement"]:
        if "s3:ListBucket" in as_list(statement["Action"]):
            assert "s3:prefix" in statement["Condition"]["StringLike"], statement["Sid"]


def test_the_evaluator_finds_missing_and_excess_grants() -> None:
    policy = filled()
    calls = [
        s3("s3:GetObject", "arn:aws:s3:::logs/bedrock/AWSLogs/1.json.gz"),
        s3("s3:ListBucket", "arn:aws:s3:::logs", "bedrock/AWSLogs/1/"),
    ]
    verdict = iam_policy.check(policy, calls, set())
    assert verdict.missing == []
    assert ("ReadBedrockLogsOnly", "s3:GetObject") not in verdict.excess
    assert ("ListQueryResultsOnly", "s3:ListBucket") in verdict.excess
    without = {
        **policy,
        "Statement": [s for s in policy["Statement"] if s["Sid"] != "ReadBedrockLogsOnly"],
    }
    assert iam_policy.check(without, calls, set()).missing == [calls[0]]


def test_the_salt_policy_reads_only_the_salt_folder_and_its_table() -> None:
    """Hashed tag keys: the runner reads the salt's object and table, and writes neither."""
    policy = iam_policy.load_filled(SALT_POLICY, VALUES)
    salt = "arn:aws:s3:::secrets/bedrock-costs-salt/salt.txt"
    assert iam_policy.allowed(policy, s3("s3:GetObject", salt))
    assert iam_policy.allowed(
        policy, s3("s3:ListBucket", "arn:aws:s3:::secrets", "bedrock-costs-salt/")
    )
    assert not iam_policy.allowed(policy, s3("s3:GetObject", "arn:aws:s3:::secrets/other/key"))
    assert not iam_policy.allowed(policy, s3("s3:ListBucket", "arn:aws:s3:::secrets", "other/"))
    assert not iam_policy.allowed(policy, s3("s3:PutObject", salt))
    assert iam_policy.allowed(policy, glue("glue:GetTable", "bedrock_raw", "tag_hash_salt"))
    assert not iam_policy.allowed(
        policy, glue("glue:DeleteTable", "bedrock_raw", "invocation_logs_raw")
    )
    assert not iam_policy.allowed(policy, glue("glue:UpdateTable", "bedrock_raw", "tag_hash_salt"))


def test_a_statement_the_evaluator_cannot_read_raises_or_is_noted() -> None:
    request = iam_policy.Request("s3:GetObject", "arn:aws:s3:::b/k")
    policy = {
        "Statement": [
            {"Sid": "Odd", "Effect": "Allow", "NotAction": "iam:*", "Resource": "*"},
            {"Sid": "Reads", "Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"},
        ]
    }
    with pytest.raises(ValueError, match="NotAction"):
        iam_policy.decide(policy, request)
    noted: list[str] = []
    assert iam_policy.decide(policy, request, noted) == "allow"
    assert iam_policy.decide(policy, request, noted) == "allow"
    assert len(noted) == 1
    assert noted[0].startswith("Odd: ")
    only_odd = {"Statement": policy["Statement"][:1]}
    assert iam_policy.decide(only_odd, request, noted) == "implicit"
