"""``bedrock-costs athena check``: verify an Athena deployment before its first scheduled run.

It reads what the run will read (the dbt vars file and the ``ATHENA_*`` environment of
``profiles.example.yml``) and asks AWS, read-only, whether everything the run needs is there:
credentials, the work group's settings, result and table locations outside the log prefix,
logs under the prefix, the Glue databases, the raw table and its partition projection, and the
runner role's permissions for each step (the statements of ``deploy/iam/dbt-runner-policy.json``
filled with this deployment's names, evaluated against the role's own policies). Each finding
is printed on one line; the exit code is 1 when anything is missing.

The permission check reads the role's identity policies only: service control policies,
permission boundaries, bucket and KMS key policies and Lake Formation can still deny a call.
"""

from __future__ import annotations

import argparse
import ast
import json
import os
import sys
import urllib.parse
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bedrock_costs.arg_types import region_code
from bedrock_costs.aws_errors import error_code, explain
from bedrock_costs.exit_codes import EXIT_FAILURE, EXIT_OK
from bedrock_costs.iam_policy import Request, as_list, decide, fill

RAW_TABLE = "invocation_logs_raw"
LAYERS = ("staging", "intermediate", "marts", "reference", "semantic")
RUNNER_POLICY = Path("deploy/iam/dbt-runner-policy.json")
SALT_POLICY = Path("deploy/iam/dbt-runner-tag-hash-salt-policy.json")


@dataclass(frozen=True)
class Finding:
    status: str  # ok, missing or warn
    check: str
    message: str

    def line(self) -> str:
        return f"{self.status.upper():8} {self.check}: {self.message}"


@dataclass(frozen=True)
class S3Location:
    bucket: str
    prefix: str  # without leading or trailing slash; "" for the bucket root

    @classmethod
    def parse(cls, uri: str) -> S3Location:
        if not uri.startswith("s3://") or len(uri) <= 5:
            raise ValueError(f"not an s3:// location: {uri!r}")
        bucket, _, key = uri[5:].partition("/")
        return cls(bucket, key.strip("/"))

    def contains(self, other: S3Location) -> bool:
        if self.bucket != other.bucket:
            return False
        return self.prefix == "" or (other.prefix + "/").startswith(self.prefix + "/")

    def overlaps(self, other: S3Location) -> bool:
        return self.contains(other) or other.contains(self)

    def __str__(self) -> str:
        return f"s3://{self.bucket}/{self.prefix}/" if self.prefix else f"s3://{self.bucket}/"


@dataclass
class Deployment:
    """What the scheduled run will use, from the vars file and the environment."""

    region: str
    work_group: str
    staging_dir: str
    data_dir: str
    schema: str
    logs: S3Location
    raw_schema: str
    accounts: list[str]
    regions: list[str]
    create_raw_table_on_run_start: bool
    hashes_tags: bool
    role_arn: str | None
    salt: S3Location | None
    findings: list[Finding] = field(default_factory=list)


def policy_document(document: Any) -> dict[str, Any]:
    """A policy document as IAM returns it: URL-encoded JSON text (real IAM), already parsed, or
    (moto's CloudFormation) a Python literal; anything else is a ValueError."""
    if not isinstance(document, str):
        return dict(document)
    text = urllib.parse.unquote(document)
    try:
        return dict(json.loads(text))
    except json.JSONDecodeError:
        try:
            return dict(ast.literal_eval(text))
        except (ValueError, SyntaxError):
            raise ValueError(
                f"a policy document is neither JSON nor a literal: {text[:80]}"
            ) from None


def sample_requests(statement: dict[str, Any]) -> Iterator[Request]:
    """One concrete request per action and resource of a statement (`*` becomes a name)."""
    context: list[tuple[str, str]] = []
    for keys in statement.get("Condition", {}).values():
        for key, values in keys.items():
            context.append((key, as_list(values)[0].replace("*", "example")))
    for action in as_list(statement["Action"]):
        for resource in as_list(statement["Resource"]):
            yield Request(action, resource.replace("*", "example"), tuple(sorted(context)))


