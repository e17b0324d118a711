"""quicksight deploy with the repository's dashboard and row-level security (Stubber).

Every request goes through a real botocore QuickSight client (its parameter validation runs
under Stubber) and is checked again against the service model by quicksight_shapes (enums,
patterns, sizes). The marts, their contracts, deploy/quicksight/dashboard.yml and
seeds/tenant_viewers.csv are the repository's own.
"""

from __future__ import annotations

import copy
import io
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import botocore.session
import pytest
from botocore.stub import Stubber

from bedrock_costs import quicksight as qs
from quicksight_shapes import problems

ROOT = Path(__file__).resolve().parents[2]
ACCOUNT = "111122223333"
REGION = "eu-west-1"
SCHEMA = "bedrock_costs_marts"
PRINCIPAL = "arn:aws:quicksight:eu-west-1:111122223333:group/default/finance"
VIEWER = "arn:aws:quicksight:eu-west-1:111122223333:group/default/acme-viewers"
SOURCE_ARN = f"arn:aws:quicksight:{REGION}:{ACCOUNT}:datasource/{qs.DATA_SOURCE_ID}"
DASHBOARD_ID = "bedrock-tenant-costs"
DASHBOARD_ARN = f"arn:aws:quicksight:{REGION}:{ACCOUNT}:dashboard/{DASHBOARD_ID}"
VIEWERS_ID = "bedrock-tenant-costs-tenant-viewers"
VIEWERS_ARN = f"arn:aws:quicksight:{REGION}:{ACCOUNT}:dataset/{VIEWERS_ID}"
#: The issue's sheets and what each must show (visual ids of deploy/quicksight/dashboard.yml).
SHEETS = {
    "Usage overview": {"tokens-by-tenant", "tokens-by-tag", "model-distribution"},
    "Usage trends": {
        "tokens-over-time",
        "token-classes-by-day",
        "latency-by-model",
        "usage-by-environment",
    },
    "Cost": {
        "cost-over-time",
        "cost-by-tenant",
        "cost-by-tag",
        "cost-by-model-and-class",
        "cache-savings",
        "budget-burn",
        "anomalies",
        "billed-vs-estimated",
    },
}


def config(**overrides: Any) -> qs.DeployConfig:
    values: dict[str, Any] = {
        "account_id": ACCOUNT,
        "region": REGION,
        "schema": SCHEMA,
        "principal": PRINCIPAL,
        "dashboard_viewers": (VIEWER,),
    }
    values.update(overrides)
    return qs.DeployConfig(**values)


class Recorder:
    """A QuickSight client whose calls are answered by Stubber and recorded, request by request."""

    def __init__(self) -> None:
        self.client = botocore.session.get_session().create_client(
            "quicksight",
            region_name=REGION,
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
        )
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.client.meta.events.register("provide-client-params.quicksight", self._record)
        self.stubber = Stubber(self.client)

    def _record(self, params: dict[str, Any], model: Any, **_: Any) -> None:
        self.calls.append((model.name, copy.deepcopy(params)))

    def ok(self, method: str, response: dict[str, Any]) -> None:
        self.stubber.add_response(method, response)

    def missing(self, method: str) -> None:
        self.stubber.add_client_error(
            method, service_error_code="ResourceNotFoundException", http_status_code=404
        )

    def requests(self, operation: str) -> list[dict[str, Any]]:
        return [params for name, params in self.calls if name == operation]


@pytest.fixture
def recorder() -> Iterator[Recorder]:
    recorder = Recorder()
    with recorder.stubber:
        yield recorder


def published() -> list[qs.MartTable]:
    tables, _ = qs.published_tables(qs.load_mart_tables(ROOT), config())
    return tables


def run(recorder: Recorder, project: Path = ROOT, **overrides: Any) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = qs.run_deploy(
        quicksight=recorder.client,
        config=config(**overrides),
        project_dir=project,
        dry_run=False,
        stdout=out,
        stderr=err,
        sleep=lambda seconds: None,
    )
    return code, out.getvalue(), err.getvalue()


