"""``bedrock-costs logging enable | status``: turn on Bedrock model invocation logging to S3.

``enable`` checks, before it changes anything, that the bucket is in the logging Region and that
its bucket policy lets the ``bedrock.amazonaws.com`` service principal ``s3:PutObject`` under
``<prefix>/AWSLogs/<account>/BedrockModelInvocationLogs/`` (the statement the Bedrock user guide
documents, with an ``aws:SourceAccount`` condition). When it does not, the command explains what
is missing, prints the statement to add and stops; ``--fix-bucket-policy`` adds it instead.
Then it calls ``PutModelInvocationLoggingConfiguration`` with the S3 destination and every body
delivery (text, image, embedding, video, audio) off unless asked for: token counts, request
metadata and the other record fields are logged either way, and the bodies only add risk
(prompts and answers at rest) and storage cost. An existing CloudWatch destination is kept.

Two policies would let someone other than this account's Bedrock write log records that
``logs fetch`` and the marts take as real (security review R7). A statement counts as pinned to
the account only when every ``aws:SourceAccount`` value is the account id itself (or every
``aws:SourceArn`` value names it exactly in the account field), with no wildcard and no other
account in a list, whatever the operator: otherwise it gets the confused-deputy warning. A
public-write statement (``Allow`` to ``"*"`` of ``s3:PutObject`` on the log prefix, with no
condition that narrows who) makes ``enable`` stop without changing anything, unless
``--accept-public-write``.

``status`` prints ``GetModelInvocationLoggingConfiguration`` readably.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Final, TextIO

from bedrock_costs.arg_types import bucket_name
from bedrock_costs.aws_errors import explain
from bedrock_costs.exit_codes import EXIT_FAILURE, EXIT_OK, EXIT_USAGE

BEDROCK_SERVICE: Final = "bedrock.amazonaws.com"
STATEMENT_SID: Final = "AmazonBedrockLogsWrite"
#: LoggingConfig body-delivery flags (botocore 1.44.8 model) and the CLI words for them.
DELIVERY_FLAGS: Final = {
    "text": "textDataDeliveryEnabled",
    "image": "imageDataDeliveryEnabled",
    "embedding": "embeddingDataDeliveryEnabled",
    "video": "videoDataDeliveryEnabled",
    "audio": "audioDataDeliveryEnabled",
}
_ACCOUNT_KEY: Final = "aws:sourceaccount"
_SOURCE_ARN_KEY: Final = "aws:sourcearn"
_WILDCARDS: Final = ("*", "?")
#: Condition keys that, with exact values, narrow *who* may use a statement to a known set.
_WHO_KEYS: Final = frozenset(
    {
        "aws:sourceaccount",
        "aws:sourcearn",
        "aws:sourceorgid",
        "aws:sourceorgpaths",
        "aws:principalaccount",
        "aws:principalarn",
        "aws:principalorgid",
        "aws:principalorgpaths",
        "aws:principalservicename",
        "aws:userid",
        "aws:sourcevpc",
        "aws:sourcevpce",
    }
)


def normalise_prefix(prefix: str) -> str:
    """The key prefix as Bedrock's ``keyPrefix`` takes it: no leading or trailing ``/``."""
    return prefix.strip("/")


def log_root(prefix: str) -> str:
    """The part of every log key before ``AWSLogs/``: ``"p/"`` for prefix ``p``, else ``""``."""
    prefix = normalise_prefix(prefix)
    return f"{prefix}/" if prefix else ""


def required_resource(bucket: str, prefix: str, account: str) -> str:
    """The object ARN pattern Bedrock writes to (as in the Bedrock user guide's bucket policy)."""
    return f"arn:aws:s3:::{bucket}/{log_root(prefix)}AWSLogs/{account}/BedrockModelInvocationLogs/*"


def required_statement(bucket: str, prefix: str, account: str, region: str) -> dict[str, Any]:
    """The bucket policy statement the Bedrock user guide documents for invocation logging."""
    return {
        "Sid": STATEMENT_SID,
        "Effect": "Allow",
        "Principal": {"Service": BEDROCK_SERVICE},
        "Action": ["s3:PutObject"],
        "Resource": [required_resource(bucket, prefix, account)],
        "Condition": {
            "StringEquals": {"aws:SourceAccount": account},
            "ArnLike": {"aws:SourceArn": f"arn:aws:bedrock:{region}:{account}:*"},
        },
    }


