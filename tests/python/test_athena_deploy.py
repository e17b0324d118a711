"""The Athena deployment template and `bedrock-costs athena check`.

The template is linted with cfn-lint and deployed on moto's CloudFormation (in process). moto
5.2.5's CloudFormation creates the IAM roles and policies, the ECS cluster and task definition,
the log group and the EventBridge rule; it skips AWS::Athena::WorkGroup, AWS::Glue::Database
and AWS::Scheduler::Schedule with a warning. The test creates the work group and the databases
from the template's own properties through their service APIs (what CloudFormation would do)
and leaves the schedule to cfn-lint. `athena check` then runs against that deployment: ready
when everything is there, and naming what is not (a permission taken from the role, a location
under the log prefix, no logs, no raw table).
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import boto3
import pytest
import yaml

from bedrock_costs.athena_check import policy_document
from bedrock_costs.cli import main

PROJECT = Path(__file__).resolve().parents[2]
TEMPLATE = PROJECT / "deploy" / "cloudformation" / "bedrock-costs-athena.yaml"
RUNNER_POLICY = PROJECT / "deploy" / "iam" / "dbt-runner-policy.json"
SALT_POLICY = PROJECT / "deploy" / "iam" / "dbt-runner-tag-hash-salt-policy.json"
CFN_LINT = Path(sys.executable).parent / "cfn-lint"
ACCOUNT = "123456789012"  # moto's account
REGION = "us-east-1"

PARAMETERS = {
    "LogBucket": "example-bedrock-logs",
    "LogPrefix": "bedrock",
    "ResultsBucket": "example-athena-results",
    "DataBucket": "example-analytics",
    "ContainerImage": "example.invalid/bedrock-costs:1",
    "Subnets": "subnet-0123456789abcdef0",
    "SecurityGroups": "sg-0123456789abcdef0",
}
# the template's ${...} names for the placeholders of the shipped policy files
PLACEHOLDER_OF = {
    "${AWS::Region}": "REGION",
    "${AWS::AccountId}": "ACCOUNT_ID",
    "${WorkGroupName}": "WORK_GROUP",
    "${Schema}": "SCHEMA",
    "${LogBucket}": "LOG_BUCKET",
    "${LogPrefix}": "LOG_PREFIX",
    "${ResultsBucket}": "RESULTS_BUCKET",
    "${ResultsPrefix}": "RESULTS_PREFIX",
    "${DataBucket}": "DATA_BUCKET",
    "${DataPrefix}": "DATA_PREFIX",
    "${SaltBucket}": "SALT_BUCKET",
    "${SaltPrefix}": "SALT_PREFIX",
    "${RawSchema}": "bedrock_raw",
}


class CfnLoader(yaml.SafeLoader):
    """YAML with CloudFormation's short forms (!Ref, !Sub, ...) as their long forms."""


def _short_form(loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> dict[str, Any]:
    if isinstance(node, yaml.ScalarNode):
        value: Any = loader.construct_scalar(node)
        if suffix == "GetAtt":
            value = str(value).split(".", 1)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)  # type: ignore[arg-type]
    return {"Ref" if suffix == "Ref" else f"Fn::{suffix}": value}


CfnLoader.add_multi_constructor("!", _short_form)


def load_template(text: str | None = None) -> dict[str, Any]:
    return yaml.load(text if text is not None else TEMPLATE.read_text(), Loader=CfnLoader)


def parameter_values(template: dict[str, Any], given: dict[str, str]) -> dict[str, str]:
    values = {name: str(spec.get("Default", "")) for name, spec in template["Parameters"].items()}
    values.update(given)
    values.update({"AWS::Region": REGION, "AWS::AccountId": ACCOUNT})
    return values


def resolve(value: Any, values: dict[str, str]) -> Any:
    """Ref and Fn::Sub against parameter values (enough for the resources moto skips)."""
    if isinstance(value, dict) and set(value) == {"Ref"}:
        return values[value["Ref"]]
    if isinstance(value, dict) and set(value) == {"Fn::Sub"}:
        return re.sub(r"\$\{([^}]+)\}", lambda m: values[m.group(1)], value["Fn::Sub"])
    if isinstance(value, dict):
        return {k: resolve(v, values) for k, v in value.items()}
    if isinstance(value, list):
        return [resolve(v, values) for v in value]
    return value


