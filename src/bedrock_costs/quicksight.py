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
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from bedrock_costs.exit_codes import EXIT_FAILURE, EXIT_OK, EXIT_USAGE

DATA_SOURCE_ID: Final = "bedrock-tenant-costs-athena"
DATA_SOURCE_NAME: Final = "bedrock_tenant_costs (Athena)"
DATA_SET_ID_PREFIX: Final = "bedrock-tenant-costs-"
CATALOG: Final = "AwsDataCatalog"
MARTS_GLOB: Final = "models/marts/**/_*__models.yml"
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
    "sts:GetCallerIdentity",
)

_FIXED_MAX_PRECISION: Final = 18
_FIXED_MAX_SCALE: Final = 4
_STRING_TYPES: Final = ("varchar", "string", "char", "text")
_INTEGER_TYPES: Final = ("bigint", "integer", "int", "smallint", "tinyint", "hugeint")
_FLOAT_TYPES: Final = ("double", "float", "real", "double precision")
_DATETIME_TYPES: Final = ("date", "timestamp", "timestamptz", "timestamp with time zone")
_BOOLEAN_TYPES: Final = ("boolean", "bool")
_DECIMAL = re.compile(r"^(?:decimal|numeric)\s*(?:\(\s*(\d+)\s*(?:,\s*(\d+)\s*)?\))?$")
_SIZED = re.compile(r"^([a-z ]+?)\s*\(\s*\d+\s*\)$")
_IN_PROGRESS: Final = ("CREATION_IN_PROGRESS", "UPDATE_IN_PROGRESS")
_FAILED: Final = ("CREATION_FAILED", "UPDATE_FAILED", "DELETED")


class ContractError(ValueError):
    """The dbt YAML contracts cannot be turned into data sets (a usage error: exit 2)."""


class DeployError(RuntimeError):
    """An AWS call failed; the message says what to do next (exit 1)."""


@dataclass(frozen=True)
class MartColumn:
    name: str
    data_type: str


@dataclass(frozen=True)
class MartTable:
    """A mart model as its contract declares it: the table name on Athena and typed columns."""

    name: str
    columns: tuple[MartColumn, ...]
    source: Path

    @property
    def data_set_id(self) -> str:
        return DATA_SET_ID_PREFIX + self.name.replace("_", "-")

    @property
    def physical_table_id(self) -> str:
        # PhysicalTableMap keys allow only [0-9a-zA-Z-], at most 64 characters.
        return self.name.replace("_", "-")[:64]


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


def quicksight_type(data_type: str, *, spice: bool) -> tuple[str, str | None]:
    """The QuickSight InputColumn ``(Type, SubType)`` for a dbt contract ``data_type``."""
    text = " ".join(data_type.strip().lower().split())
    sized = _SIZED.match(text)
    base = sized.group(1) if sized else text
    if base in _STRING_TYPES:
        return "STRING", None
    if text in _INTEGER_TYPES:
        return "INTEGER", None
    if text in _BOOLEAN_TYPES:
        return "BIT", None
    if text in _DATETIME_TYPES or base in _DATETIME_TYPES:
        return "DATETIME", None
    if text in _FLOAT_TYPES:
        return "DECIMAL", "FLOAT" if spice else None
    decimal = _DECIMAL.match(text)
    if decimal:
        if not spice:
            return "DECIMAL", None
        precision = int(decimal.group(1) or 38)
        scale = int(decimal.group(2) or 0)
        fits = precision <= _FIXED_MAX_PRECISION and scale <= _FIXED_MAX_SCALE
        return "DECIMAL", "FIXED" if fits else "FLOAT"
    raise ContractError(f"no QuickSight type for data_type {data_type!r}")


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


def load_mart_tables(project_dir: Path) -> list[MartTable]:
    """Every model of ``models/marts/**/_*__models.yml`` with its typed contract columns."""
    import yaml

    files = sorted(project_dir.glob(MARTS_GLOB))
    if not files:
        raise ContractError(
            f"no {MARTS_GLOB} under {project_dir.resolve()}; run from the dbt project directory "
            "or pass --project-dir"
        )
    tables: dict[str, MartTable] = {}
    for path in files:
        document = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for model in document.get("models") or []:
            table = _table_from_model(model, path)
            if table.name in tables:
                raise ContractError(f"{path}: model {table.name} is also in {tables[table.name]}")
            tables[table.name] = table
    if not tables:
        raise ContractError(f"no models in {', '.join(str(path) for path in files)}")
    return sorted(tables.values(), key=lambda table: table.name)