def expect_describes(recorder: Recorder, *, found: bool) -> None:
    answer = recorder.ok if found else None
    data_set_ids = [VIEWERS_ID, *(t.data_set_id for t in published())]
    if answer is None:
        recorder.missing("describe_data_source")
        for _ in data_set_ids:
            recorder.missing("describe_data_set")
        recorder.missing("describe_analysis")
        recorder.missing("describe_dashboard")
        return
    recorder.ok(
        "describe_data_source",
        {"DataSource": {"Arn": SOURCE_ARN, "Status": "CREATION_SUCCESSFUL"}},
    )
    for data_set_id in data_set_ids:
        recorder.ok("describe_data_set", {"DataSet": {"DataSetId": data_set_id}})
    recorder.ok("describe_analysis", {"Analysis": {"AnalysisId": DASHBOARD_ID}})
    recorder.ok("describe_dashboard", {"Dashboard": {"DashboardId": DASHBOARD_ID}})


def version_status(recorder: Recorder, version: int, status: str, **extra: Any) -> None:
    recorder.ok(
        "describe_dashboard",
        {
            "Dashboard": {
                "DashboardId": DASHBOARD_ID,
                "Version": {"VersionNumber": version, "Status": status, **extra},
            }
        },
    )


def expect_first_deploy(recorder: Recorder) -> None:
    expect_describes(recorder, found=False)
    recorder.ok("create_data_source", {"Arn": SOURCE_ARN, "CreationStatus": "CREATION_SUCCESSFUL"})
    for _ in range(1 + len(published())):
        recorder.ok("create_data_set", {"Status": 201})
    recorder.ok("create_analysis", {"CreationStatus": "CREATION_IN_PROGRESS"})
    recorder.ok(
        "create_dashboard",
        {"Arn": DASHBOARD_ARN, "VersionArn": f"{DASHBOARD_ARN}/version/1"},
    )
    version_status(recorder, 1, "CREATION_IN_PROGRESS")
    version_status(recorder, 1, "CREATION_SUCCESSFUL")


def columns_named(node: Any) -> Iterator[tuple[str, str]]:
    """Every (data set identifier, column) a definition refers to."""
    if isinstance(node, dict):
        if "ColumnName" in node and "DataSetIdentifier" in node:
            yield node["DataSetIdentifier"], node["ColumnName"]
        for value in node.values():
            yield from columns_named(value)
    elif isinstance(node, list):
        for value in node:
            yield from columns_named(value)


def test_every_request_fits_the_quicksight_model(recorder: Recorder) -> None:
    expect_first_deploy(recorder)
    code, out, err = run(recorder)
    assert code == 0, err
    recorder.stubber.assert_no_pending_responses()
    assert recorder.calls, "the deploy called QuickSight"
    for operation, params in recorder.calls:
        assert problems(operation, params) == [], operation
    assert "1 analysis, 1 dashboard" in out


def test_the_shape_check_can_fail() -> None:
    bad = {
        "AwsAccountId": ACCOUNT,
        "AnalysisId": "a.b",
        "Name": "x",
        "Definition": {
            "DataSetIdentifierDeclarations": [],
            "Sheets": [
                {
                    "SheetId": "s",
                    "Visuals": [
                        {
                            "BarChartVisual": {
                                "VisualId": "v",
                                "ChartConfiguration": {"Orientation": "SIDEWAYS"},
                            }
                        }
                    ],
                }
            ],
        },
    }
    found = problems("CreateAnalysis", bad)
    assert any("'a.b' does not match" in p for p in found)
    assert any("'SIDEWAYS' is not one of" in p for p in found)


