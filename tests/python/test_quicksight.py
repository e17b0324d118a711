"""quicksight deploy: contracts -> data sets, create then update (Stubber), dry run, errors."""

from __future__ import annotations

import io
import shutil
from pathlib import Path
from typing import Any

import botocore.session
import pytest
from botocore.stub import Stubber

from bedrock_costs import quicksight as qs
from bedrock_costs.cli import main

ROOT = Path(__file__).resolve().parents[2]
ACCOUNT = "111122223333"
REGION = "eu-west-1"
SCHEMA = "bedrock_costs_marts"
PRINCIPAL = "arn:aws:quicksight:eu-west-1:111122223333:group/default/finance"
SOURCE_ARN = f"arn:aws:quicksight:{REGION}:{ACCOUNT}:datasource/{qs.DATA_SOURCE_ID}"
WRITE_OPERATIONS = {
    "create_data_source",
    "update_data_source",
    "update_data_source_permissions",
    "create_data_set",
    "update_data_set",
    "update_data_set_permissions",
}

#: A small project of two marts in two YAML files, with every kind of type.
SMALL_COST_YAML = """\
version: 2
models:
  - name: fct_small_daily
    config:
      contract:
        enforced: true
    columns:
      - name: usage_date
        data_type: date
      - name: tenant_id
        data_type: varchar
      - name: invocation_count
        data_type: bigint
      - name: total_cost_usd
        data_type: decimal(38,15)
      - name: mean_latency_ms
        data_type: double
      - name: is_complete
        data_type: boolean
      - name: refreshed_at
        data_type: timestamp
"""
SMALL_DQ_YAML = """\
version: 2
models:
  - name: dq_small
    columns:
      - name: source_file
        data_type: varchar
      - name: line_count
        data_type: integer
"""

SMALL_DAILY_DIRECT = [
    {"Name": "usage_date", "Type": "DATETIME"},
    {"Name": "tenant_id", "Type": "STRING"},
    {"Name": "invocation_count", "Type": "INTEGER"},
    {"Name": "total_cost_usd", "Type": "DECIMAL"},
    {"Name": "mean_latency_ms", "Type": "DECIMAL"},
    {"Name": "is_complete", "Type": "BIT"},
    {"Name": "refreshed_at", "Type": "DATETIME"},
]
DQ_SMALL = [
    {"Name": "source_file", "Type": "STRING"},
    {"Name": "line_count", "Type": "INTEGER"},
]


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "models/marts/cost").mkdir(parents=True)
    (tmp_path / "models/marts/data_quality").mkdir(parents=True)
    (tmp_path / "models/marts/cost/_cost__models.yml").write_text(SMALL_COST_YAML)
    (tmp_path / "models/marts/data_quality/_data_quality__models.yml").write_text(SMALL_DQ_YAML)
    # Not a contract file (no leading underscore): must be ignored.
    (tmp_path / "models/marts/cost/notes.yml").write_text("models:\n  - name: not_a_mart\n")
    return tmp_path


def quicksight_client() -> Any:
    return botocore.session.get_session().create_client(
        "quicksight",
        region_name=REGION,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )


def config(**overrides: Any) -> qs.DeployConfig:
    values: dict[str, Any] = {
        "account_id": ACCOUNT,
        "region": REGION,
        "schema": SCHEMA,
        "principal": PRINCIPAL,
        # the request-shape tests below publish the small dq mart too (opt in, as users may)
        "include_data_quality": True,
        # the small project has no dashboard file and no seeds: the data sets alone here
        # (test_quicksight_dashboard deploys the repository's dashboard and row-level security)
        "dashboard": False,
        "row_level_security": False,
    }
    values.update(overrides)
    return qs.DeployConfig(**values)


def not_found(stubber: Stubber, method: str, **ids: str) -> None:
    stubber.add_client_error(
        method,
        service_error_code="ResourceNotFoundException",
        service_message="not found",
        http_status_code=404,
        expected_params={"AwsAccountId": ACCOUNT, **ids},
    )


def found_source(stubber: Stubber, status: str = "CREATION_SUCCESSFUL") -> None:
    stubber.add_response(
        "describe_data_source",
        {"DataSource": {"Arn": SOURCE_ARN, "DataSourceId": qs.DATA_SOURCE_ID, "Status": status}},
        {"AwsAccountId": ACCOUNT, "DataSourceId": qs.DATA_SOURCE_ID},
    )


def found_set(stubber: Stubber, data_set_id: str) -> None:
    stubber.add_response(
        "describe_data_set",
        {"DataSet": {"DataSetId": data_set_id}, "Status": 200},
        {"AwsAccountId": ACCOUNT, "DataSetId": data_set_id},
    )