def _glob(pattern: str) -> re.Pattern[str]:
    """IAM wildcard pattern (``*`` any run, ``?`` one character) as a regex."""
    parts = (".*" if ch == "*" else "." if ch == "?" else re.escape(ch) for ch in pattern)
    return re.compile("".join(parts), re.DOTALL)


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, list) else [value]


def _covers(patterns: Iterable[str], text: str, *, ignore_case: bool = False) -> bool:
    for pattern in patterns:
        if not isinstance(pattern, str):
            continue
        if ignore_case:
            pattern, text = pattern.lower(), text.lower()
        if _glob(pattern).fullmatch(text):
            return True
    return False


def _principal_matches(statement: dict[str, Any]) -> bool:
    principal = statement.get("Principal")
    if principal == "*":
        return True
    if not isinstance(principal, dict):
        return False
    return BEDROCK_SERVICE in _as_list(principal.get("Service")) or "*" in _as_list(
        principal.get("AWS")
    )


def _is_public_principal(statement: dict[str, Any]) -> bool:
    """``Principal: "*"`` or ``{"AWS": "*"}`` (also in a list): anyone, signed in or not."""
    principal = statement.get("Principal")
    return principal == "*" or (
        isinstance(principal, dict) and "*" in _as_list(principal.get("AWS"))
    )


def _exact(values: list[Any]) -> bool:
    """A non-empty list of strings without IAM wildcards."""
    return bool(values) and all(
        isinstance(value, str) and value and not any(w in value for w in _WILDCARDS)
        for value in values
    )


def _narrows_who(condition: Any) -> bool:
    """Does the condition limit a statement to known principals or sources?

    Only a positive operator (not ``...Not...``, not ``...IfExists``, which passes when the key
    is absent) on a key of :data:`_WHO_KEYS` with exact values counts.
    """
    if not isinstance(condition, dict):
        return False
    for operator, clauses in condition.items():
        if not isinstance(clauses, dict) or not isinstance(operator, str):
            continue
        if "Not" in operator or operator.endswith("IfExists") or ":" in operator:
            continue
        for key, values in clauses.items():
            if str(key).lower() in _WHO_KEYS and _exact(_as_list(values)):
                return True
    return False


@dataclass
class PolicyCheck:
    """What the bucket policy means for Bedrock's log delivery."""

    allowed: bool
    problems: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    public_write: list[str] = field(default_factory=list)
    """Statements that let anyone put objects under the log prefix (with no condition on who)."""


def _check_conditions(
    condition: dict[str, Any], account: str, region: str
) -> tuple[list[str], bool]:
    """Problems a statement's conditions cause for Bedrock, and whether SourceAccount is pinned."""
    problems: list[str] = []
    pinned = False
    source_arn = f"arn:aws:bedrock:{region}:{account}:*"
    for operator, clauses in condition.items():
        if not isinstance(clauses, dict):
            problems.append(f"condition operator {operator} is malformed")
            continue
        for key, values in clauses.items():
            wanted = _as_list(values)
            lowered = key.lower()
            if lowered == _ACCOUNT_KEY and operator in ("StringEquals", "StringLike"):
                if not _covers(wanted, account):
                    problems.append(
                        f"its {operator} aws:SourceAccount {wanted} does not include {account}"
                    )
                elif all(value == account for value in wanted):
                    pinned = True  # exactly this account: no wildcard, no other account
            elif lowered == _SOURCE_ARN_KEY and operator in ("ArnLike", "StringLike"):
                if not _covers(wanted, source_arn):
                    problems.append(
                        f"its {operator} aws:SourceArn {wanted} does not match {source_arn}"
                    )
                elif all(_arn_pins(pattern, account, operator) for pattern in wanted):
                    pinned = True
            else:
                problems.append(
                    f"it has a condition this check cannot evaluate ({operator} {key}); use the "
                    "documented aws:SourceAccount / aws:SourceArn conditions, or pass "
                    "--skip-bucket-check if you are sure it lets Bedrock write"
                )
    return problems, pinned


