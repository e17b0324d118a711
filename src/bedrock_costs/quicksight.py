"""Publish the marts to Amazon QuickSight: one Athena data source and one data set per mart.

``bedrock-costs quicksight deploy`` is idempotent. Every resource is described first; a
``ResourceNotFoundException`` means "create it", anything found is updated in place, so running
the command twice leaves the same resources behind. ``--dry-run`` only describes and prints the
plan.

The data sets are not written by hand: every model in ``models/marts/**/_*__models.yml`` becomes a
data set whose ``RelationalTable`` columns are typed from the model's dbt contract
(``data_type``). A new mart (or a new column in a contract) therefore reaches QuickSight on the
next deploy without a code change. Type mapping (see :func:`quicksight_type`):

* ``varchar``/``string``/``char`` -> ``STRING``; ``bigint``/``integer``/... -> ``INTEGER``;
  ``date``/``timestamp`` -> ``DATETIME``; ``boolean`` -> ``BIT``.
* ``decimal(p,s)``, ``double``, ``real`` -> ``DECIMAL``. QuickSight's SPICE stores a ``FIXED``
  decimal as decimal(18,4), which would round per-invocation costs such as 0.000045 USD to zero,
  so in SPICE mode a decimal gets ``SubType FIXED`` only when it fits (precision <= 18 and
  scale <= 4) and ``FLOAT`` otherwise. Direct query takes no sub type (the API allows sub types
  only for SPICE data sets); Athena computes the decimals itself.
"""

from __future__ import annotations

import argparse
import re
import sys
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from bedrock_costs.exit_codes import EXIT_FAILURE, EXIT_OK, EXIT_USAGE
from bedrock_costs.quicksight_contracts import (
    DATA_SET_ID_PREFIX,
    MARTS_GLOB,
    ContractError,
    MartTable,
    load_mart_tables,
    quicksight_type,
)
from bedrock_costs.quicksight_dashboard import (
    ANALYSIS_OWNER_ACTIONS,
    DASHBOARD_OWNER_ACTIONS,
    DASHBOARD_VIEWER_ACTIONS,
    Dashboard,
    is_tenant_bearing,
    load_dashboard,
    read_tenant_viewers,
    viewers_logical_table,
    viewers_table,
)

DATA_SOURCE_ID: Final = "bedrock-tenant-costs-athena"
DATA_SOURCE_NAME: Final = "bedrock_tenant_costs (Athena)"
CATALOG: Final = "AwsDataCatalog"
#: Marts withheld unless --include-data-quality: quarantined line previews, log file paths,
#: caller identities and every tenant's attribution issues side by side are for the operators
#: of the pipeline, not for the tenant-facing viewers a QuickSight share reaches.
DATA_QUALITY_PREFIX: Final = "dq_"
#: Columns withheld unless --include-identity-arns: IAM role and session names of the callers,
#: as the logs name them and as the bill does (fct_bedrock_bill_principals).
IDENTITY_COLUMNS: Final = ("identity_arn", "iam_principal")

#: What the owner of a data source may do (the set the QuickSight console grants an owner).
DATA_SOURCE_OWNER_ACTIONS: Final = (
    "quicksight:DeleteDataSource",
    "quicksight:DescribeDataSource",
    "quicksight:DescribeDataSourcePermissions",
    "quicksight:PassDataSource",
    "quicksight:UpdateDataSource",
    "quicksight:UpdateDataSourcePermissions",
)
#: What the owner of a data set may do.
DATA_SET_OWNER_ACTIONS: Final = (
    "quicksight:CancelIngestion",
    "quicksight:CreateIngestion",
    "quicksight:DeleteDataSet",
    "quicksight:DescribeDataSet",
    "quicksight:DescribeDataSetPermissions",
    "quicksight:DescribeIngestion",
    "quicksight:ListIngestions",
    "quicksight:PassDataSet",
    "quicksight:UpdateDataSet",
    "quicksight:UpdateDataSetPermissions",
)
#: IAM actions the caller of `quicksight deploy` needs (docs/athena.md, "QuickSight").
REQUIRED_IAM_ACTIONS: Final = (
    "quicksight:DescribeDataSource",
    "quicksight:CreateDataSource",
    "quicksight:UpdateDataSource",
    "quicksight:UpdateDataSourcePermissions",
    "quicksight:PassDataSource",
    "quicksight:DescribeDataSet",
    "quicksight:CreateDataSet",
    "quicksight:UpdateDataSet",
    "quicksight:UpdateDataSetPermissions",
    "quicksight:PassDataSet",
    "quicksight:DescribeAnalysis",
    "quicksight:CreateAnalysis",
    "quicksight:UpdateAnalysis",
    "quicksight:UpdateAnalysisPermissions",
    "quicksight:DescribeDashboard",
    "quicksight:CreateDashboard",
    "quicksight:UpdateDashboard",
    "quicksight:UpdateDashboardPermissions",
    "quicksight:UpdateDashboardPublishedVersion",
    "sts:GetCallerIdentity",
)