def test_the_first_deploy_creates_the_sheets_controls_and_row_level_security(
    recorder: Recorder,
) -> None:
    expect_first_deploy(recorder)
    code, _, err = run(recorder)
    assert code == 0, err

    sets = {r["DataSetId"]: r for r in recorder.requests("CreateDataSet")}
    viewers = sets.pop(VIEWERS_ID)
    (physical,) = viewers["PhysicalTableMap"].values()
    sql = physical["CustomSql"]["SqlQuery"]
    assert sql == (
        "select nullif(user_name, '') as user_name, nullif(group_name, '') as group_name,"
        ' nullif(tenant_id, \'\') as tenant_id from "bedrock_costs_reference"."tenant_viewers"'
    )
    assert [c["Name"] for c in physical["CustomSql"]["Columns"]] == [
        "user_name",
        "group_name",
        "tenant_id",
    ]
    (logical,) = viewers["LogicalTableMap"].values()
    renames = {
        t["RenameColumnOperation"]["ColumnName"]: t["RenameColumnOperation"]["NewColumnName"]
        for t in logical["DataTransforms"]
    }
    assert renames == {"user_name": "UserName", "group_name": "GroupName"}
    assert "RowLevelPermissionDataSet" not in viewers

    restricted = set()
    for table in published():
        request = sets[table.data_set_id]
        has_tenant = "tenant_id" in {c.name for c in table.columns}
        if has_tenant:
            restricted.add(table.name)
            assert request["RowLevelPermissionDataSet"] == {
                "Arn": VIEWERS_ARN,
                "PermissionPolicy": "GRANT_ACCESS",
                "FormatVersion": "VERSION_1",
                "Status": "ENABLED",
            }
        else:
            assert "RowLevelPermissionDataSet" not in request, table.name
    assert {"fct_tenant_daily_usage", "fct_bedrock_invocations"} <= restricted

    (analysis,) = recorder.requests("CreateAnalysis")
    (dashboard,) = recorder.requests("CreateDashboard")
    assert analysis["Definition"] == dashboard["Definition"]
    definition = dashboard["Definition"]
    declared = {
        d["Identifier"]: d["DataSetArn"] for d in definition["DataSetIdentifierDeclarations"]
    }
    marts = {t.data_set_id: t for t in published()}
    contracts = {}
    for identifier, arn in declared.items():
        data_set_id = arn.rsplit("/", 1)[1]
        assert data_set_id in sets, "the dashboard reads a data set the deploy creates"
        assert marts[data_set_id].name in restricted, "every dashboard data set is restricted"
        contracts[identifier] = {c.name for c in marts[data_set_id].columns}
    for identifier, column in columns_named(definition):
        assert column in contracts[identifier], (identifier, column)

    sheets = {sheet["Title"]: sheet for sheet in definition["Sheets"]}
    assert set(sheets) == set(SHEETS)
    for title, wanted in SHEETS.items():
        visuals = {next(iter(v.values()))["VisualId"] for v in sheets[title]["Visuals"]}
        assert wanted <= visuals, title
        sources = {
            next(iter(c.values()))["SourceFilterId"] for c in sheets[title]["FilterControls"]
        }
        assert {"filter-dates", "filter-tenant", "filter-model"} <= sources, title
        laid_out = {
            e["ElementId"]
            for e in sheets[title]["Layouts"][0]["Configuration"]["GridLayout"]["Elements"]
        }
        assert laid_out == visuals

    grants = {p["Principal"]: set(p["Actions"]) for p in dashboard["Permissions"]}
    assert grants[VIEWER] == {
        "quicksight:DescribeDashboard",
        "quicksight:ListDashboardVersions",
        "quicksight:QueryDashboard",
    }
    assert "quicksight:UpdateDashboard" in grants[PRINCIPAL]