def _table_from_model(model: Mapping[str, Any], path: Path) -> MartTable:
    name = model.get("name")
    if not isinstance(name, str):
        raise ContractError(f"{path}: a model without a name")
    config = model.get("config") or {}
    if config.get("enabled") is False:
        raise ContractError(f"{path}: model {name} is disabled; remove it from the marts YAML")
    alias = config.get("alias") or name
    columns: list[MartColumn] = []
    for column in model.get("columns") or []:
        data_type = column.get("data_type")
        if not isinstance(data_type, str) or not data_type.strip():
            raise ContractError(
                f"{path}: {name}.{column.get('name')} has no data_type; every mart column needs "
                "one (it types the QuickSight data set and the dbt contract)"
            )
        columns.append(MartColumn(name=str(column["name"]), data_type=data_type))
    if not columns:
        raise ContractError(f"{path}: model {name} lists no columns; give it a contract")
    return MartTable(name=str(alias), columns=tuple(columns), source=path)


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


def data_set_request(config: DeployConfig, table: MartTable, data_source_arn: str) -> dict:
    return {
        "AwsAccountId": config.account_id,
        "DataSetId": table.data_set_id,
        "Name": f"bedrock_tenant_costs {table.name}",
        "ImportMode": "SPICE" if config.spice else "DIRECT_QUERY",
        "PhysicalTableMap": {
            table.physical_table_id: {
                "RelationalTable": {
                    "DataSourceArn": data_source_arn,
                    "Catalog": CATALOG,
                    "Schema": config.schema,
                    "Name": table.name,
                    "InputColumns": input_columns(table, spice=config.spice),
                }
            }
        },
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


def plan(client: Any, config: DeployConfig, tables: Sequence[MartTable]) -> list[Step]:
    """Describe every resource (read only) and say whether deploy will create or update it."""
    steps = [
        Step(
            "data source",
            DATA_SOURCE_ID,
            "update"
            if _exists(client.describe_data_source, config, DataSourceId=DATA_SOURCE_ID)
            else "create",
        )
    ]
    for table in tables:
        found = _exists(client.describe_data_set, config, DataSetId=table.data_set_id)
        steps.append(Step("data set", table.data_set_id, "update" if found else "create"))
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
    tables: Sequence[MartTable],
    *,
    progress: Callable[[str], None],
    sleep: Callable[[float], None] = time.sleep,
) -> list[Step]:
    """Create or update the data source and the data sets; return what was done, in order."""
    steps = plan(client, config, tables)
    source_step, *set_steps = steps
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

    for number, (table, step) in enumerate(zip(tables, set_steps, strict=True), start=1):
        progress(f"[{number}/{len(tables)}] {step.action} data set {table.data_set_id}")
        request = data_set_request(config, table, data_source_arn)
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
    return steps


def summarise(
    steps: Sequence[Step],
    config: DeployConfig,
    *,
    dry_run: bool,
    withheld: Sequence[str] = (),
) -> str:
    created = sum(step.action == "create" for step in steps)
    updated = len(steps) - created
    mode = "SPICE" if config.spice else "DIRECT_QUERY"
    verb = "would create" if dry_run else "created"
    verb_update = "would update" if dry_run else "updated"
    head = "Plan (dry run, nothing written)" if dry_run else "QuickSight deploy done"
    lines = [
        f"{head}: account {config.account_id}, region {config.region}, "
        f"schema {config.schema}, {mode}",
        *(f"  {step.describe()}" for step in steps),
        f"{verb} {created}, {verb_update} {updated} (1 data source, {len(steps) - 1} data sets)",
        *(f"note: {note}" for note in withheld),
    ]
    if not config.principal:
        lines.append(
            "note: no --permissions-principal, so no QuickSight user or group was granted access"
        )
    return "\n".join(lines)


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
        tables, withheld = published_tables(load_mart_tables(project_dir), config)
        for table in tables:
            input_columns(table, spice=config.spice)
    except (ContractError, OSError) as error:
        print(f"error: {error}", file=err)
        return EXIT_USAGE
    progress(f"{len(tables)} marts from {project_dir / MARTS_GLOB} ({len(withheld)} withheld)")
    try:
        if dry_run:
            steps = plan(quicksight, config, tables)
        else:
            steps = deploy(quicksight, config, tables, progress=progress, sleep=sleep)
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
        help="publish the marts to Amazon QuickSight (Athena data source and data sets)",
        description="QuickSight publishing. `quicksight deploy` creates or updates an Athena "
        "data source and one data set per mart.",
        epilog="Example: bedrock-costs quicksight deploy --schema bedrock_costs_marts --dry-run",
    )
    commands = group.add_subparsers(dest="quicksight_command", metavar="SUBCOMMAND", required=True)
    deploy_parser = commands.add_parser(
        "deploy",
        help="create or update the QuickSight data source and data sets (idempotent)",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description=(
            f"Create or update the Athena data source {DATA_SOURCE_ID} and one data set per\n"
            f"mart ({DATA_SET_ID_PREFIX}<table>). The marts and their column types come from\n"
            f"the dbt contracts in {MARTS_GLOB}, so new marts need no code change.\n"
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
    )
    return run_deploy(
        quicksight=quicksight, config=config, project_dir=args.project_dir, dry_run=args.dry_run
    )