_IN_PROGRESS: Final = ("CREATION_IN_PROGRESS", "UPDATE_IN_PROGRESS")
_FAILED: Final = ("CREATION_FAILED", "UPDATE_FAILED", "DELETED")


class DeployError(RuntimeError):
    """An AWS call failed; the message says what to do next (exit 1)."""


_GLUE_NAME = re.compile(r"[A-Za-z0-9_]{1,255}")


@dataclass(frozen=True)
class DeployConfig:
    account_id: str
    region: str
    schema: str
    work_group: str = "primary"
    spice: bool = False
    principal: str | None = None
    include_data_quality: bool = False
    include_identity_arns: bool = False
    #: the analysis and dashboard of deploy/quicksight/dashboard.yml
    dashboard: bool = True
    #: restrict every tenant-bearing data set by the tenant_viewers permissions data set
    row_level_security: bool = True
    #: the Glue database of the seeds (default: --schema with _marts replaced by _reference)
    reference_schema: str | None = None
    #: QuickSight users or groups given read access to the dashboard (row-level security applies)
    dashboard_viewers: tuple[str, ...] = ()

    @property
    def partition(self) -> str:
        if self.region.startswith("cn-"):
            return "aws-cn"
        if self.region.startswith("us-gov-"):
            return "aws-us-gov"
        return "aws"

    def data_set_arn(self, table: MartTable) -> str:
        return (
            f"arn:{self.partition}:quicksight:{self.region}:{self.account_id}:dataset/"
            f"{table.data_set_id}"
        )

    def seeds_schema(self) -> str:
        if self.reference_schema:
            if not _GLUE_NAME.fullmatch(self.reference_schema):
                raise ContractError(
                    f"--reference-schema {self.reference_schema!r} is not a Glue database name "
                    "(letters, digits and _)"
                )
            return self.reference_schema
        if self.schema.endswith("_marts"):
            derived = self.schema[: -len("_marts")] + "_reference"
            if not _GLUE_NAME.fullmatch(derived):
                raise ContractError(
                    f"--schema {self.schema!r} is not a Glue database name (letters, digits "
                    "and _); pass --reference-schema"
                )
            return derived
        raise ContractError(
            f"--schema {self.schema} does not end in _marts, so the seeds' database cannot be "
            "derived: pass --reference-schema (the dbt Athena schema + _reference)"
        )


@dataclass(frozen=True)
class Step:
    """One planned or performed change: ``create`` or ``update`` of a data source or data set."""

    kind: str
    resource_id: str
    action: str

    def describe(self) -> str:
        return f"{self.action:<6} {self.kind:<11} {self.resource_id}"


# ---------------------------------------------------------------------------------------------
# Contracts -> data set definitions
# ---------------------------------------------------------------------------------------------


def input_columns(table: MartTable, *, spice: bool) -> list[dict[str, str]]:
    columns: list[dict[str, str]] = []
    for column in table.columns:
        try:
            kind, sub_type = quicksight_type(column.data_type, spice=spice)
        except ContractError as error:
            raise ContractError(
                f"{table.source}: {table.name}.{column.name}: {error}; use a type listed in "
                "bedrock_costs/quicksight.py or extend quicksight_type()"
            ) from None
        entry = {"Name": column.name, "Type": kind}
        if sub_type is not None:
            entry["SubType"] = sub_type
        columns.append(entry)
    return columns