def _arn_pins(pattern: Any, account: str, operator: str) -> bool:
    """Does this aws:SourceArn pattern admit only ARNs of ``account``?

    Its account field must be the account id itself. ``ArnLike`` matches each of the six
    colon-separated fields on its own; ``StringLike``'s ``*`` also spans colons, so there no
    field before the account may hold a wildcard either.
    """
    parts = str(pattern).split(":")
    if len(parts) < 6 or parts[4] != account:
        return False
    return operator == "ArnLike" or not any(w in ":".join(parts[:4]) for w in _WILDCARDS)


def _is_tls_only_deny(statement: dict[str, Any]) -> bool:
    condition = statement.get("Condition")
    if not isinstance(condition, dict) or set(condition) != {"Bool"}:
        return False
    clauses = condition["Bool"]
    return (
        isinstance(clauses, dict)
        and {key.lower() for key in clauses} == {"aws:securetransport"}
        and [str(v).lower() for v in _as_list(next(iter(clauses.values())))] == ["false"]
    )


def check_bucket_policy(
    policy_text: str | None, bucket: str, prefix: str, account: str, region: str
) -> PolicyCheck:
    """Does ``policy_text`` let Bedrock ``s3:PutObject`` its logs for ``account`` / ``region``?

    A statement grants when it is an Allow for the ``bedrock.amazonaws.com`` service (or ``*``),
    its Action covers ``s3:PutObject``, its Resource covers the whole
    ``.../AWSLogs/<account>/BedrockModelInvocationLogs/*`` pattern, and its conditions (only
    ``aws:SourceAccount`` and ``aws:SourceArn`` are understood) admit the account and Region.
    An unconditional explicit Deny that covers the same blocks delivery.
    """
    resource = required_resource(bucket, prefix, account)
    # One concrete log object, for Deny statements that need only cover some of the keys.
    sample_object = resource[:-1] + f"{region}/2026/01/01/00/sample.json.gz"
    if policy_text is None:
        return PolicyCheck(False, [f"the bucket {bucket} has no bucket policy"])
    try:
        policy = json.loads(policy_text)
    except json.JSONDecodeError as exc:
        return PolicyCheck(False, [f"the bucket policy is not valid JSON ({exc})"])
    statements = [s for s in _as_list(policy.get("Statement")) if isinstance(s, dict)]
    near_misses: list[str] = []
    warnings: list[str] = []
    blockers: list[str] = []
    public_write: list[str] = []
    granted = False
    for index, statement in enumerate(statements):
        name = statement.get("Sid") or f"#{index + 1}"
        if "NotPrincipal" in statement or "NotAction" in statement or "NotResource" in statement:
            warnings.append(
                f"statement {name} uses NotPrincipal/NotAction/NotResource: not checked"
            )
            continue
        if not _principal_matches(statement):
            continue
        action_ok = _covers(_as_list(statement.get("Action")), "s3:PutObject", ignore_case=True)
        resource_ok = _covers(_as_list(statement.get("Resource")), resource)
        effect = statement.get("Effect")
        if (
            effect == "Allow"
            and action_ok
            and _is_public_principal(statement)
            and _covers(_as_list(statement.get("Resource")), sample_object)
            and not _narrows_who(statement.get("Condition"))
        ):
            public_write.append(
                f"statement {name} lets anyone (Principal *) s3:PutObject under {resource}, "
                "with no condition on who (aws:SourceAccount, aws:PrincipalOrgID, ...): "
                "anyone can write forged log records that logs fetch and the marts count as "
                "real spend"
            )
        if effect == "Deny":
            if action_ok and _covers(_as_list(statement.get("Resource")), sample_object):
                if _is_tls_only_deny(statement):
                    continue
                if statement.get("Condition"):
                    warnings.append(f"Deny statement {name} may block Bedrock's writes")
                else:
                    blockers.append(f"Deny statement {name} blocks s3:PutObject on {resource}")
            continue
        if effect != "Allow":
            continue
        if not action_ok:
            near_misses.append(f"statement {name} is for Bedrock but does not allow s3:PutObject")
            continue
        if not resource_ok:
            near_misses.append(
                f"statement {name} allows Bedrock s3:PutObject, but its Resource "
                f"{_as_list(statement.get('Resource'))} does not cover {resource}"
            )
            continue
        condition = statement.get("Condition") or {}
        problems, pinned = _check_conditions(condition, account, region)
        if problems:
            near_misses.extend(f"statement {name}: {problem}" for problem in problems)
            continue
        granted = True
        if not pinned:
            warnings.append(
                f"statement {name} lets Bedrock write without an aws:SourceAccount condition: "
                "any account's Bedrock could deliver logs here (confused deputy); add "
                f'"StringEquals": {{"aws:SourceAccount": "{account}"}}'
            )
    if blockers:
        return PolicyCheck(False, blockers, warnings, public_write)
    if granted:
        return PolicyCheck(True, [], warnings, public_write)
    if not near_misses:
        near_misses.append(
            f"no statement allows the {BEDROCK_SERVICE} service principal s3:PutObject on "
            f"{resource}"
        )
    return PolicyCheck(False, near_misses, warnings, public_write)