def expected_set(data_set_id: str, table: str, table_key: str, columns: list[dict]) -> dict:
    return {
        "AwsAccountId": ACCOUNT,
        "DataSetId": data_set_id,
        "Name": f"bedrock_tenant_costs {table}",
        "ImportMode": "DIRECT_QUERY",
        "PhysicalTableMap": {
            table_key: {
                "RelationalTable": {
                    "DataSourceArn": SOURCE_ARN,
                    "Catalog": "AwsDataCatalog",
                    "Schema": SCHEMA,
                    "Name": table,
                    "InputColumns": columns,
                }
            }
        },
    }


SMALL_SETS = [
    ("bedrock-tenant-costs-dq-small", "dq_small", "dq-small", DQ_SMALL),
    (
        "bedrock-tenant-costs-fct-small-daily",
        "fct_small_daily",
        "fct-small-daily",
        SMALL_DAILY_DIRECT,
    ),
]
SOURCE_REQUEST = {
    "AwsAccountId": ACCOUNT,
    "DataSourceId": "bedrock-tenant-costs-athena",
    "Name": qs.DATA_SOURCE_NAME,
    "DataSourceParameters": {"AthenaParameters": {"WorkGroup": "primary"}},
}


def owner(actions: tuple[str, ...]) -> list[dict]:
    return [{"Principal": PRINCIPAL, "Actions": list(actions)}]


def run(client: Any, project_dir: Path, *, dry_run: bool = False, **overrides: Any):
    out, err = io.StringIO(), io.StringIO()
    sleeps: list[float] = []
    code = qs.run_deploy(
        quicksight=client,
        config=config(**overrides),
        project_dir=project_dir,
        dry_run=dry_run,
        stdout=out,
        stderr=err,
        sleep=sleeps.append,
    )
    return code, out.getvalue(), err.getvalue(), sleeps


# --- contracts -> columns -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data_type", "spice", "expected"),
    [
        ("varchar", False, ("STRING", None)),
        ("VARCHAR(255)", False, ("STRING", None)),
        ("bigint", False, ("INTEGER", None)),
        ("integer", True, ("INTEGER", None)),
        ("date", False, ("DATETIME", None)),
        ("timestamp", True, ("DATETIME", None)),
        ("timestamp(6)", False, ("DATETIME", None)),
        ("boolean", False, ("BIT", None)),
        ("decimal(38,15)", False, ("DECIMAL", None)),
        # SPICE's FIXED decimal is decimal(18,4): money at 15 decimals must be FLOAT there.
        ("decimal(38,15)", True, ("DECIMAL", "FLOAT")),
        ("decimal(18, 4)", True, ("DECIMAL", "FIXED")),
        ("decimal(12,2)", True, ("DECIMAL", "FIXED")),
        ("decimal(18,5)", True, ("DECIMAL", "FLOAT")),
        ("double", True, ("DECIMAL", "FLOAT")),
        ("double", False, ("DECIMAL", None)),
    ],
)
def test_contract_types_map_to_quicksight_types(
    data_type: str, spice: bool, expected: tuple[str, str | None]
) -> None:
    assert qs.quicksight_type(data_type, spice=spice) == expected


def test_every_mapped_type_is_in_the_botocore_enum() -> None:
    model = botocore.session.get_session().get_service_model("quicksight")
    types = set(model.shape_for("InputColumnDataType").enum)
    sub_types = set(model.shape_for("ColumnDataSubType").enum)
    for data_type in ("varchar", "bigint", "date", "boolean", "decimal(38,15)", "double"):
        for spice in (False, True):
            kind, sub_type = qs.quicksight_type(data_type, spice=spice)
            assert kind in types
            assert sub_type is None or sub_type in sub_types


def test_unknown_type_is_a_usage_error_naming_the_column(project: Path) -> None:
    path = project / "models/marts/data_quality/_data_quality__models.yml"
    path.write_text(SMALL_DQ_YAML.replace("data_type: integer", "data_type: struct(a int)"))
    code, out, err, _ = run(quicksight_client(), project)
    assert code == 2
    assert "dq_small.line_count" in err
    assert "struct(a int)" in err
    assert out == ""