class RolePolicies:
    """The identity policies of a role (inline and attached), evaluated as IAM would."""

    def __init__(self, statements: list[dict[str, Any]]) -> None:
        self.statements = statements
        self.unevaluated: list[str] = []

    @classmethod
    def of_role(cls, iam: Any, role_name: str) -> RolePolicies:
        statements: list[dict[str, Any]] = []
        for name in iam.list_role_policies(RoleName=role_name)["PolicyNames"]:
            document = iam.get_role_policy(RoleName=role_name, PolicyName=name)["PolicyDocument"]
            statements += as_list_of_statements(policy_document(document))
        attached = iam.list_attached_role_policies(RoleName=role_name)["AttachedPolicies"]
        for policy in attached:
            arn = policy["PolicyArn"]
            version = iam.get_policy(PolicyArn=arn)["Policy"]["DefaultVersionId"]
            document = iam.get_policy_version(PolicyArn=arn, VersionId=version)["PolicyVersion"]
            statements += as_list_of_statements(policy_document(document["Document"]))
        return cls(statements)

    def allows(self, request: Request) -> bool:
        policy = {"Statement": self.statements}
        return decide(policy, request, self.unevaluated) == "allow"


def as_list_of_statements(document: dict[str, Any]) -> list[dict[str, Any]]:
    statements = document.get("Statement", [])
    return [statements] if isinstance(statements, dict) else list(statements)


def load_deployment(args: argparse.Namespace) -> Deployment:
    """The deployment from --vars-file and the ATHENA_* environment (options override both)."""
    import yaml

    try:
        loaded = yaml.safe_load(args.vars_file.read_text()) or {}
    except yaml.YAMLError as error:
        raise ValueError(f"{args.vars_file} is not YAML: {error}") from None
    if not isinstance(loaded, dict):
        raise ValueError(f"{args.vars_file} must hold a mapping of dbt vars")
    uri = loaded.get("bedrock_logs_s3_uri")
    if not isinstance(uri, str) or not uri.startswith("s3://"):
        raise ValueError(f"{args.vars_file}: bedrock_logs_s3_uri must be the s3:// log prefix")
    logs = S3Location.parse(uri.rstrip("/").removesuffix("/AWSLogs"))

    def setting(option: str | None, name: str, default: str | None) -> str:
        value = option or os.environ.get(name) or default
        if not value:
            raise ValueError(f"set {name} (as the scheduled run does) or pass its option")
        return value

    return Deployment(
        region=setting(args.region, "ATHENA_REGION", "us-east-1"),
        work_group=setting(args.work_group, "ATHENA_WORK_GROUP", "primary"),
        staging_dir=setting(args.s3_staging_dir, "ATHENA_S3_STAGING_DIR", None),
        data_dir=setting(args.s3_data_dir, "ATHENA_S3_DATA_DIR", None),
        schema=setting(args.schema, "ATHENA_SCHEMA", "bedrock_costs"),
        logs=logs,
        raw_schema=str(loaded.get("bedrock_raw_schema") or "bedrock_raw"),
        accounts=[str(a) for a in loaded.get("bedrock_log_accounts") or []],
        regions=[str(r) for r in loaded.get("bedrock_log_regions") or []],
        create_raw_table_on_run_start=bool(loaded.get("create_raw_table_on_run_start")),
        hashes_tags=bool(loaded.get("hashed_tag_keys")),
        role_arn=args.role_arn,
        salt=S3Location.parse(args.salt_uri) if args.salt_uri else None,
    )