def merged_policy(policy_text: str | None, statement: dict[str, Any]) -> dict[str, Any]:
    """The bucket policy with ``statement`` appended (a new policy when there is none)."""
    if policy_text is None:
        return {"Version": "2012-10-17", "Statement": [statement]}
    policy = json.loads(policy_text)
    existing = _as_list(policy.get("Statement"))
    sids = {s.get("Sid") for s in existing if isinstance(s, dict)}
    if statement["Sid"] in sids:
        statement = {**statement, "Sid": f"{statement['Sid']}{len(existing) + 1}"}
    policy["Statement"] = [*existing, statement]
    return policy


def bucket_region(location_constraint: str | None) -> str:
    """``GetBucketLocation``'s answer as a Region (``None`` is us-east-1, ``EU`` eu-west-1)."""
    if not location_constraint:
        return "us-east-1"
    return "eu-west-1" if location_constraint == "EU" else location_constraint


# ---------------------------------------------------------------------------------------------
# The two commands
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class EnableRequest:
    bucket: str
    prefix: str
    region: str
    deliveries: frozenset[str] = frozenset()
    fix_bucket_policy: bool = False
    skip_bucket_check: bool = False
    accept_public_write: bool = False


def logging_config(request: EnableRequest, current: dict[str, Any]) -> dict[str, Any]:
    """The LoggingConfig to put: S3 destination, body deliveries, any CloudWatch config kept."""
    config: dict[str, Any] = {"s3Config": {"bucketName": request.bucket}}
    prefix = normalise_prefix(request.prefix)
    if prefix:
        config["s3Config"]["keyPrefix"] = prefix
    if current.get("cloudWatchConfig"):
        config["cloudWatchConfig"] = current["cloudWatchConfig"]
    for word, flag in DELIVERY_FLAGS.items():
        config[flag] = word in request.deliveries
    return config


def _current_config(bedrock: Any) -> dict[str, Any]:
    response = bedrock.get_model_invocation_logging_configuration()
    config = response.get("loggingConfig") or {}
    return config if (config.get("s3Config") or config.get("cloudWatchConfig")) else {}


def describe_config(config: dict[str, Any], region: str) -> list[str]:
    """Readable lines for a LoggingConfig (``{}`` means logging is off)."""
    if not config:
        return [
            f"Model invocation logging in {region}: logging is off",
            "  Turn it on with: bedrock-costs logging enable --bucket BUCKET --region " + region,
        ]
    lines = [f"Model invocation logging in {region}: on"]
    s3 = config.get("s3Config")
    if s3:
        root = log_root(s3.get("keyPrefix", ""))
        lines.append(f"  S3 destination:  s3://{s3['bucketName']}/{root}AWSLogs/")
    else:
        lines.append("  S3 destination:  none (this project reads the S3 logs)")
    cloudwatch = config.get("cloudWatchConfig")
    if cloudwatch:
        lines.append(f"  CloudWatch Logs: {cloudwatch.get('logGroupName')}")
        lines.append(f"    role: {cloudwatch.get('roleArn')}")
        large = cloudwatch.get("largeDataDeliveryS3Config")
        if large:
            large_root = log_root(large.get("keyPrefix", ""))
            lines.append(f"    large bodies to: s3://{large.get('bucketName')}/{large_root}")
    else:
        lines.append("  CloudWatch Logs: none")
    bodies = [word for word, flag in DELIVERY_FLAGS.items() if config.get(flag)]
    lines.append(
        "  Bodies logged:   "
        + (", ".join(bodies) if bodies else "none (metadata and token counts)")
    )
    return lines