def published_tables(
    tables: Sequence[MartTable], config: DeployConfig
) -> tuple[list[MartTable], list[str]]:
    """The marts a deploy publishes (see DATA_QUALITY_PREFIX, IDENTITY_COLUMNS), and a note per
    mart or column it withholds."""
    published: list[MartTable] = []
    notes: list[str] = []
    for table in tables:
        if table.name.startswith(DATA_QUALITY_PREFIX) and not config.include_data_quality:
            notes.append(f"withheld data-quality mart {table.name} (--include-data-quality)")
            continue
        kept = tuple(
            column
            for column in table.columns
            if config.include_identity_arns or column.name not in IDENTITY_COLUMNS
        )
        for column in table.columns:
            if column not in kept:
                notes.append(
                    f"withheld column {table.name}.{column.name} (--include-identity-arns)"
                )
        published.append(
            MartTable(name=table.name, columns=kept, source=table.source)
            if kept != table.columns
            else table
        )
    return published, notes


def data_source_request(config: DeployConfig) -> dict[str, Any]:
    return {
        "AwsAccountId": config.account_id,
        "DataSourceId": DATA_SOURCE_ID,
        "Name": DATA_SOURCE_NAME,
        "DataSourceParameters": {"AthenaParameters": {"WorkGroup": config.work_group}},
    }


def data_set_request(
    config: DeployConfig,
    table: MartTable,
    data_source_arn: str,
    *,
    schema: str | None = None,
    row_level_security_arn: str | None = None,
) -> dict:
    """The data set of one table (a mart, or with ``schema`` the tenant_viewers seed); with
    ``row_level_security_arn``, a tenant-bearing table is restricted by that permissions set."""
    rls = (
        {
            "RowLevelPermissionDataSet": {
                "Arn": row_level_security_arn,
                "PermissionPolicy": "GRANT_ACCESS",
                "FormatVersion": "VERSION_1",
                "Status": "ENABLED",
            }
        }
        if row_level_security_arn and is_tenant_bearing(table)
        else {}
    )
    return {
        **rls,
        "AwsAccountId": config.account_id,
        "DataSetId": table.data_set_id,
        "Name": f"bedrock_tenant_costs {table.name}",
        "ImportMode": "SPICE" if config.spice else "DIRECT_QUERY",
        "PhysicalTableMap": {
            table.physical_table_id: {
                "RelationalTable": {
                    "DataSourceArn": data_source_arn,
                    "Catalog": CATALOG,
                    "Schema": schema or config.schema,
                    "Name": table.name,
                    "InputColumns": input_columns(table, spice=config.spice),
                }
            }
        },
    }


def viewers_data_set_request(config: DeployConfig, table: MartTable, data_source_arn: str) -> dict:
    """The row-level security permissions data set over the tenant_viewers seed: an empty cell
    (however the engine loaded it) becomes NULL, which QuickSight reads as "every value", and the
    columns are renamed to the UserName and GroupName its rules need."""
    schema = config.seeds_schema()
    columns = ", ".join(f"nullif({c.name}, '') as {c.name}" for c in table.columns)
    return {
        "AwsAccountId": config.account_id,
        "DataSetId": table.data_set_id,
        "Name": f"bedrock_tenant_costs {table.name} (row-level security)",
        # always queried live, also with --spice: a SPICE copy of the rules would keep a revoked
        # viewer's access until its next refresh
        "ImportMode": "DIRECT_QUERY",
        "PhysicalTableMap": {
            table.physical_table_id: {
                "CustomSql": {
                    "DataSourceArn": data_source_arn,
                    "Name": table.name,
                    "SqlQuery": f'select {columns} from "{schema}"."{table.name}"',
                    "Columns": input_columns(table, spice=False),
                }
            }
        },
        "LogicalTableMap": viewers_logical_table(table),
    }


def _permissions(principal: str, actions: Iterable[str]) -> list[dict[str, Any]]:
    return [{"Principal": principal, "Actions": list(actions)}]


# ---------------------------------------------------------------------------------------------
# Deploy
# ---------------------------------------------------------------------------------------------


def _error_code(error: Exception) -> str:
    response = getattr(error, "response", {}) or {}
    return str(response.get("Error", {}).get("Code", ""))


