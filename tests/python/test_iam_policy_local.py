"""The shipped runner policy against the AWS calls a real run makes on the local Athena.

The project is deployed and built twice on the local Athena (conftest.hashed_athena_build, shared
with test_tag_hashing_athena: the raw table, the salt table of hashed_tag_keys made and then
replaced, a full build, an incremental build, both hashing a key),
which records every S3, Glue and Athena request as IAM names it (tools/athena_local/aws_calls.py).
The policies in deploy/iam/ (dbt-runner-policy.json and, for hashed tag keys,
dbt-runner-tag-hash-salt-policy.json), filled in with the local buckets and schema, must allow
every recorded call (a missing permission fails) and every action they grant must be used by some
call or be on the short, explained list of what only real AWS does (an excess permission fails).
Each statement is then taken out in turn: the evaluator must find calls it no longer allows, so no
statement is dead.

What this does not prove: Athena's own calls beyond what Trino makes (listed in REAL_AWS_ONLY),
Lake Formation, KMS, and the exact condition keys of real S3 requests beyond `s3:prefix`.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

import iam_policy
from athena_local import __main__ as athena_local
from athena_local_harness import SALT_BUCKET, AthenaProject
from conftest import SALT_FOLDER, HashedAthenaBuild
from dbt_harness import PROJECT_DIR

pytestmark = [pytest.mark.dbt, pytest.mark.athena]

POLICY = PROJECT_DIR / "deploy" / "iam" / "dbt-runner-policy.json"
SALT_POLICY = PROJECT_DIR / "deploy" / "iam" / "dbt-runner-tag-hash-salt-policy.json"
SALT_PREFIX = SALT_FOLDER
RESULTS_PREFIX = "results"
DATA_PREFIX = "tables"

# Granted for what real AWS does and the local engine cannot show; (Sid, action).
REAL_AWS_ONLY = {
    # dbt-athena stops a query it gives up on (a timeout or Ctrl-C); no run here is cancelled
    ("RunQueriesInTheWorkGroup", "athena:StopQueryExecution"),
    # Athena looks up each bucket's Region before it reads or writes it
    ("LocateTheBuckets", "s3:GetBucketLocation"),
    # Athena's documented rights on a query-result location include listing it (the managed
    # policy AmazonAthenaFullAccess grants s3:ListBucket on aws-athena-query-results-*)
    ("ListQueryResultsOnly", "s3:ListBucket"),
    # Athena writes large results and Iceberg files as multipart uploads, and cleans up failed ones
    ("ListMultipartUploadsOfResultsAndTables", "s3:ListBucketMultipartUploads"),
    ("WriteQueryResultsAndTables", "s3:AbortMultipartUpload"),
    ("WriteQueryResultsAndTables", "s3:ListMultipartUploadParts"),
    # Athena reads a table's partitions from Glue unless projection answers (the raw table's
    # projection does; a table made without it, by hand or by a crawler, needs the grant)
    ("ReadTheRawLogTable", "glue:GetPartitions"),
    ("LocateTheSaltBucket", "s3:GetBucketLocation"),
}
# Calls the local engine makes that Athena does not make with the caller's permissions: Trino's
# Hive and Iceberg connectors keep column statistics in Glue, Athena does not.
NOT_ATHENA_ACTIONS = (
    "glue:GetColumnStatisticsForTable",
    "glue:UpdateColumnStatisticsForTable",
    "glue:DeleteColumnStatisticsForTable",
    "glue:GetColumnStatisticsForPartition",
    "glue:UpdateColumnStatisticsForPartition",
    "glue:DeleteColumnStatisticsForPartition",
)
# Calls IAM never authorizes: dbt-athena asks STS for the account id to name the Glue catalog, and
# "no permissions are required" for GetCallerIdentity; even an explicit deny does not stop it
# (AWS STS API reference, GetCallerIdentity). Granting it would be an unused permission.
NOT_AUTHORIZED_BY_IAM = ("sts:GetCallerIdentity",)


@pytest.fixture(scope="module")
def recorded(hashed_athena_build: HashedAthenaBuild) -> tuple[AthenaProject, list[dict]]:
    """The AWS calls of the shared deployment's dbt commands (conftest.hashed_athena_build)."""
    project = hashed_athena_build.project
    ignored = NOT_ATHENA_ACTIONS + NOT_AUTHORIZED_BY_IAM
    calls = [c for c in project.aws_calls() if c["action"] not in ignored]
    assert calls, "the local endpoint recorded no AWS call: is --request-log on?"
    return project, calls