class Checker:
    def __init__(self, deployment: Deployment, session: Any) -> None:
        self.d = deployment
        self.session = session
        self.account = ""
        self.caller_arn = ""
        self.results_location: S3Location | None = None

    def add(self, status: str, check: str, message: str) -> None:
        self.d.findings.append(Finding(status, check, message))
        print(self.d.findings[-1].line(), flush=True)

    def client(self, name: str) -> Any:
        return self.session.client(name, region_name=self.d.region)

    def run(self) -> list[Finding]:
        if not self.credentials():
            return self.d.findings
        self.work_group()
        self.locations()
        self.logs_present()
        self.databases()
        self.raw_table()
        self.permissions()
        return self.d.findings

    def credentials(self) -> bool:
        try:
            identity = self.client("sts").get_caller_identity()
        except Exception as error:
            self.add("missing", "credentials", explain(error, action="sts:GetCallerIdentity"))
            return False
        self.account = identity["Account"]
        self.caller_arn = identity["Arn"]
        self.add("ok", "credentials", f"account {self.account} as {self.caller_arn}")
        return True

    def work_group(self) -> None:
        check = f"work group {self.d.work_group}"
        try:
            group = self.client("athena").get_work_group(WorkGroup=self.d.work_group)["WorkGroup"]
        except Exception as error:
            self.add("missing", check, explain(error, action="athena:GetWorkGroup"))
            return
        config = group.get("Configuration", {})
        if group.get("State") != "ENABLED":
            self.add("missing", check, "is disabled: enable it")
        if not config.get("EnforceWorkGroupConfiguration"):
            self.add(
                "warn", check, "does not enforce its settings (Override client-side settings off)"
            )
        if not config.get("BytesScannedCutoffPerQuery"):
            self.add("warn", check, "has no per-query bytes-scanned cutoff: one query may scan all")
        version = config.get("EngineVersion", {}).get("EffectiveEngineVersion") or config.get(
            "EngineVersion", {}
        ).get("SelectedEngineVersion", "")
        # AUTO lets Athena pick its newest SQL engine (3); a PySpark work group cannot run dbt
        if version not in ("", "AUTO", "Athena engine version 3"):
            self.add("missing", check, f"runs {version}: the project needs Athena engine version 3")
        output = config.get("ResultConfiguration", {}).get("OutputLocation")
        if output and config.get("EnforceWorkGroupConfiguration"):
            self.results_location = S3Location.parse(output)
        if not any(f.check == check for f in self.d.findings):
            cutoff = config.get("BytesScannedCutoffPerQuery")
            self.add("ok", check, f"enabled, enforced, cutoff {cutoff} bytes per query")

    def locations(self) -> None:
        named = {
            "ATHENA_S3_STAGING_DIR": self.d.staging_dir,
            "ATHENA_S3_DATA_DIR": self.d.data_dir,
        }
        if self.results_location is not None:
            named["the work group's result location"] = str(self.results_location)
        if self.d.salt is not None:
            named["the tag hash salt folder"] = str(self.d.salt)
        s3 = self.client("s3")
        for name, uri in named.items():
            check = f"location {name}"
            try:
                location = S3Location.parse(uri)
            except ValueError as error:
                self.add("missing", check, str(error))
                continue
            if location.overlaps(self.d.logs):
                self.add(
                    "missing",
                    check,
                    f"{location} overlaps the log prefix {self.d.logs}: dbt-athena deletes a "
                    "table's location when it rebuilds it; move it outside the logs",
                )
                continue
            try:
                s3.head_bucket(Bucket=location.bucket)
            except Exception as error:
                self.add("missing", check, explain(error, action="s3:ListBucket", resource=uri))
                continue
            self.add("ok", check, f"{location}, outside the log prefix")

    def logs_present(self) -> None:
        check = f"logs under {self.d.logs}"
        prefix = (self.d.logs.prefix + "/" if self.d.logs.prefix else "") + "AWSLogs/"
        try:
            listing = self.client("s3").list_objects_v2(
                Bucket=self.d.logs.bucket, Prefix=prefix, MaxKeys=1
            )
        except Exception as error:
            self.add("missing", check, explain(error, action="s3:ListBucket"))
            return
        if not listing.get("KeyCount"):
            self.add(
                "missing",
                check,
                "no object under AWSLogs/: is Bedrock invocation logging on and delivering to "
                "this prefix (bedrock-costs logging show)?",
            )
        else:
            self.add("ok", check, "Bedrock has delivered logs")

    def databases(self) -> None:
        glue = self.client("glue")
        for database in [self.d.raw_schema] + [f"{self.d.schema}_{layer}" for layer in LAYERS]:
            check = f"Glue database {database}"
            try:
                glue.get_database(Name=database)
            except Exception as error:
                if error_code(error) == "EntityNotFoundException":
                    self.add("warn", check, "missing: the first run creates it (CreateDatabase)")
                else:
                    self.add("missing", check, explain(error, action="glue:GetDatabase"))
                continue
            self.add("ok", check, "exists")

    def raw_table(self) -> None:
        check = f"raw table {self.d.raw_schema}.{RAW_TABLE}"
        try:
            table = self.client("glue").get_table(DatabaseName=self.d.raw_schema, Name=RAW_TABLE)
        except Exception as error:
            if error_code(error) != "EntityNotFoundException":
                self.add("missing", check, explain(error, action="glue:GetTable"))
            elif self.d.create_raw_table_on_run_start:
                self.add("warn", check, "missing: the first run creates it")
            else:
                self.add(
                    "missing",
                    check,
                    "missing: dbt run-operation create_bedrock_logs_table --target athena "
                    '--vars "$(cat vars/prod.yml)" (docs/athena.md, step 6)',
                )
            return
        table = table["Table"]
        parameters = table.get("Parameters", {})
        problems = []
        location = table.get("StorageDescriptor", {}).get("Location", "")
        expected = f"{str(self.d.logs).rstrip('/')}/AWSLogs/"
        if location.rstrip("/") + "/" != expected:
            problems.append(f"its location {location} is not {expected}")
        if parameters.get("projection.enabled") != "true":
            problems.append("partition projection is off")
        for name, wanted in (("log_account", self.d.accounts), ("log_region", self.d.regions)):
            projected = set(parameters.get(f"projection.{name}.values", "").split(","))
            absent = sorted(set(wanted) - projected)
            if absent:
                problems.append(f"projection.{name}.values lacks {', '.join(absent)}")
        if problems:
            self.add(
                "missing",
                check,
                "; ".join(problems)
                + ": recreate it with create_bedrock_logs_table --args '{replace: true}'",
            )
        else:
            self.add("ok", check, "projects the vars' accounts and Regions")

    def role_name(self) -> str | None:
        arn = self.d.role_arn or self.caller_arn
        kind, _, rest = arn.split(":", 5)[-1].partition("/")
        if kind == "role":
            return rest.rsplit("/", 1)[-1]
        if kind == "assumed-role":
            return rest.split("/", 1)[0]
        return None

    def permissions(self) -> None:
        role = self.role_name()
        if role is None:
            self.add(
                "warn", "permissions", "not checked: pass --role-arn with the runner's role ARN"
            )
            return
        try:
            policies = RolePolicies.of_role(self.client("iam"), role)
        except Exception as error:
            # the check must not say ready without having read the role's policies
            self.add("missing", "permissions", explain(error, action="iam:GetRolePolicy"))
            return
        results = self.results_location or S3Location.parse(self.d.staging_dir)
        data = S3Location.parse(self.d.data_dir)
        values = {
            "REGION": self.d.region,
            "ACCOUNT_ID": self.account,
            "WORK_GROUP": self.d.work_group,
            "SCHEMA": self.d.schema,
            "LOG_BUCKET": self.d.logs.bucket,
            "LOG_PREFIX": self.d.logs.prefix,
            "RESULTS_BUCKET": results.bucket,
            "RESULTS_PREFIX": results.prefix,
            "DATA_BUCKET": data.bucket,
            "DATA_PREFIX": data.prefix,
            "bedrock_raw": self.d.raw_schema,
        }
        needed = [RUNNER_POLICY]
        if self.d.hashes_tags and self.d.salt is None:
            self.add("warn", "permissions", "hashed_tag_keys is set: pass --salt-uri to check them")
        elif self.d.salt is not None:
            values.update({"SALT_BUCKET": self.d.salt.bucket, "SALT_PREFIX": self.d.salt.prefix})
            needed.append(SALT_POLICY)
        for path in needed:
            for statement in fill(path.read_text(), values)["Statement"]:
                self.statement(policies, role, statement)
        for note in policies.unevaluated:
            self.add("warn", "permissions", f"a statement of role {role} was not evaluated: {note}")

    def statement(self, policies: RolePolicies, role: str, statement: dict[str, Any]) -> None:
        check = f"permissions {statement['Sid']}"
        requests = list(sample_requests(statement))
        if statement["Effect"] == "Deny":
            allowed = [r for r in requests if policies.allows(r)]
            if allowed:
                self.add(
                    "warn",
                    check,
                    f"role {role} may {allowed[0].action} on {allowed[0].resource}: the runner "
                    "should never write the logs",
                )
            return
        refused = [r for r in requests if not policies.allows(r)]
        if refused:
            listed = "; ".join(f"{r.action} on {r.resource}" for r in refused[:4])
            more = f" (and {len(refused) - 4} more)" if len(refused) > 4 else ""
            self.add("missing", check, f"role {role} is not allowed {listed}{more}")
        else:
            self.add("ok", check, f"{len(requests)} requests allowed")