def enable_logging(
    request: EnableRequest,
    *,
    bedrock: Any,
    s3: Any,
    sts: Any,
    stdout: TextIO | None = None,
    stderr: TextIO | None = None,
) -> int:
    """Check the bucket, then put the logging configuration. Returns an exit code."""
    from botocore.exceptions import BotoCoreError, ClientError

    out = stdout or sys.stdout
    err = stderr or sys.stderr
    aws_errors = (BotoCoreError, ClientError)
    bucket_url = f"s3://{request.bucket}"
    try:
        account = str(sts.get_caller_identity()["Account"])
    except aws_errors as error:
        print(f"error: {explain(error, action='sts:GetCallerIdentity')}", file=err)
        return EXIT_FAILURE
    print(f"account {account}, Region {request.region}", file=err)

    if not request.skip_bucket_check:
        try:
            location = s3.get_bucket_location(Bucket=request.bucket).get("LocationConstraint")
        except aws_errors as error:
            print(
                f"error: {explain(error, action='s3:GetBucketLocation', resource=bucket_url)}",
                file=err,
            )
            return EXIT_FAILURE
        if bucket_region(location) != request.region:
            print(
                f"error: bucket {request.bucket} is in {bucket_region(location)}, but Bedrock "
                f"delivers logs only to a bucket in the logging Region ({request.region}): use a "
                f"bucket in {request.region}, or pass --region {bucket_region(location)} to log "
                "that Region",
                file=err,
            )
            return EXIT_FAILURE
        try:
            policy_text: str | None = s3.get_bucket_policy(Bucket=request.bucket)["Policy"]
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") != "NoSuchBucketPolicy":
                message = explain(error, action="s3:GetBucketPolicy", resource=bucket_url)
                print(f"error: {message} (or pass --skip-bucket-check)", file=err)
                return EXIT_FAILURE
            policy_text = None
        except BotoCoreError as error:
            print(f"error: {explain(error, action='s3:GetBucketPolicy')}", file=err)
            return EXIT_FAILURE
        check = check_bucket_policy(
            policy_text, request.bucket, request.prefix, account, request.region
        )
        for warning in check.warnings:
            print(f"warning: {warning}", file=err)
        for public in check.public_write:
            print(f"warning: PUBLIC WRITE: {public}", file=err)
        if check.public_write and not request.accept_public_write:
            print(
                f"error: the policy of {bucket_url} lets anyone write where the logs go; "
                "nothing was changed. Remove that statement, or add a condition that names who "
                f'may write (such as "StringEquals": {{"aws:SourceAccount": "{account}"}}), '
                "then run this again; --accept-public-write enables logging anyway.",
                file=err,
            )
            return EXIT_FAILURE
        if not check.allowed:
            statement = required_statement(request.bucket, request.prefix, account, request.region)
            if not request.fix_bucket_policy:
                print(
                    f"error: Bedrock could not write logs to {bucket_url}; nothing was changed.",
                    file=err,
                )
                for problem in check.problems:
                    print(f"  - {problem}", file=err)
                what = "this policy" if policy_text is None else "this statement to the policy"
                print(
                    f"Add {what} of bucket {request.bucket} (S3 console > Permissions > Bucket "
                    "policy, or `aws s3api put-bucket-policy`), then run this command again; "
                    "or rerun with --fix-bucket-policy to have it added:",
                    file=err,
                )
                shown = merged_policy(None, statement) if policy_text is None else statement
                print(json.dumps(shown, indent=2), file=out)
                return EXIT_FAILURE
            new_policy = merged_policy(policy_text, statement)
            try:
                s3.put_bucket_policy(Bucket=request.bucket, Policy=json.dumps(new_policy))
            except aws_errors as error:
                print(
                    f"error: {explain(error, action='s3:PutBucketPolicy', resource=bucket_url)}",
                    file=err,
                )
                return EXIT_FAILURE
            print(f"added statement {statement['Sid']} to the policy of {bucket_url}", file=err)

    try:
        current = _current_config(bedrock)
    except aws_errors as error:
        action = "bedrock:GetModelInvocationLoggingConfiguration"
        print(f"error: {explain(error, action=action)}", file=err)
        return EXIT_FAILURE
    config = logging_config(request, current)
    old_s3 = current.get("s3Config")
    if old_s3 and old_s3 != config["s3Config"]:
        old_root = log_root(old_s3.get("keyPrefix", ""))
        print(
            f"replacing the S3 destination s3://{old_s3.get('bucketName')}/{old_root}",
            file=err,
        )
    try:
        bedrock.put_model_invocation_logging_configuration(loggingConfig=config)
    except aws_errors as error:
        action = "bedrock:PutModelInvocationLoggingConfiguration"
        print(f"error: {explain(error, action=action)}", file=err)
        return EXIT_FAILURE
    for line in describe_config(config, request.region):
        print(line, file=out)
    print(
        "Logs arrive within minutes of the first call; fetch them with: bedrock-costs logs fetch "
        f"--bucket {request.bucket}"
        + (f" --prefix {normalise_prefix(request.prefix)}" if request.prefix.strip("/") else "")
        + " --from YYYY-MM-DD --to YYYY-MM-DD --out data/my-logs",
        file=out,
    )
    return EXIT_OK