def test_the_environment_visual_keeps_its_tag_key_whatever_the_control_says(
    recorder: Recorder,
) -> None:
    expect_first_deploy(recorder)
    assert run(recorder)[0] == 0
    (dashboard,) = recorder.requests("CreateDashboard")
    groups = {g["FilterGroupId"]: g for g in dashboard["Definition"]["FilterGroups"]}
    pinned = [g for g in groups.values() if g["FilterGroupId"].startswith("where-usage-by-env")]
    assert len(pinned) == 1
    custom = pinned[0]["Filters"][0]["CategoryFilter"]["Configuration"]["CustomFilterConfiguration"]
    assert (custom["MatchOperator"], custom["CategoryValue"]) == ("EQUALS", "environment")
    scoped = groups["control-tag-key"]["ScopeConfiguration"]["SelectedSheets"]
    visuals = {v for s in scoped["SheetVisualScopingConfigurations"] for v in s["VisualIds"]}
    assert visuals == {"tokens-by-tag", "cost-by-tag"}
    assert groups["control-tenant"]["CrossDataset"] == "ALL_DATASETS"
    assert groups["control-tenant"]["ScopeConfiguration"] == {"AllSheets": {}}


def test_a_second_deploy_updates_everything_in_place_and_publishes_the_new_version(
    recorder: Recorder,
) -> None:
    expect_describes(recorder, found=True)
    recorder.ok("update_data_source", {"Arn": SOURCE_ARN, "UpdateStatus": "UPDATE_SUCCESSFUL"})
    recorder.ok("update_data_source_permissions", {})
    for _ in range(1 + len(published())):
        recorder.ok("update_data_set", {})
        recorder.ok("update_data_set_permissions", {})
    recorder.ok("update_analysis", {})
    recorder.ok("update_analysis_permissions", {})
    recorder.ok("update_dashboard", {"VersionArn": f"{DASHBOARD_ARN}/version/2"})
    recorder.ok("update_dashboard_permissions", {})
    version_status(recorder, 2, "CREATION_SUCCESSFUL")
    recorder.ok("update_dashboard_published_version", {})
    code, out, err = run(recorder)
    assert code == 0, err
    recorder.stubber.assert_no_pending_responses()
    operations = [name for name, _ in recorder.calls]
    assert not [name for name in operations if name.startswith("Create")]
    (published_version,) = recorder.requests("UpdateDashboardPublishedVersion")
    assert published_version["VersionNumber"] == 2
    (described,) = [p for p in recorder.requests("DescribeDashboard") if "VersionNumber" in p]
    assert described["VersionNumber"] == 2
    assert "updated" in out
    for operation, params in recorder.calls:
        assert problems(operation, params) == [], operation


def test_a_failed_dashboard_version_names_quicksight_errors(recorder: Recorder) -> None:
    expect_describes(recorder, found=False)
    recorder.ok("create_data_source", {"Arn": SOURCE_ARN, "CreationStatus": "CREATION_SUCCESSFUL"})
    for _ in range(1 + len(published())):
        recorder.ok("create_data_set", {})
    recorder.ok("create_analysis", {})
    recorder.ok("create_dashboard", {"VersionArn": f"{DASHBOARD_ARN}/version/1"})
    version_status(
        recorder,
        1,
        "CREATION_FAILED",
        Errors=[{"Type": "COLUMN_TYPE_MISMATCH", "Message": "billed_cost_usd is not numeric"}],
    )
    code, _, err = run(recorder)
    assert code == 1
    assert "COLUMN_TYPE_MISMATCH: billed_cost_usd is not numeric" in err
    assert not recorder.requests("UpdateDashboardPublishedVersion")


def project_copy(tmp_path: Path) -> Path:
    for relative in ("models/marts", "deploy/quicksight"):
        shutil.copytree(ROOT / relative, tmp_path / relative)
    (tmp_path / "seeds").mkdir()
    shutil.copy(ROOT / "seeds/tenant_viewers.csv", tmp_path / "seeds/tenant_viewers.csv")
    return tmp_path