def as_placeholders(value: Any) -> Any:
    """A policy of the template written back with the placeholders of the shipped JSON files."""
    if isinstance(value, dict) and set(value) == {"Fn::Sub"}:
        text = value["Fn::Sub"]
        for name, placeholder in PLACEHOLDER_OF.items():
            text = text.replace(name, placeholder)
        assert "${" not in text, text
        return text
    if isinstance(value, dict):
        return {k: as_placeholders(v) for k, v in value.items()}
    if isinstance(value, list):
        return [as_placeholders(v) for v in value]
    return value


def cfn_lint(path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(CFN_LINT), str(path)], capture_output=True, text=True, check=False, timeout=300
    )


def test_the_template_passes_cfn_lint_and_a_broken_copy_does_not(tmp_path: Path) -> None:
    assert CFN_LINT.exists(), "cfn-lint is missing: make install (requirements.txt) installs it"
    clean = cfn_lint(TEMPLATE)
    assert clean.returncode == 0, clean.stdout + clean.stderr
    broken = tmp_path / "broken.yaml"
    broken.write_text(
        TEMPLATE.read_text().replace("BytesScannedCutoffPerQuery: !Ref", "BytesScanedCutoff: !Ref")
    )
    result = cfn_lint(broken)
    assert result.returncode != 0
    assert "BytesScanedCutoff" in result.stdout


def test_the_template_grants_exactly_the_shipped_policies() -> None:
    resources = load_template()["Resources"]
    runner = resources["RunnerRole"]["Properties"]["Policies"][0]["PolicyDocument"]
    salt = resources["RunnerSaltPolicy"]["Properties"]["PolicyDocument"]
    assert as_placeholders(runner) == json.loads(RUNNER_POLICY.read_text())
    assert as_placeholders(salt) == json.loads(SALT_POLICY.read_text())
    assert resources["RunnerSaltPolicy"]["Condition"] == "HashesTags"


def test_the_work_group_enforces_its_settings_and_a_cutoff() -> None:
    template = load_template()
    config = template["Resources"]["WorkGroup"]["Properties"]["WorkGroupConfiguration"]
    assert config["EnforceWorkGroupConfiguration"] is True
    assert config["BytesScannedCutoffPerQuery"] == {"Ref": "BytesScannedCutoffPerQuery"}
    assert config["EngineVersion"]["SelectedEngineVersion"] == "Athena engine version 3"
    task = template["Resources"]["BuildTask"]["Properties"]["ContainerDefinitions"][0]
    environment = {e["Name"] for e in task["Environment"]}
    assert {"ATHENA_WORK_GROUP", "ATHENA_S3_STAGING_DIR", "ATHENA_S3_DATA_DIR"} <= environment
    assert 'dbt build --exclude-resource-type unit_test --vars "$(cat vars/prod.yml)"' in " ".join(
        task["Command"]
    )


def deploy(parameters: dict[str, str]) -> dict[str, str]:
    """Create the stack on moto, then what moto's CloudFormation skips; the stack's outputs."""
    template = load_template()
    cloudformation = boto3.client("cloudformation", region_name=REGION)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        cloudformation.create_stack(
            StackName="bedrock-costs",
            TemplateBody=TEMPLATE.read_text(),
            Parameters=[{"ParameterKey": k, "ParameterValue": v} for k, v in parameters.items()],
            Capabilities=["CAPABILITY_IAM"],
        )
    stack = cloudformation.describe_stacks(StackName="bedrock-costs")["Stacks"][0]
    assert stack["StackStatus"] == "CREATE_COMPLETE"
    skipped = {re.sub(r".*parse (\S+) .*", r"\1", str(w.message)) for w in caught}
    assert skipped == {"AWS::Athena::WorkGroup", "AWS::Glue::Database", "AWS::Scheduler::Schedule"}
    values = parameter_values(template, parameters)
    for resource in template["Resources"].values():
        if resource["Type"] not in ("AWS::Athena::WorkGroup", "AWS::Glue::Database"):
            continue
        properties = resolve(resource["Properties"], values)
        if resource["Type"] == "AWS::Athena::WorkGroup":
            config = properties["WorkGroupConfiguration"]
            config["BytesScannedCutoffPerQuery"] = int(config["BytesScannedCutoffPerQuery"])
            boto3.client("athena", region_name=REGION).create_work_group(
                Name=properties["Name"], Configuration=config
            )
        elif resource["Type"] == "AWS::Glue::Database":
            boto3.client("glue", region_name=REGION).create_database(
                DatabaseInput=properties["DatabaseInput"]
            )
    s3 = boto3.client("s3", region_name=REGION)
    for bucket in (parameters["LogBucket"], parameters["ResultsBucket"], parameters["DataBucket"]):
        s3.create_bucket(Bucket=bucket)
    return {o["OutputKey"]: o["OutputValue"] for o in stack["Outputs"]}