def test_the_real_marts_are_all_data_sets_with_money_as_decimal() -> None:
    tables = {table.name: table for table in qs.load_mart_tables(ROOT)}
    for mart in (
        "fct_bedrock_invocations",
        "fct_tenant_daily_usage",
        "fct_tenant_daily_usage_by_tag",
        "dim_tenants",
        "dq_unpriced_usage",
        "dq_quarantined_log_lines",
    ):
        assert mart in tables
    columns = {
        column["Name"]: column
        for column in qs.input_columns(tables["fct_bedrock_invocations"], spice=True)
    }
    assert columns["total_cost_usd"] == {
        "Name": "total_cost_usd",
        "Type": "DECIMAL",
        "SubType": "FLOAT",
    }
    assert columns["input_tokens"]["Type"] == "INTEGER"
    assert columns["request_id"]["Type"] == "STRING"
    # Bodies never reach the marts, so no data set may carry them.
    for table in tables.values():
        for column in table.columns:
            assert "body" not in column.name
            assert column.name not in ("input", "output", "prompt", "response")


def test_by_default_no_data_quality_mart_and_no_identity_arn_is_published() -> None:
    """Tenant-facing viewers must not get the operators' marts or the callers' IAM identities."""
    real = qs.load_mart_tables(ROOT)
    assert any(t.name.startswith("dq_") for t in real)
    assert any(c.name == "identity_arn" for t in real for c in t.columns)
    published, withheld = qs.published_tables(real, config(include_data_quality=False))
    assert published
    assert not [t.name for t in published if t.name.startswith("dq_")]
    assert not [
        t.name for t in published for c in t.columns if c.name in ("identity_arn", "iam_principal")
    ]
    assert (
        "withheld data-quality mart dq_quarantined_log_lines (--include-data-quality)" in withheld
    )
    assert (
        "withheld column fct_bedrock_invocations.identity_arn (--include-identity-arns)" in withheld
    )
    assert (
        "withheld column fct_bedrock_bill_principals.iam_principal (--include-identity-arns)"
        in withheld
    )
    everything, none = qs.published_tables(
        real, config(include_data_quality=True, include_identity_arns=True)
    )
    assert everything == real
    assert none == []


def test_the_default_deploy_sends_no_data_quality_data_set(project: Path) -> None:
    client = quicksight_client()
    with Stubber(client) as stubber:
        found_source(stubber)
        found_set(stubber, SMALL_SETS[1][0])
        code, out, err, _ = run(client, project, dry_run=True, include_data_quality=False)
        stubber.assert_no_pending_responses()
    assert code == 0, err
    assert "dq-small" not in out
    assert "would create 0, would update 2 (1 data source, 1 data sets)" in out
    assert "note: withheld data-quality mart dq_small (--include-data-quality)" in out


def test_a_column_added_to_a_contract_reaches_the_request(tmp_path: Path) -> None:
    shutil.copytree(ROOT / "models/marts", tmp_path / "models/marts")
    contract = tmp_path / "models/marts/cost/_cost__models.yml"
    text = contract.read_text()
    anchor = "  - name: fct_tenant_daily_usage\n"
    start = text.index(anchor)
    columns_at = text.index("    columns:\n", start) + len("    columns:\n")
    added = (
        "      - name: carbon_grams\n"
        "        data_type: decimal(20,6)\n"
        "        description: added by the test\n"
    )
    contract.write_text(text[:columns_at] + added + text[columns_at:])

    before = {t.name: t for t in qs.load_mart_tables(ROOT)}["fct_tenant_daily_usage"]
    client = quicksight_client()
    sent: dict[str, Any] = {}

    def capture(params: dict[str, Any], **_: Any) -> None:
        sent[params["DataSetId"]] = params

    client.meta.events.register("provide-client-params.quicksight.CreateDataSet", capture)
    tables = qs.load_mart_tables(tmp_path)
    with Stubber(client) as stubber:
        not_found(stubber, "describe_data_source", DataSourceId=qs.DATA_SOURCE_ID)
        for table in tables:
            not_found(stubber, "describe_data_set", DataSetId=table.data_set_id)
        stubber.add_response(
            "create_data_source",
            {"Arn": SOURCE_ARN, "CreationStatus": "CREATION_SUCCESSFUL"},
            None,
        )
        for _ in tables:
            stubber.add_response("create_data_set", {"Status": 201}, None)
        code, _, err, _ = run(client, tmp_path, spice=True)
        stubber.assert_no_pending_responses()
    assert code == 0, err
    request = sent["bedrock-tenant-costs-fct-tenant-daily-usage"]
    table = request["PhysicalTableMap"]["fct-tenant-daily-usage"]["RelationalTable"]
    names = [column["Name"] for column in table["InputColumns"]]
    assert names[0] == "carbon_grams"
    assert table["InputColumns"][0] == {
        "Name": "carbon_grams",
        "Type": "DECIMAL",
        "SubType": "FLOAT",
    }
    assert names[1:] == [column.name for column in before.columns]
    assert request["ImportMode"] == "SPICE"