def _not_subscribed(error: Exception) -> bool:
    code = _error_code(error)
    message = str(error).lower()
    if code == "UnsupportedUserEditionException":
        return True
    return code == "ResourceNotFoundException" and (
        "not signed up" in message or "not subscribed" in message
    )


def explain(error: Exception, config: DeployConfig) -> DeployError:
    """A DeployError that says which permission or setup step is missing."""
    operation = getattr(error, "operation_name", "") or "the call"
    code = _error_code(error)
    if _not_subscribed(error):
        return DeployError(
            f"QuickSight is not set up for account {config.account_id} ({error}). Subscribe to "
            "QuickSight Enterprise edition (the data set APIs need it) in the console, then rerun."
        )
    if code == "AccessDeniedException":
        return DeployError(
            f"access denied to quicksight:{operation} ({error}). Allow quicksight:{operation} to "
            "the caller (docs/athena.md, QuickSight, lists every action deploy needs), then rerun."
        )
    return DeployError(f"quicksight:{operation} failed: {error}")


def _exists(describe: Callable[..., Any], config: DeployConfig, **ids: str) -> bool:
    from botocore.exceptions import ClientError

    try:
        describe(AwsAccountId=config.account_id, **ids)
    except ClientError as error:
        if _error_code(error) == "ResourceNotFoundException" and not _not_subscribed(error):
            return False
        raise
    return True


@dataclass(frozen=True)
class Publication:
    """What one deploy publishes: the marts' data sets, the permissions data set (row-level
    security) and the analysis and dashboard, each when configured."""

    tables: tuple[MartTable, ...]
    viewers: MartTable | None = None
    dashboard: Dashboard | None = None

    @property
    def data_set_tables(self) -> tuple[MartTable, ...]:
        """In deploy order: the permissions data set first (the marts' data sets name it)."""
        return ((self.viewers,) if self.viewers else ()) + self.tables


def plan(
    client: Any, config: DeployConfig, tables: Sequence[MartTable] | Publication
) -> list[Step]:
    """Describe every resource (read only) and say whether deploy will create or update it."""
    publication = tables if isinstance(tables, Publication) else Publication(tuple(tables))
    steps = [
        Step(
            "data source",
            DATA_SOURCE_ID,
            "update"
            if _exists(client.describe_data_source, config, DataSourceId=DATA_SOURCE_ID)
            else "create",
        )
    ]
    for table in publication.data_set_tables:
        found = _exists(client.describe_data_set, config, DataSetId=table.data_set_id)
        steps.append(Step("data set", table.data_set_id, "update" if found else "create"))
    dashboard = publication.dashboard
    if dashboard:
        found = _exists(client.describe_analysis, config, AnalysisId=dashboard.analysis_id)
        steps.append(Step("analysis", dashboard.analysis_id, "update" if found else "create"))
        found = _exists(client.describe_dashboard, config, DashboardId=dashboard.dashboard_id)
        steps.append(Step("dashboard", dashboard.dashboard_id, "update" if found else "create"))
    return steps


def _wait_for_data_source(
    client: Any,
    config: DeployConfig,
    status: str,
    *,
    sleep: Callable[[float], None],
    progress: Callable[[str], None],
    attempts: int = 60,
) -> None:
    for _ in range(attempts):
        if status in _FAILED:
            break
        if status not in _IN_PROGRESS:
            return
        progress(f"  waiting for data source {DATA_SOURCE_ID} ({status})")
        sleep(2.0)
        described = client.describe_data_source(
            AwsAccountId=config.account_id, DataSourceId=DATA_SOURCE_ID
        )["DataSource"]
        status = described.get("Status", "")
        if status in _FAILED:
            info = described.get("ErrorInfo") or {}
            raise DeployError(
                f"data source {DATA_SOURCE_ID} is {status}: {info.get('Type', '')} "
                f"{info.get('Message', '')}. Check that the work group exists and QuickSight's "
                "service role may use Athena and read the marts' S3 location, then rerun."
            )
    if status in _FAILED:
        raise DeployError(f"data source {DATA_SOURCE_ID} is {status}")
    raise DeployError(f"data source {DATA_SOURCE_ID} still {status}; rerun deploy in a minute")