def deliver_logs_and_create_the_raw_table() -> None:
    """A delivered log file, and the raw table as create_bedrock_logs_table makes it."""
    bucket, prefix = PARAMETERS["LogBucket"], PARAMETERS["LogPrefix"]
    hour = "111122223333/BedrockModelInvocationLogs/us-east-1/2026/10/01/12"
    key = f"{prefix}/AWSLogs/{hour}/a.json.gz"
    boto3.client("s3", region_name=REGION).put_object(Bucket=bucket, Key=key, Body=b"")
    location = f"s3://{bucket}/{prefix}/AWSLogs/"
    boto3.client("glue", region_name=REGION).create_table(
        DatabaseName="bedrock_raw",
        TableInput={
            "Name": "invocation_logs_raw",
            "StorageDescriptor": {
                "Location": location,
                "Columns": [{"Name": "line", "Type": "string"}],
            },
            "Parameters": {
                "projection.enabled": "true",
                "projection.log_account.values": "111122223333",
                "projection.log_region.values": "us-east-1,eu-west-1",
            },
        },
    )


def vars_file(tmp_path: Path, **overrides: Any) -> Path:
    values = {
        "bedrock_logs_s3_uri": f"s3://{PARAMETERS['LogBucket']}/{PARAMETERS['LogPrefix']}",
        "bedrock_log_accounts": ["111122223333"],
        "bedrock_log_regions": ["us-east-1", "eu-west-1"],
        "bedrock_raw_schema": "bedrock_raw",
        **overrides,
    }
    path = tmp_path / "prod.yml"
    path.write_text(yaml.safe_dump(values))
    return path


CheckRun = Callable[..., tuple[int, str]]


@pytest.fixture
def stack(aws: None) -> dict[str, str]:
    """The template deployed (moto), its outputs; no log delivered, no raw table yet."""
    return deploy(PARAMETERS)


@pytest.fixture
def ready(stack: dict[str, str]) -> dict[str, str]:
    """The deployment with a delivered log file and the raw table: nothing missing."""
    deliver_logs_and_create_the_raw_table()
    return stack