# --- deploy ------------------------------------------------------------------------------------


def test_first_deploy_creates_everything_and_waits_for_the_source(project: Path) -> None:
    client = quicksight_client()
    with Stubber(client) as stubber:
        not_found(stubber, "describe_data_source", DataSourceId=qs.DATA_SOURCE_ID)
        for data_set_id, *_ in SMALL_SETS:
            not_found(stubber, "describe_data_set", DataSetId=data_set_id)
        stubber.add_response(
            "create_data_source",
            {"Arn": SOURCE_ARN, "CreationStatus": "CREATION_IN_PROGRESS", "Status": 202},
            {
                **SOURCE_REQUEST,
                "Type": "ATHENA",
                "Permissions": owner(qs.DATA_SOURCE_OWNER_ACTIONS),
            },
        )
        found_source(stubber, "CREATION_IN_PROGRESS")
        found_source(stubber, "CREATION_SUCCESSFUL")
        for data_set_id, table, key, columns in SMALL_SETS:
            stubber.add_response(
                "create_data_set",
                {"DataSetId": data_set_id, "Status": 201},
                {
                    **expected_set(data_set_id, table, key, columns),
                    "Permissions": owner(qs.DATA_SET_OWNER_ACTIONS),
                },
            )
        code, out, err, sleeps = run(client, project)
        stubber.assert_no_pending_responses()
    assert code == 0, err
    assert len(sleeps) == 2
    assert "created 3, updated 0 (1 data source, 2 data sets)" in out
    assert "create data set    bedrock-tenant-costs-dq-small" in out
    assert "[2/2] create data set bedrock-tenant-costs-fct-small-daily" in err
    assert "no --permissions-principal" not in out


def test_second_deploy_updates_in_place_and_grants_permissions(project: Path) -> None:
    client = quicksight_client()
    with Stubber(client) as stubber:
        found_source(stubber)
        for data_set_id, *_ in SMALL_SETS:
            found_set(stubber, data_set_id)
        stubber.add_response(
            "update_data_source",
            {"Arn": SOURCE_ARN, "UpdateStatus": "UPDATE_SUCCESSFUL"},
            SOURCE_REQUEST,
        )
        stubber.add_response(
            "update_data_source_permissions",
            {"Status": 200},
            {
                "AwsAccountId": ACCOUNT,
                "DataSourceId": qs.DATA_SOURCE_ID,
                "GrantPermissions": owner(qs.DATA_SOURCE_OWNER_ACTIONS),
            },
        )
        for data_set_id, table, key, columns in SMALL_SETS:
            stubber.add_response(
                "update_data_set",
                {"Status": 200},
                expected_set(data_set_id, table, key, columns),
            )
            stubber.add_response(
                "update_data_set_permissions",
                {"Status": 200},
                {
                    "AwsAccountId": ACCOUNT,
                    "DataSetId": data_set_id,
                    "GrantPermissions": owner(qs.DATA_SET_OWNER_ACTIONS),
                },
            )
        code, out, err, sleeps = run(client, project)
        stubber.assert_no_pending_responses()
    assert code == 0, err
    assert sleeps == []
    assert "created 0, updated 3" in out


def test_update_without_principal_touches_no_permissions(project: Path) -> None:
    client = quicksight_client()
    with Stubber(client) as stubber:
        found_source(stubber)
        for data_set_id, *_ in SMALL_SETS:
            found_set(stubber, data_set_id)
        stubber.add_response(
            "update_data_source", {"Arn": SOURCE_ARN, "UpdateStatus": "UPDATE_SUCCESSFUL"}
        )
        for _ in SMALL_SETS:
            stubber.add_response("update_data_set", {"Status": 200})
        code, out, err, _ = run(client, project, principal=None)
        stubber.assert_no_pending_responses()
    assert code == 0, err
    assert "no --permissions-principal" in out


def test_dry_run_describes_only(project: Path) -> None:
    client = quicksight_client()
    called: list[str] = []
    client.meta.events.register(
        "provide-client-params.quicksight.*", lambda model, **_: called.append(model.name)
    )
    with Stubber(client) as stubber:
        found_source(stubber)
        not_found(stubber, "describe_data_set", DataSetId=SMALL_SETS[0][0])
        found_set(stubber, SMALL_SETS[1][0])
        code, out, err, _ = run(client, project, dry_run=True)
        stubber.assert_no_pending_responses()
    assert code == 0, err
    assert called == ["DescribeDataSource", "DescribeDataSet", "DescribeDataSet"]
    assert "Plan (dry run, nothing written)" in out
    assert "update data source bedrock-tenant-costs-athena" in out
    assert "create data set    bedrock-tenant-costs-dq-small" in out
    assert "update data set    bedrock-tenant-costs-fct-small-daily" in out
    assert "would create 1, would update 2" in out