def deploy(
    client: Any,
    config: DeployConfig,
    tables: Sequence[MartTable] | Publication,
    *,
    progress: Callable[[str], None],
    sleep: Callable[[float], None] = time.sleep,
) -> list[Step]:
    """Create or update the data source, the data sets, the analysis and the dashboard; return
    what was done, in order."""
    publication = tables if isinstance(tables, Publication) else Publication(tuple(tables))
    steps = plan(client, config, publication)
    source_step, *rest = steps
    set_steps = rest[: len(publication.data_set_tables)]
    request = data_source_request(config)
    if source_step.action == "create":
        progress(f"creating data source {DATA_SOURCE_ID} (Athena work group {config.work_group})")
        extra = (
            {"Permissions": _permissions(config.principal, DATA_SOURCE_OWNER_ACTIONS)}
            if config.principal
            else {}
        )
        response = client.create_data_source(Type="ATHENA", **request, **extra)
        status = response.get("CreationStatus", "")
    else:
        progress(f"updating data source {DATA_SOURCE_ID} (Athena work group {config.work_group})")
        response = client.update_data_source(**request)
        status = response.get("UpdateStatus", "")
        if config.principal:
            client.update_data_source_permissions(
                AwsAccountId=config.account_id,
                DataSourceId=DATA_SOURCE_ID,
                GrantPermissions=_permissions(config.principal, DATA_SOURCE_OWNER_ACTIONS),
            )
    data_source_arn = str(response["Arn"])
    _wait_for_data_source(client, config, status, sleep=sleep, progress=progress)

    viewers = publication.viewers
    rls_arn = config.data_set_arn(viewers) if viewers else None
    count = len(set_steps)
    for number, (table, step) in enumerate(
        zip(publication.data_set_tables, set_steps, strict=True), start=1
    ):
        progress(f"[{number}/{count}] {step.action} data set {table.data_set_id}")
        if table is viewers:
            request = viewers_data_set_request(config, table, data_source_arn)
        else:
            request = data_set_request(
                config, table, data_source_arn, row_level_security_arn=rls_arn
            )
        if step.action == "create":
            extra = (
                {"Permissions": _permissions(config.principal, DATA_SET_OWNER_ACTIONS)}
                if config.principal
                else {}
            )
            client.create_data_set(**request, **extra)
        else:
            client.update_data_set(**request)
            if config.principal:
                client.update_data_set_permissions(
                    AwsAccountId=config.account_id,
                    DataSetId=table.data_set_id,
                    GrantPermissions=_permissions(config.principal, DATA_SET_OWNER_ACTIONS),
                )
    if publication.dashboard:
        analysis_step, dashboard_step = rest[count:]
        _deploy_dashboard(
            client,
            config,
            publication.dashboard,
            (analysis_step.action, dashboard_step.action),
            progress=progress,
            sleep=sleep,
        )
    return steps


def _dashboard_grants(config: DeployConfig) -> list[dict[str, Any]]:
    owner = _permissions(config.principal, DASHBOARD_OWNER_ACTIONS) if config.principal else []
    readers = [
        {"Principal": viewer, "Actions": list(DASHBOARD_VIEWER_ACTIONS)}
        for viewer in config.dashboard_viewers
    ]
    return owner + readers