def test_a_renamed_contract_column_fails_the_deploy_before_any_call(
    recorder: Recorder, tmp_path: Path
) -> None:
    project = project_copy(tmp_path)
    contract = project / "models/marts/cost/_cost__models.yml"
    text = contract.read_text()
    assert "- name: cache_read_savings_usd" in text
    contract.write_text(text.replace("- name: cache_read_savings_usd", "- name: cache_savings_usd"))
    code, _, err = run(recorder, project)
    assert code == 2
    assert "visual cache-savings" in err
    assert "no column 'cache_read_savings_usd'" in err
    assert recorder.calls == []


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        ("user_name,group_name,tenant_id\n,,acme\n", "name a user_name or a group_name"),
        ('user_name,group_name,tenant_id\nann,,"acme,globex"\n', "comma in tenant_id"),
        ("UserName,GroupName,tenant_id\nann,,acme\n", "the header must be"),
    ],
)
def test_a_bad_tenant_viewers_seed_is_refused_before_any_call(
    recorder: Recorder, tmp_path: Path, rows: str, message: str
) -> None:
    project = project_copy(tmp_path)
    (project / "seeds/tenant_viewers.csv").write_text(rows)
    code, _, err = run(recorder, project)
    assert code == 2
    assert message in err
    assert recorder.calls == []


def test_a_dashboard_on_a_mart_without_tenants_is_refused(
    recorder: Recorder, tmp_path: Path
) -> None:
    project = project_copy(tmp_path)
    spec = project / "deploy/quicksight/dashboard.yml"
    spec.write_text(
        spec.read_text().replace(
            "  billed: fct_tenant_daily_billed_cost\n",
            "  billed: fct_tenant_daily_billed_cost\n  bill: fct_bedrock_bill_reconciliation\n",
        )
    )
    code, _, err = run(recorder, project)
    assert code == 2
    assert "has no tenant_id, so row-level security could not restrict it" in err


def test_marts_schema_without_the_suffix_needs_the_reference_schema(recorder: Recorder) -> None:
    code, _, err = run(recorder, schema="analytics")
    assert code == 2
    assert "--reference-schema" in err
    expect_first_deploy(recorder)
    code, _, err = run(recorder, schema="analytics", reference_schema="seeds_db")
    assert code == 0, err
    viewers = [r for r in recorder.requests("CreateDataSet") if r["DataSetId"] == VIEWERS_ID]
    (physical,) = viewers[0]["PhysicalTableMap"].values()
    assert '"seeds_db"."tenant_viewers"' in physical["CustomSql"]["SqlQuery"]


def test_the_dry_run_plans_the_analysis_and_dashboard(recorder: Recorder) -> None:
    expect_describes(recorder, found=False)
    out, err = io.StringIO(), io.StringIO()
    code = qs.run_deploy(
        quicksight=recorder.client,
        config=config(),
        project_dir=ROOT,
        dry_run=True,
        stdout=out,
        stderr=err,
    )
    assert code == 0, err.getvalue()
    text = out.getvalue()
    assert f"create analysis    {DASHBOARD_ID}" in text
    assert f"create dashboard   {DASHBOARD_ID}" in text
    assert f"create data set    {VIEWERS_ID}" in text
    assert all(name.startswith("Describe") for name, _ in recorder.calls)


def test_a_reference_schema_that_is_not_a_glue_name_is_refused(recorder: Recorder) -> None:
    code, _, err = run(recorder, reference_schema='seeds"; drop table x; --')
    assert code == 2
    assert "is not a Glue database name" in err
    assert recorder.calls == []


def test_viewers_without_row_level_security_are_refused(recorder: Recorder) -> None:
    code, _, err = run(recorder, row_level_security=False)
    assert code == 2
    assert "would show those viewers every tenant" in err
    assert recorder.calls == []


def test_the_rules_are_queried_live_even_with_spice(recorder: Recorder) -> None:
    expect_first_deploy(recorder)
    code, _, err = run(recorder, spice=True)
    assert code == 0, err
    sets = {r["DataSetId"]: r for r in recorder.requests("CreateDataSet")}
    assert sets[VIEWERS_ID]["ImportMode"] == "DIRECT_QUERY"
    assert sets["bedrock-tenant-costs-fct-tenant-daily-usage"]["ImportMode"] == "SPICE"