def filled_policy(project: AthenaProject) -> dict[str, Any]:
    """The shipped policies with the local deployment's names (the raw schema is <schema>_raw)."""
    raw_schema = project.log_vars()["bedrock_raw_schema"]
    main, salt = (
        filled(path.read_text().replace("bedrock_raw", raw_schema), project)
        for path in (POLICY, SALT_POLICY)
    )
    return {**main, "Statement": [*main["Statement"], *salt["Statement"]]}


def filled(text: str, project: AthenaProject) -> dict[str, Any]:
    return iam_policy.fill(
        text,
        {
            "REGION": athena_local.REGION,
            "ACCOUNT_ID": athena_local.ACCOUNT_ID,
            "WORK_GROUP": "primary",
            "SCHEMA": project.schema,
            "LOG_BUCKET": athena_local.LOG_BUCKET,
            "LOG_PREFIX": project.log_prefix,
            "RESULTS_BUCKET": athena_local.RESULTS_BUCKET,
            "RESULTS_PREFIX": RESULTS_PREFIX,
            "DATA_BUCKET": athena_local.DATA_BUCKET,
            "DATA_PREFIX": DATA_PREFIX,
            "SALT_BUCKET": SALT_BUCKET,
            "SALT_PREFIX": f"{SALT_PREFIX}/{project.schema}",
        },
    )


def shown(calls: list[dict]) -> str:
    return "\n".join(json.dumps(c, sort_keys=True) for c in calls[:20])


def test_the_policy_allows_every_call_a_run_makes_and_grants_nothing_unused(
    recorded: tuple[AthenaProject, list[dict]],
) -> None:
    project, calls = recorded
    verdict = iam_policy.check(filled_policy(project), calls, REAL_AWS_ONLY)
    assert verdict.missing == [], "calls the policy denies:\n" + shown(verdict.missing)
    assert verdict.excess == [], f"granted but never used: {verdict.excess}"


def test_every_statement_is_needed(recorded: tuple[AthenaProject, list[dict]]) -> None:
    project, calls = recorded
    policy = filled_policy(project)
    for statement in policy["Statement"]:
        actions = {(statement["Sid"], a) for a in iam_policy.as_list(statement["Action"])}
        if statement["Effect"] != "Allow" or actions <= REAL_AWS_ONLY:
            continue
        without = {**policy, "Statement": [s for s in policy["Statement"] if s is not statement]}
        missing = iam_policy.check(without, calls, REAL_AWS_ONLY).missing
        assert missing, f"nothing a run does needs statement {statement['Sid']}"


def test_no_call_writes_under_the_log_prefix_and_the_deny_would_stop_one(
    recorded: tuple[AthenaProject, list[dict]],
) -> None:
    project, calls = recorded
    policy = filled_policy(project)
    log_objects = f"arn:aws:s3:::{athena_local.LOG_BUCKET}/{project.log_prefix}/"
    writes = [
        c
        for c in calls
        if c["action"] in ("s3:PutObject", "s3:DeleteObject")
        and any(r.startswith(log_objects) for r in c["resources"])
    ]
    assert writes == []
    forged = {
        "service": "s3",
        "action": "s3:PutObject",
        "resources": [f"{log_objects}AWSLogs/x.json.gz"],
    }
    assert not iam_policy.allowed(policy, forged)
    request = iam_policy.requests_of(forged)[0]
    assert iam_policy.decide(policy, request) == "deny"


def test_raw_reads_stay_in_the_log_prefix(
    recorded: tuple[AthenaProject, list[dict]],
) -> None:
    """Every object the run reads from the log bucket is a log under the prefix's AWSLogs/."""
    project, calls = recorded
    bucket = f"arn:aws:s3:::{athena_local.LOG_BUCKET}/"
    reads = [r for c in calls if c["action"] == "s3:GetObject" for r in c["resources"]]
    log_reads = [r for r in reads if r.startswith(bucket)]
    assert log_reads, "the run read no log object"
    outside = [r for r in log_reads if not r.startswith(f"{bucket}{project.log_prefix}/AWSLogs/")]
    assert outside == []


def test_the_recorded_calls_cover_the_three_services(
    recorded: tuple[AthenaProject, list[dict]],
) -> None:
    _, calls = recorded
    services = {c["action"].split(":")[0] for c in calls}
    assert services == {"athena", "glue", "s3"}, services