def run_check(args: argparse.Namespace) -> int:
    import boto3

    try:
        deployment = load_deployment(args)
    except (ValueError, OSError) as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_FAILURE
    print(
        f"Checking the Athena deployment of {args.vars_file} (work group {deployment.work_group}, "
        f"Region {deployment.region}, logs {deployment.logs}) ...",
        flush=True,
    )
    findings = Checker(deployment, boto3.session.Session()).run()
    missing = [f for f in findings if f.status == "missing"]
    warned = [f for f in findings if f.status == "warn"]
    if missing:
        print(f"{len(missing)} missing, {len(warned)} warnings: fix the MISSING lines, then rerun.")
        return EXIT_FAILURE
    print(f"Ready for the first run ({len(warned)} warnings).")
    return EXIT_OK


def add_athena_parser(subparsers: Any) -> None:
    athena = subparsers.add_parser(
        "athena",
        help="check an Athena deployment before its first scheduled run",
        description="Commands for the Athena deployment (docs/athena.md).",
    )
    commands = athena.add_subparsers(dest="athena_command", metavar="COMMAND", required=True)
    check = commands.add_parser(
        "check",
        help="verify credentials, work group, buckets, Glue, the raw table and permissions",
        description=(
            "Read-only checks of everything the scheduled dbt build needs, with the settings it "
            "will use: the dbt vars file and the ATHENA_* environment variables of "
            "profiles.example.yml (options override them). Prints one line per check (OK, WARN, "
            "MISSING) and exits 1 when something is missing. The permission check evaluates "
            "the runner role's identity policies against each statement of "
            "deploy/iam/dbt-runner-policy.json filled with this deployment's names (run it from "
            "the repository); SCPs, permission boundaries and bucket policies are not seen."
        ),
        epilog=(
            "Example: ATHENA_S3_STAGING_DIR=s3://my-athena-results/dbt/ "
            "ATHENA_S3_DATA_DIR=s3://my-analytics/bedrock_costs/ bedrock-costs athena check "
            "--vars-file vars/prod.yml --role-arn arn:aws:iam::111122223333:role/dbt-runner"
        ),
    )
    check.add_argument(
        "--vars-file",
        type=Path,
        default=Path("vars/prod.yml"),
        help="the dbt vars of the scheduled run (default vars/prod.yml)",
    )
    check.add_argument("--role-arn", help="the runner's role (default: the caller's own role)")
    check.add_argument("--region", type=region_code, help="default: ATHENA_REGION, else us-east-1")
    check.add_argument("--work-group", help="default: ATHENA_WORK_GROUP, else primary")
    check.add_argument("--s3-staging-dir", help="default: ATHENA_S3_STAGING_DIR")
    check.add_argument("--s3-data-dir", help="default: ATHENA_S3_DATA_DIR")
    check.add_argument("--schema", help="default: ATHENA_SCHEMA, else bedrock_costs")
    check.add_argument(
        "--salt-uri", help="with hashed_tag_keys: the S3 folder of the tag hash salt"
    )
    check.set_defaults(handler=run_check)