def show_status(
    region: str, *, bedrock: Any, stdout: TextIO | None = None, stderr: TextIO | None = None
) -> int:
    """Print the current logging configuration of ``region``. Returns an exit code."""
    from botocore.exceptions import BotoCoreError, ClientError

    out = stdout or sys.stdout
    err = stderr or sys.stderr
    try:
        config = _current_config(bedrock)
    except (BotoCoreError, ClientError) as error:
        action = "bedrock:GetModelInvocationLoggingConfiguration"
        print(f"error: {explain(error, action=action)}", file=err)
        return EXIT_FAILURE
    for line in describe_config(config, region):
        print(line, file=out)
    return EXIT_OK


# ---------------------------------------------------------------------------------------------
# CLI
# ---------------------------------------------------------------------------------------------


def _session(region: str | None) -> Any:
    import boto3

    return boto3.session.Session(region_name=region)


def _resolve_region(session: Any) -> str | None:
    region = session.region_name
    if not region:
        print(
            "error: no AWS Region configured: pass --region, or set AWS_REGION / "
            "AWS_DEFAULT_REGION (logging is configured per Region)",
            file=sys.stderr,
        )
    return region


def _cmd_enable(args: argparse.Namespace) -> int:
    session = _session(args.region)
    region = _resolve_region(session)
    if region is None:
        return EXIT_USAGE
    deliveries = frozenset(word for word in DELIVERY_FLAGS if getattr(args, f"{word}_bodies"))
    request = EnableRequest(
        bucket=args.bucket,
        prefix=args.prefix,
        region=region,
        deliveries=deliveries,
        fix_bucket_policy=args.fix_bucket_policy,
        skip_bucket_check=args.skip_bucket_check,
        accept_public_write=args.accept_public_write,
    )
    return enable_logging(
        request,
        bedrock=session.client("bedrock"),
        s3=session.client("s3"),
        sts=session.client("sts"),
    )


def _cmd_status(args: argparse.Namespace) -> int:
    session = _session(args.region)
    region = _resolve_region(session)
    if region is None:
        return EXIT_USAGE
    return show_status(region, bedrock=session.client("bedrock"))