def _deploy_dashboard(
    client: Any,
    config: DeployConfig,
    dashboard: Dashboard,
    actions: tuple[str, str],
    *,
    progress: Callable[[str], None],
    sleep: Callable[[float], None],
) -> None:
    """The analysis (for authors to change) and the dashboard (published, for readers)."""
    analysis_action, dashboard_action = actions
    analysis = {
        "AwsAccountId": config.account_id,
        "AnalysisId": dashboard.analysis_id,
        "Name": dashboard.name,
        "Definition": dashboard.definition,
    }
    progress(f"{analysis_action} analysis {dashboard.analysis_id}")
    owner = _permissions(config.principal, ANALYSIS_OWNER_ACTIONS) if config.principal else []
    if analysis_action == "create":
        client.create_analysis(**analysis, **({"Permissions": owner} if owner else {}))
    else:
        client.update_analysis(**analysis)
        if owner:
            client.update_analysis_permissions(
                AwsAccountId=config.account_id,
                AnalysisId=dashboard.analysis_id,
                GrantPermissions=owner,
            )
    request = {
        "AwsAccountId": config.account_id,
        "DashboardId": dashboard.dashboard_id,
        "Name": dashboard.name,
        "Definition": dashboard.definition,
    }
    grants = _dashboard_grants(config)
    progress(f"{dashboard_action} dashboard {dashboard.dashboard_id}")
    if dashboard_action == "create":
        response = client.create_dashboard(**request, **({"Permissions": grants} if grants else {}))
    else:
        response = client.update_dashboard(**request)
        if grants:
            client.update_dashboard_permissions(
                AwsAccountId=config.account_id,
                DashboardId=dashboard.dashboard_id,
                GrantPermissions=grants,
            )
    version = int(str(response["VersionArn"]).rsplit("/", 1)[1])
    _wait_for_dashboard_version(
        client, config, dashboard.dashboard_id, version, sleep=sleep, progress=progress
    )
    if dashboard_action == "update":
        progress(f"publishing version {version} of dashboard {dashboard.dashboard_id}")
        client.update_dashboard_published_version(
            AwsAccountId=config.account_id,
            DashboardId=dashboard.dashboard_id,
            VersionNumber=version,
        )


def _wait_for_dashboard_version(
    client: Any,
    config: DeployConfig,
    dashboard_id: str,
    version: int,
    *,
    sleep: Callable[[float], None],
    progress: Callable[[str], None],
    attempts: int = 60,
) -> None:
    """Wait until QuickSight has built the version; a failed one names QuickSight's errors."""
    for _ in range(attempts):
        described = client.describe_dashboard(
            AwsAccountId=config.account_id, DashboardId=dashboard_id, VersionNumber=version
        )["Dashboard"].get("Version", {})
        status = described.get("Status", "")
        if status in _FAILED:
            errors = "; ".join(
                f"{e.get('Type', '')}: {e.get('Message', '')}" for e in described.get("Errors", [])
            )
            raise DeployError(
                f"dashboard {dashboard_id} version {version} is {status}: {errors or 'no detail'}."
                " Fix deploy/quicksight/dashboard.yml (or the data sets) and rerun."
            )
        if status not in _IN_PROGRESS:
            return
        progress(f"  waiting for dashboard {dashboard_id} version {version} ({status})")
        sleep(2.0)
    raise DeployError(f"dashboard {dashboard_id} version {version} is still being built; rerun")


def summarise(
    steps: Sequence[Step],
    config: DeployConfig,
    *,
    dry_run: bool,
    withheld: Sequence[str] = (),
) -> str:
    created = sum(step.action == "create" for step in steps)
    updated = len(steps) - created
    kinds = {kind: sum(step.kind == kind for step in steps) for kind in ("analysis", "dashboard")}
    counted = (
        f"1 data source, {sum(step.kind == 'data set' for step in steps)} data sets"
        + "".join(f", {count} {kind}" for kind, count in kinds.items() if count)
    )
    mode = "SPICE" if config.spice else "DIRECT_QUERY"
    verb = "would create" if dry_run else "created"
    verb_update = "would update" if dry_run else "updated"
    head = "Plan (dry run, nothing written)" if dry_run else "QuickSight deploy done"
    lines = [
        f"{head}: account {config.account_id}, region {config.region}, "
        f"schema {config.schema}, {mode}",
        *(f"  {step.describe()}" for step in steps),
        f"{verb} {created}, {verb_update} {updated} ({counted})",
        *(f"note: {note}" for note in withheld),
    ]
    if not config.principal:
        lines.append(
            "note: no --permissions-principal, so no QuickSight user or group was granted access"
        )
    return "\n".join(lines)


