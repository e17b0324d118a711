"""The shipped IAM policy for the dbt runner: valid, least privilege, logs read-only."""

from __future__ import annotations

import json
from pathlib import Path

from dbt_harness import PROJECT_DIR

POLICY = PROJECT_DIR / "deploy" / "iam" / "dbt-runner-policy.json"
PLACEHOLDERS = (
    "REGION",
    "ACCOUNT_ID",
    "WORK_GROUP",
    "SCHEMA",
    "LOG_BUCKET",
    "LOG_PREFIX",
    "RESULTS_BUCKET",
    "RESULTS_PREFIX",
    "DATA_BUCKET",
    "DATA_PREFIX",
)
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


def as_list(value: str | list[str]) -> list[str]:
    return [value] if isinstance(value, str) else value


def test_policy_is_valid_iam_json() -> None:
    policy = load()
    assert policy["Version"] == "2012-10-17"
    sids = [statement["Sid"] for statement in policy["Statement"]]
    assert len(sids) == len(set(sids))
    for statement in policy["Statement"]:
        assert statement["Effect"] == "Allow"
        assert set(statement) <= {"Sid", "Effect", "Action", "Resource", "Condition"}


def test_no_wildcard_actions_and_only_the_services_used() -> None:
    actions = {a for s in load()["Statement"] for a in as_list(s["Action"])}
    assert all("*" not in action for action in actions)
    assert all(action.startswith(ALLOWED_PREFIXES) for action in actions)
    assert actions >= NEEDED


def test_every_resource_is_a_scoped_arn() -> None:
    for statement in load()["Statement"]:
        for resource in as_list(statement["Resource"]):
            assert resource != "*"
            assert resource.startswith(("arn:aws:athena:", "arn:aws:glue:", "arn:aws:s3:::"))
            assert any(p in resource for p in PLACEHOLDERS), resource


def test_bedrock_logs_are_read_only() -> None:
    for statement in load()["Statement"]:
        resources = " ".join(as_list(statement["Resource"]))
        if "LOG_BUCKET" in resources:
            for action in as_list(statement["Action"]):
                assert action in {"s3:GetObject", "s3:ListBucket", "s3:GetBucketLocation"}, action