def add_logging_parser(subparsers: Any) -> None:
    """Register ``logging`` (with ``enable`` and ``status``) on the CLI's sub-parsers."""
    logging_parser = subparsers.add_parser(
        "logging",
        help="turn on Bedrock model invocation logging to S3, or show its configuration",
        description="Bedrock model invocation logging is off by default and configured per "
        "account and Region. `enable` points it at an S3 bucket; `status` shows it.",
        epilog="Example: bedrock-costs logging status --region us-east-1",
    )
    commands = logging_parser.add_subparsers(
        dest="logging_command", metavar="SUBCOMMAND", required=True
    )
    enable = commands.add_parser(
        "enable",
        help="send model invocation logs of one Region to an S3 bucket",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description=(
            "Turn on Bedrock model invocation logging for the current account in --region, to\n"
            "s3://BUCKET/PREFIX/AWSLogs/<account>/BedrockModelInvocationLogs/<region>/...\n"
            "\n"
            "Before changing anything it checks that the bucket is in that Region and that its\n"
            "bucket policy lets the bedrock.amazonaws.com service principal s3:PutObject there\n"
            "(with the aws:SourceAccount condition AWS documents). If not, it prints what is\n"
            "missing and the statement to add, and stops (exit 1); --fix-bucket-policy adds it.\n"
            "A statement counts as pinned to the account only if every aws:SourceAccount value\n"
            "is the account id (no wildcard, no other account); otherwise it warns (confused\n"
            "deputy). A statement letting anyone (Principal *) s3:PutObject on the log prefix\n"
            "with no condition on who makes it stop (exit 1) unless --accept-public-write.\n"
            "\n"
            "Request and response BODIES are not logged unless you ask (--text-bodies ...):\n"
            "token counts, model, identity and requestMetadata (the tenant tags) are logged\n"
            "anyway and are all the cost marts need; bodies only add risk (prompts and answers\n"
            "stored at rest) and S3 cost. An existing CloudWatch Logs destination is kept.\n"
            "If the bucket uses SSE-KMS, its key policy must also let bedrock.amazonaws.com use\n"
            "the key (not checked here).\n"
            "\n"
            "IAM: sts:GetCallerIdentity, s3:GetBucketLocation, s3:GetBucketPolicy,\n"
            "bedrock:GetModelInvocationLoggingConfiguration,\n"
            "bedrock:PutModelInvocationLoggingConfiguration (+ s3:PutBucketPolicy with\n"
            "--fix-bucket-policy)."
        ),
        epilog=(
            "Exit codes: 0 logging enabled, 1 not enabled (bucket policy, public write, Region\n"
            "or AWS error; the reason is on stderr), 2 bad arguments or no Region.\n"
            "\n"
            "Example: bedrock-costs logging enable --bucket my-bedrock-logs --prefix bedrock "
            "--region us-east-1"
        ),
    )
    enable.add_argument("--bucket", required=True, type=bucket_name, help="S3 bucket name")
    enable.add_argument(
        "--prefix",
        default="",
        help="key prefix inside the bucket (default: none; logs go under AWSLogs/)",
    )
    enable.add_argument(
        "--region",
        default=None,
        help="Region whose Bedrock calls are logged (default: the AWS config / AWS_REGION)",
    )
    for word in DELIVERY_FLAGS:
        enable.add_argument(
            f"--{word}-bodies",
            action="store_true",
            help=f"also log {word} request/response bodies (default off)",
        )
    enable.add_argument(
        "--fix-bucket-policy",
        action="store_true",
        help="append the missing statement to the bucket policy instead of stopping "
        "(needs s3:PutBucketPolicy); existing statements are kept",
    )
    enable.add_argument(
        "--accept-public-write",
        action="store_true",
        help="enable logging even though the bucket policy lets anyone write under the log "
        "prefix (a loud warning instead of exit 1)",
    )
    enable.add_argument(
        "--skip-bucket-check",
        action="store_true",
        help="do not read the bucket's Region and policy (when you may not read them)",
    )
    enable.set_defaults(handler=_cmd_enable)

    status = commands.add_parser(
        "status",
        help="print the model invocation logging configuration of one Region",
        description="Print the Bedrock model invocation logging configuration of the current "
        "account in --region: destinations and which bodies are logged, or that logging is off. "
        "IAM: bedrock:GetModelInvocationLoggingConfiguration.",
        epilog="Exit codes: 0 printed (also when logging is off), 1 AWS error, 2 bad arguments "
        "or no Region.\n\nExample: bedrock-costs logging status --region us-east-1",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    status.add_argument(
        "--region",
        default=None,
        help="Region to show (default: the AWS config / AWS_REGION)",
    )
    status.set_defaults(handler=_cmd_status)