@pytest.fixture
def check(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> CheckRun:
    """`bedrock-costs athena check` on a deployment, with the environment of its scheduled run
    (the stack's outputs), vars overridden by `dbt_vars` and variables by `env`: (exit, output)."""
    monkeypatch.chdir(PROJECT)  # the command reads deploy/iam/ of the repository

    def run(
        outputs: dict[str, str],
        dbt_vars: dict[str, Any] | None = None,
        env: dict[str, str] | None = None,
    ) -> tuple[int, str]:
        environment = {
            "ATHENA_REGION": REGION,
            "ATHENA_WORK_GROUP": "bedrock-costs",
            "ATHENA_S3_STAGING_DIR": outputs["StagingDir"],
            "ATHENA_S3_DATA_DIR": outputs["DataDir"],
            **(env or {}),
        }
        for name, value in environment.items():
            monkeypatch.setenv(name, value)
        vars_path = vars_file(tmp_path, **(dbt_vars or {}))
        role = outputs["RunnerRoleArn"]
        code = main(["athena", "check", "--vars-file", str(vars_path), "--role-arn", role])
        captured = capsys.readouterr()
        return code, captured.out + captured.err

    return run


def test_a_deployment_from_the_template_is_ready(ready: dict[str, str], check: CheckRun) -> None:
    code, out = check(ready)
    assert code == 0, out
    assert "MISSING" not in out
    assert "OK       permissions ReadBedrockLogsOnly: 1 requests allowed" in out
    assert "OK       raw table bedrock_raw.invocation_logs_raw" in out
    assert "Ready for the first run" in out


def test_a_permission_taken_from_the_role_is_named(ready: dict[str, str], check: CheckRun) -> None:
    iam = boto3.client("iam")
    role = ready["RunnerRoleArn"].rsplit("/", 1)[-1]
    document = policy_document(
        iam.get_role_policy(RoleName=role, PolicyName="dbt-runner")["PolicyDocument"]
    )
    for statement in document["Statement"]:
        if statement["Sid"] == "ReadBedrockLogsOnly":
            statement["Action"] = ["s3:GetObjectVersion"]
    iam.put_role_policy(RoleName=role, PolicyName="dbt-runner", PolicyDocument=json.dumps(document))
    code, out = check(ready)
    assert code == 1
    assert (
        f"MISSING  permissions ReadBedrockLogsOnly: role {role} is not allowed s3:GetObject on "
        "arn:aws:s3:::example-bedrock-logs/bedrock/AWSLogs/example"
    ) in out, out
    assert "1 missing" in out


def test_a_location_under_the_log_prefix_is_named(ready: dict[str, str], check: CheckRun) -> None:
    under_logs = "s3://example-bedrock-logs/bedrock/tables/"
    code, out = check(ready, env={"ATHENA_S3_DATA_DIR": under_logs})
    assert code == 1
    assert (
        f"MISSING  location ATHENA_S3_DATA_DIR: {under_logs} overlaps the log prefix "
        "s3://example-bedrock-logs/bedrock/"
    ) in out, out


def test_no_logs_and_no_raw_table_are_named(stack: dict[str, str], check: CheckRun) -> None:
    code, out = check(stack)
    assert code == 1
    assert "MISSING  logs under s3://example-bedrock-logs/bedrock/: no object under AWSLogs/" in out
    assert "MISSING  raw table bedrock_raw.invocation_logs_raw: missing: dbt run-operation" in out
    # with create_raw_table_on_run_start the first run makes the table: a warning only
    code, out = check(stack, dbt_vars={"create_raw_table_on_run_start": True})
    assert "WARN     raw table bedrock_raw.invocation_logs_raw: missing: the first run" in out


def test_a_work_group_on_another_engine_is_named(ready: dict[str, str], check: CheckRun) -> None:
    boto3.client("athena", region_name=REGION).create_work_group(
        Name="spark",
        Configuration={
            "EnforceWorkGroupConfiguration": True,
            "BytesScannedCutoffPerQuery": 10**11,
            "EngineVersion": {"SelectedEngineVersion": "PySpark engine version 3"},
        },
    )
    code, out = check(ready, env={"ATHENA_WORK_GROUP": "spark"})
    assert code == 1
    assert "MISSING  work group spark: runs PySpark engine version 3" in out, out


def test_a_raw_table_that_projects_too_little_is_named(
    ready: dict[str, str], check: CheckRun
) -> None:
    wider = {"bedrock_log_regions": ["us-east-1", "eu-west-1", "ap-south-1"]}
    code, out = check(ready, dbt_vars=wider)
    assert code == 1
    assert "projection.log_region.values lacks ap-south-1" in out


def test_a_bad_vars_file_is_a_clear_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ATHENA_S3_STAGING_DIR", "s3://results/dbt/")
    monkeypatch.setenv("ATHENA_S3_DATA_DIR", "s3://data/x/")
    missing = main(["athena", "check", "--vars-file", str(tmp_path / "absent.yml")])
    assert missing == 1
    assert "absent.yml" in capsys.readouterr().err
    no_uri = tmp_path / "prod.yml"
    no_uri.write_text("bedrock_log_accounts: ['111122223333']\n")
    assert main(["athena", "check", "--vars-file", str(no_uri)]) == 1
    assert "bedrock_logs_s3_uri must be the s3:// log prefix" in capsys.readouterr().err