def prepare(config: DeployConfig, project_dir: Path) -> tuple[Publication, list[str]]:
    """Everything a deploy sends, built and checked before the first AWS call: the contracts'
    data sets, the tenant_viewers seed and the dashboard's fields (ContractError: exit 2)."""
    tables, withheld = published_tables(load_mart_tables(project_dir), config)
    for table in tables:
        input_columns(table, spice=config.spice)
    viewers = None
    if not config.row_level_security and config.dashboard_viewers:
        raise ContractError(
            "--dashboard-viewer with --no-row-level-security would show those viewers every "
            "tenant; drop one of them"
        )
    if config.row_level_security:
        read_tenant_viewers(project_dir)
        config.seeds_schema()
        viewers = viewers_table(project_dir)
    else:
        withheld.append("row-level security off (--no-row-level-security): viewers see all rows")
    dashboard = (
        load_dashboard(project_dir, tables, config.data_set_arn) if config.dashboard else None
    )
    return Publication(tuple(tables), viewers, dashboard), withheld


def run_deploy(
    *,
    quicksight: Any,
    config: DeployConfig,
    project_dir: Path,
    dry_run: bool,
    stdout: Any = None,
    stderr: Any = None,
    sleep: Callable[[float], None] = time.sleep,
) -> int:
    """Load the contracts, plan or deploy, print the summary; return the exit code."""
    from botocore.exceptions import BotoCoreError, ClientError

    out = stdout or sys.stdout
    err = stderr or sys.stderr

    def progress(message: str) -> None:
        print(message, file=err, flush=True)

    try:
        publication, withheld = prepare(config, project_dir)
    except (ContractError, OSError) as error:
        print(f"error: {error}", file=err)
        return EXIT_USAGE
    tables = publication.tables
    progress(f"{len(tables)} marts from {project_dir / MARTS_GLOB} ({len(withheld)} withheld)")
    try:
        if dry_run:
            steps = plan(quicksight, config, publication)
        else:
            steps = deploy(quicksight, config, publication, progress=progress, sleep=sleep)
    except ClientError as error:
        print(f"error: {explain(error, config)}", file=err)
        return EXIT_FAILURE
    except (DeployError, BotoCoreError) as error:
        print(f"error: {error}", file=err)
        return EXIT_FAILURE
    print(summarise(steps, config, dry_run=dry_run, withheld=withheld), file=out)
    return EXIT_OK


# ---------------------------------------------------------------------------------------------
# CLI
# ---------------------------------------------------------------------------------------------