def test_access_denied_names_the_missing_action(project: Path) -> None:
    client = quicksight_client()
    with Stubber(client) as stubber:
        found_source(stubber)
        for data_set_id, *_ in SMALL_SETS:
            not_found(stubber, "describe_data_set", DataSetId=data_set_id)
        stubber.add_response(
            "update_data_source", {"Arn": SOURCE_ARN, "UpdateStatus": "UPDATE_SUCCESSFUL"}
        )
        stubber.add_client_error(
            "create_data_set",
            service_error_code="AccessDeniedException",
            service_message="User is not authorized",
            http_status_code=401,
        )
        code, out, err, _ = run(client, project, principal=None)
    assert code == 1
    assert "quicksight:CreateDataSet" in err
    assert "docs/athena.md, QuickSight" in err
    assert out == ""


@pytest.mark.parametrize(
    ("error_code", "message"),
    [
        (
            "UnsupportedUserEditionException",
            "Account 111122223333 is not subscribed for QuickSight",
        ),
        (
            "ResourceNotFoundException",
            "Account 111122223333 is not signed up with QuickSight with namespace default",
        ),
    ],
)
def test_unsubscribed_account_is_reported_not_created(
    project: Path, error_code: str, message: str
) -> None:
    client = quicksight_client()
    with Stubber(client) as stubber:
        stubber.add_client_error(
            "describe_data_source",
            service_error_code=error_code,
            service_message=message,
            http_status_code=403,
        )
        code, _, err, _ = run(client, project)
        stubber.assert_no_pending_responses()
    assert code == 1
    assert "QuickSight is not set up for account 111122223333" in err
    assert "Enterprise" in err


def test_failed_data_source_stops_before_the_data_sets(project: Path) -> None:
    client = quicksight_client()
    with Stubber(client) as stubber:
        not_found(stubber, "describe_data_source", DataSourceId=qs.DATA_SOURCE_ID)
        for data_set_id, *_ in SMALL_SETS:
            not_found(stubber, "describe_data_set", DataSetId=data_set_id)
        stubber.add_response(
            "create_data_source",
            {"Arn": SOURCE_ARN, "CreationStatus": "CREATION_IN_PROGRESS"},
        )
        stubber.add_response(
            "describe_data_source",
            {
                "DataSource": {
                    "Status": "CREATION_FAILED",
                    "ErrorInfo": {"Type": "ACCESS_DENIED", "Message": "work group not found"},
                }
            },
        )
        code, _, err, _ = run(client, project, principal=None)
        stubber.assert_no_pending_responses()
    assert code == 1
    assert "CREATION_FAILED" in err
    assert "work group not found" in err


# --- CLI ---------------------------------------------------------------------------------------


def test_cli_takes_the_account_from_sts(
    project: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    client = quicksight_client()
    sts = botocore.session.get_session().create_client(
        "sts", region_name=REGION, aws_access_key_id="testing", aws_secret_access_key="testing"
    )
    monkeypatch.setattr(qs, "make_clients", lambda region: (region, sts, client))
    with Stubber(client) as stubber, Stubber(sts) as sts_stubber:
        sts_stubber.add_response(
            "get_caller_identity",
            {"Account": ACCOUNT, "Arn": f"arn:aws:iam::{ACCOUNT}:user/ops", "UserId": "AIDA"},
        )
        not_found(stubber, "describe_data_source", DataSourceId=qs.DATA_SOURCE_ID)
        for data_set_id, *_ in SMALL_SETS:
            not_found(stubber, "describe_data_set", DataSetId=data_set_id)
        code = main(
            [
                "quicksight",
                "deploy",
                "--schema",
                SCHEMA,
                "--region",
                REGION,
                "--dry-run",
                "--include-data-quality",
                "--no-dashboard",
                "--no-row-level-security",
                "--project-dir",
                str(project),
            ]
        )
        stubber.assert_no_pending_responses()
        sts_stubber.assert_no_pending_responses()
    assert code == 0
    out = capsys.readouterr().out
    assert f"account {ACCOUNT}, region {REGION}" in out
    assert "create data set    bedrock-tenant-costs-dq-small" in out


def test_cli_requires_schema_and_has_an_example(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["quicksight", "deploy"])
    assert exit_info.value.code == 2
    assert "--schema" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exit_info:
        main(["quicksight", "deploy", "--help"])
    assert exit_info.value.code == 0
    assert "Example: bedrock-costs quicksight deploy" in capsys.readouterr().out