def add_quicksight_parser(subparsers: Any) -> None:
    """Register ``quicksight`` (with the sub-command ``deploy``) on the CLI's sub-parsers."""
    group = subparsers.add_parser(
        "quicksight",
        help="publish the marts to Amazon QuickSight (data sets, row-level security, dashboard)",
        description="QuickSight publishing. `quicksight deploy` creates or updates an Athena "
        "data source, one data set per mart, the row-level security permissions data set, and "
        "the analysis and dashboard of deploy/quicksight/dashboard.yml.",
        epilog="Example: bedrock-costs quicksight deploy --schema bedrock_costs_marts --dry-run",
    )
    commands = group.add_subparsers(dest="quicksight_command", metavar="SUBCOMMAND", required=True)
    deploy_parser = commands.add_parser(
        "deploy",
        help="create or update the QuickSight data source and data sets (idempotent)",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description=(
            f"Create or update the Athena data source {DATA_SOURCE_ID}, one data set per\n"
            f"mart ({DATA_SET_ID_PREFIX}<table>), the tenant_viewers permissions data set that\n"
            "restricts every tenant-bearing data set (row-level security), and the analysis\n"
            "and published dashboard of deploy/quicksight/dashboard.yml. The marts and their\n"
            f"column types come from the dbt contracts in {MARTS_GLOB}: new marts need no\n"
            "code change, and a dashboard field missing from a contract fails before any call.\n"
            "Every resource is described first: missing ones are created, existing ones\n"
            "updated. Needs QuickSight Enterprise edition and the IAM actions listed in the\n"
            "docs/athena.md, section QuickSight."
        ),
        epilog=(
            "Exit codes: 0 deployed (or plan printed), 1 an AWS call failed (the message names\n"
            "the missing permission or setup step), 2 bad arguments or unusable contracts.\n"
            "\n"
            "Example: bedrock-costs quicksight deploy --schema bedrock_costs_marts "
            "--region us-east-1 \\\n"
            "  --permissions-principal "
            "arn:aws:quicksight:us-east-1:111122223333:group/default/finance"
        ),
    )
    deploy_parser.add_argument(
        "--schema",
        required=True,
        help="Glue database holding the marts (the dbt Athena schema + _marts, e.g. "
        "bedrock_costs_marts)",
    )
    deploy_parser.add_argument(
        "--aws-account-id",
        default=None,
        help="AWS account of QuickSight (default: the caller's, from sts:GetCallerIdentity)",
    )
    deploy_parser.add_argument(
        "--region", default=None, help="QuickSight Region (default: the AWS SDK's Region)"
    )
    deploy_parser.add_argument(
        "--work-group", default="primary", help="Athena work group to query (default primary)"
    )
    deploy_parser.add_argument(
        "--spice",
        action="store_true",
        help="import into SPICE instead of querying Athena directly (DIRECT_QUERY)",
    )
    deploy_parser.add_argument(
        "--permissions-principal",
        metavar="ARN",
        default=None,
        help="QuickSight user or group ARN granted owner actions on the data source and sets",
    )
    deploy_parser.add_argument(
        "--include-data-quality",
        action="store_true",
        help="also publish the dq_* marts (quarantined line previews, log file paths, caller "
        "identities, every tenant's attribution issues); withheld by default because a share "
        "may reach tenant-facing viewers",
    )
    deploy_parser.add_argument(
        "--include-identity-arns",
        action="store_true",
        help="also publish identity_arn and iam_principal columns (the callers' IAM roles and "
        "session names, from the logs and from the bill); "
        "withheld by default",
    )
    deploy_parser.add_argument(
        "--no-dashboard",
        action="store_true",
        help="data sets only: no analysis and no dashboard from deploy/quicksight/dashboard.yml",
    )
    deploy_parser.add_argument(
        "--no-row-level-security",
        action="store_true",
        help="no tenant_viewers permissions data set: every viewer of a data set or the "
        "dashboard sees every tenant (default: restricted by seeds/tenant_viewers.csv)",
    )
    deploy_parser.add_argument(
        "--reference-schema",
        default=None,
        help="Glue database of the seeds, which holds tenant_viewers (default: --schema with "
        "_marts replaced by _reference)",
    )
    deploy_parser.add_argument(
        "--dashboard-viewer",
        metavar="ARN",
        action="append",
        default=[],
        help="a QuickSight user or group ARN given read access to the dashboard (repeatable); "
        "row-level security decides which tenants it sees",
    )
    deploy_parser.add_argument(
        "--dry-run",
        action="store_true",
        help="describe only and print the plan (create/update per resource); write nothing",
    )
    deploy_parser.add_argument(
        "--project-dir",
        type=Path,
        default=Path(),
        help="dbt project directory holding models/marts (default: current directory)",
    )
    deploy_parser.set_defaults(handler=_cmd_quicksight_deploy)


def make_clients(region: str | None) -> tuple[str | None, Any, Any]:
    """The configured Region and the ``sts`` and ``quicksight`` clients (tests replace this)."""
    import boto3

    session = boto3.session.Session(region_name=region)
    if not session.region_name:
        return None, None, None
    return session.region_name, session.client("sts"), session.client("quicksight")


def _cmd_quicksight_deploy(args: argparse.Namespace) -> int:
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        region, sts, quicksight = make_clients(args.region)
        if region is None:
            print(
                "error: no AWS Region configured; pass --region (e.g. us-east-1)", file=sys.stderr
            )
            return EXIT_USAGE
        account_id = args.aws_account_id or sts.get_caller_identity()["Account"]
    except (BotoCoreError, ClientError) as error:
        print(
            f"error: cannot find the AWS account ({error}); configure AWS credentials or pass "
            "--aws-account-id",
            file=sys.stderr,
        )
        return EXIT_FAILURE
    config = DeployConfig(
        account_id=str(account_id),
        region=region,
        schema=args.schema,
        work_group=args.work_group,
        spice=args.spice,
        principal=args.permissions_principal,
        include_data_quality=args.include_data_quality,
        include_identity_arns=args.include_identity_arns,
        dashboard=not args.no_dashboard,
        row_level_security=not args.no_row_level_security,
        reference_schema=args.reference_schema,
        dashboard_viewers=tuple(args.dashboard_viewer),
    )
    return run_deploy(
        quicksight=quicksight, config=config, project_dir=args.project_dir, dry_run=args.dry_run
    )
