"""The QuickSight analysis and dashboard, from ``deploy/quicksight/dashboard.yml``.

The YAML names sheets, controls and visuals by mart and column; this module checks every column
against the marts' dbt contracts (the same ``MartTable`` objects the data sets are built from)
and writes the QuickSight ``Definition`` (``AnalysisDefinition``, which is also a dashboard's
``DashboardVersionDefinition``). The format of the YAML is described at the top of the file.

Row-level security lives here too: ``seeds/tenant_viewers.csv`` (dbt seeds it into the
reference schema) becomes a permissions data set, and every data set with a ``tenant_id``
column is restricted by it (QuickSight user guide, "Using row-level security with user-based
rules": a user or group sees only rows whose tenant_id its rules list, a rule with an empty
tenant_id grants every row, and a user or group without a rule sees nothing).
"""

from __future__ import annotations

import csv
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from bedrock_costs.quicksight_contracts import ContractError, MartColumn, MartTable, quicksight_type

DASHBOARD_FILE: Final = Path("deploy/quicksight/dashboard.yml")
VIEWERS_SEED: Final = Path("seeds/tenant_viewers.csv")
VIEWERS_TABLE: Final = "tenant_viewers"
VIEWERS_COLUMNS: Final = ("user_name", "group_name", "tenant_id")
#: The names QuickSight's user-based rules need (the data set renames the seed's columns).
RULE_COLUMNS: Final = {"user_name": "UserName", "group_name": "GroupName"}
TENANT_COLUMN: Final = "tenant_id"
_AGGREGATIONS: Final = {
    "sum": "SUM",
    "avg": "AVERAGE",
    "min": "MIN",
    "max": "MAX",
    "count": "COUNT",
    "median": "MEDIAN",
    "distinct": "DISTINCT_COUNT",
}
_PERCENTILE = re.compile(r"p([0-9]{1,2})")
_ID = re.compile(r"[a-z0-9][a-z0-9-]{0,62}")
_VISUAL_KINDS: Final = ("bar", "line", "pie", "table", "kpi")
_CONTROL_KINDS: Final = ("date_range", "multi_select", "single_select")
_GRID_WIDTH: Final = 36
_VISUAL_HEIGHT: Final = 12

#: What the owner of the analysis or the dashboard may do (the console's owner sets).
ANALYSIS_OWNER_ACTIONS: Final = (
    "quicksight:DeleteAnalysis",
    "quicksight:DescribeAnalysis",
    "quicksight:DescribeAnalysisPermissions",
    "quicksight:QueryAnalysis",
    "quicksight:RestoreAnalysis",
    "quicksight:UpdateAnalysis",
    "quicksight:UpdateAnalysisPermissions",
)
DASHBOARD_OWNER_ACTIONS: Final = (
    "quicksight:DeleteDashboard",
    "quicksight:DescribeDashboard",
    "quicksight:DescribeDashboardPermissions",
    "quicksight:ListDashboardVersions",
    "quicksight:QueryDashboard",
    "quicksight:UpdateDashboard",
    "quicksight:UpdateDashboardPermissions",
    "quicksight:UpdateDashboardPublishedVersion",
)
#: What a reader of the dashboard may do (the console's viewer set).
DASHBOARD_VIEWER_ACTIONS: Final = (
    "quicksight:DescribeDashboard",
    "quicksight:ListDashboardVersions",
    "quicksight:QueryDashboard",
)


@dataclass(frozen=True)
class Dashboard:
    analysis_id: str
    dashboard_id: str
    name: str
    definition: dict[str, Any]
    data_set_marts: tuple[str, ...]


def _fail(path: Path, where: str, message: str) -> ContractError:
    return ContractError(f"{path}: {where}: {message}")


def _identifier(value: Any, path: Path, where: str) -> str:
    if not isinstance(value, str) or not _ID.fullmatch(value):
        raise _fail(path, where, f"id {value!r} must be 1-63 of a-z, 0-9 and -")
    return value


class _Builder:
    """Turns the parsed YAML into the Definition, checking names against the contracts."""

    def __init__(
        self,
        spec: Mapping[str, Any],
        path: Path,
        tables: Mapping[str, MartTable],
        data_set_arn: Callable[[MartTable], str],
    ) -> None:
        self.spec = spec
        self.path = path
        self.data_set_arn = data_set_arn
        self.data_sets: dict[str, MartTable] = {}
        for identifier, mart in (spec.get("data_sets") or {}).items():
            if mart not in tables:
                raise _fail(
                    path,
                    f"data set {identifier}",
                    f"mart {mart} is not published (unknown, or withheld by default)",
                )
            table = tables[mart]
            if TENANT_COLUMN not in {c.name for c in table.columns}:
                raise _fail(
                    path,
                    f"data set {identifier}",
                    f"mart {mart} has no {TENANT_COLUMN}, so row-level security could not "
                    "restrict it; the dashboard reaches tenant viewers",
                )
            self.data_sets[str(identifier)] = table
        if not self.data_sets:
            raise _fail(path, "data_sets", "name at least one mart")

    # ------------------------------------------------------------------ columns and fields
    def column(self, data_set: str, name: Any, where: str) -> MartColumn:
        if data_set not in self.data_sets:
            raise _fail(self.path, where, f"unknown data set {data_set!r}")
        table = self.data_sets[data_set]
        for column in table.columns:
            if column.name == name:
                return column
        raise _fail(
            self.path,
            where,
            f"{table.name} has no column {name!r} in its contract ({table.source})",
        )

    def kind(self, column: MartColumn) -> str:
        return quicksight_type(column.data_type, spice=False)[0]

    def dimension(self, data_set: str, name: Any, field_id: str, where: str) -> dict[str, Any]:
        column = self.column(data_set, name, where)
        ref = {"DataSetIdentifier": data_set, "ColumnName": column.name}
        if self.kind(column) == "DATETIME":
            granularity = "MONTH" if column.name.endswith("_month") else "DAY"
            return {
                "DateDimensionField": {
                    "FieldId": field_id,
                    "Column": ref,
                    "DateGranularity": granularity,
                }
            }
        return {"CategoricalDimensionField": {"FieldId": field_id, "Column": ref}}

    def measure(self, data_set: str, value: Any, field_id: str, where: str) -> dict[str, Any]:
        name, _, aggregation = str(value).partition(" ")
        column = self.column(data_set, name, where)
        if self.kind(column) not in ("INTEGER", "DECIMAL"):
            raise _fail(self.path, where, f"{name} is {column.data_type}, not a number")
        percentile = _PERCENTILE.fullmatch(aggregation)
        if percentile:
            function: dict[str, Any] = {
                "PercentileAggregation": {"PercentileValue": float(percentile.group(1))}
            }
        elif (aggregation or "sum") in _AGGREGATIONS:
            function = {"SimpleNumericalAggregation": _AGGREGATIONS[aggregation or "sum"]}
        else:
            raise _fail(self.path, where, f"unknown aggregation {aggregation!r} in {value!r}")
        return {
            "NumericalMeasureField": {
                "FieldId": field_id,
                "Column": {"DataSetIdentifier": data_set, "ColumnName": column.name},
                "AggregationFunction": function,
            }
        }

    # ------------------------------------------------------------------------- visuals
    def visual(self, spec: Mapping[str, Any], sheet: str) -> dict[str, Any]:
        visual_id = _identifier(spec.get("id"), self.path, f"sheet {sheet}")
        where = f"sheet {sheet}, visual {visual_id}"
        kind = spec.get("kind")
        if kind not in _VISUAL_KINDS:
            raise _fail(self.path, where, f"kind {kind!r} is not one of {', '.join(_VISUAL_KINDS)}")
        data_set = str(spec.get("data_set"))
        values = [
            self.measure(data_set, value, f"{visual_id}.v{i}", where)
            for i, value in enumerate(spec.get("values") or [])
        ]
        if not values:
            raise _fail(self.path, where, "no values")
        for column in spec.get("where") or {}:
            self.column(data_set, column, where)
        title = {"Visibility": "VISIBLE", "FormatText": {"PlainText": str(spec.get("title"))}}
        head = {"VisualId": visual_id, "Title": title}
        if kind == "kpi":
            return {"KPIVisual": {**head, "ChartConfiguration": {"FieldWells": {"Values": values}}}}
        if kind == "table":
            group_by = [
                self.dimension(data_set, name, f"{visual_id}.g{i}", where)
                for i, name in enumerate(spec.get("group_by") or [])
            ]
            wells = {"TableAggregatedFieldWells": {"GroupBy": group_by, "Values": values}}
            return {"TableVisual": {**head, "ChartConfiguration": {"FieldWells": wells}}}
        if kind == "line":
            date = self.dimension(data_set, spec.get("date"), f"{visual_id}.date", where)
            if "DateDimensionField" not in date:
                raise _fail(self.path, where, f"date {spec.get('date')!r} is not a date column")
            wells = {"LineChartAggregatedFieldWells": {"Category": [date], "Values": values}}
            return {"LineChartVisual": {**head, "ChartConfiguration": {"FieldWells": wells}}}
        category = self.dimension(data_set, spec.get("category"), f"{visual_id}.category", where)
        if kind == "pie":
            wells = {"PieChartAggregatedFieldWells": {"Category": [category], "Values": values}}
            return {"PieChartVisual": {**head, "ChartConfiguration": {"FieldWells": wells}}}
        wells = {"BarChartAggregatedFieldWells": {"Category": [category], "Values": values}}
        configuration = {
            "FieldWells": wells,
            "Orientation": "HORIZONTAL",
            "BarsArrangement": "STACKED" if spec.get("stacked") else "CLUSTERED",
        }
        return {"BarChartVisual": {**head, "ChartConfiguration": configuration}}

    # ------------------------------------------------------------------------ filters
    def sharing(self, column: str) -> list[str]:
        """The dashboard's data sets that have this column."""
        return [
            identifier
            for identifier, table in self.data_sets.items()
            if column in {c.name for c in table.columns}
        ]

    def control_filter(
        self, control: Mapping[str, Any], sheets: Sequence[Mapping[str, Any]]
    ) -> tuple[dict[str, Any], set[str]]:
        """The control's filter group, and the sheets whose visuals it filters."""
        control_id = _identifier(control.get("id"), self.path, "controls")
        where = f"control {control_id}"
        kind = control.get("kind")
        if kind not in _CONTROL_KINDS:
            raise _fail(
                self.path, where, f"kind {kind!r} is not one of {', '.join(_CONTROL_KINDS)}"
            )
        data_set = str(control.get("data_set"))
        column = self.column(data_set, control.get("column"), where)
        ref = {"DataSetIdentifier": data_set, "ColumnName": column.name}
        filter_id = f"filter-{control_id}"
        if kind == "date_range":
            if self.kind(column) != "DATETIME":
                raise _fail(self.path, where, f"{column.name} is not a date column")
            definition: dict[str, Any] = {
                "TimeRangeFilter": {
                    "FilterId": filter_id,
                    "Column": ref,
                    "NullOption": "ALL_VALUES",
                    "TimeGranularity": "DAY",
                    "IncludeMinimum": True,
                    "IncludeMaximum": True,
                }
            }
        else:
            default = [str(v) for v in control.get("default") or []]
            listing: dict[str, Any] = {"MatchOperator": "CONTAINS", "NullOption": "ALL_VALUES"}
            if default:
                listing["CategoryValues"] = default
            else:
                listing["SelectAllOptions"] = "FILTER_ALL_VALUES"
            definition = {
                "CategoryFilter": {
                    "FilterId": filter_id,
                    "Column": ref,
                    "Configuration": {"FilterListConfiguration": listing},
                }
            }
        shared = self.sharing(column.name)
        # visuals with a fixed value of this column (`where`) are outside the control's scope
        scoped: dict[str, list[str]] = {}
        pinned = False
        for sheet in sheets:
            for visual in sheet.get("visuals") or []:
                if str(visual.get("data_set")) not in shared:
                    continue
                if column.name in (visual.get("where") or {}):
                    pinned = True
                    continue
                scoped.setdefault(str(sheet["id"]), []).append(str(visual["id"]))
        scope: dict[str, Any] = (
            {
                "SelectedSheets": {
                    "SheetVisualScopingConfigurations": [
                        {"SheetId": sheet, "Scope": "SELECTED_VISUALS", "VisualIds": visuals}
                        for sheet, visuals in scoped.items()
                    ]
                }
            }
            if pinned
            else {"AllSheets": {}}
        )
        group = {
            "FilterGroupId": f"control-{control_id}",
            "Filters": [definition],
            "ScopeConfiguration": scope,
            "CrossDataset": "ALL_DATASETS" if len(shared) > 1 else "SINGLE_DATASET",
            "Status": "ENABLED",
        }
        return group, set(scoped)

    def pinned_filters(self, sheet: str, visual: Mapping[str, Any]) -> list[dict[str, Any]]:
        groups = []
        data_set = str(visual.get("data_set"))
        for i, (column, value) in enumerate((visual.get("where") or {}).items()):
            groups.append(
                {
                    "FilterGroupId": f"where-{visual['id']}-{i}",
                    "Filters": [
                        {
                            "CategoryFilter": {
                                "FilterId": f"where-{visual['id']}-{i}-filter",
                                "Column": {"DataSetIdentifier": data_set, "ColumnName": column},
                                "Configuration": {
                                    "CustomFilterConfiguration": {
                                        "MatchOperator": "EQUALS",
                                        "CategoryValue": str(value),
                                        "NullOption": "NON_NULLS_ONLY",
                                    }
                                },
                            }
                        }
                    ],
                    "ScopeConfiguration": {
                        "SelectedSheets": {
                            "SheetVisualScopingConfigurations": [
                                {
                                    "SheetId": sheet,
                                    "Scope": "SELECTED_VISUALS",
                                    "VisualIds": [str(visual["id"])],
                                }
                            ]
                        }
                    },
                    "CrossDataset": "SINGLE_DATASET",
                    "Status": "ENABLED",
                }
            )
        return groups

    # ------------------------------------------------------------------------- sheets
    def definition(self) -> dict[str, Any]:
        sheets_spec = list(self.spec.get("sheets") or [])
        if not sheets_spec:
            raise _fail(self.path, "sheets", "no sheets")
        for sheet in sheets_spec:
            _identifier(sheet.get("id"), self.path, "sheets")
        groups: list[dict[str, Any]] = []
        controls_by_sheet: dict[str, list[dict[str, Any]]] = {}
        for control in self.spec.get("controls") or []:
            group, on_sheets = self.control_filter(control, sheets_spec)
            groups.append(group)
            for sheet_id in on_sheets:
                kind = control["kind"]
                control_id = f"{sheet_id}-{control['id']}"
                body = {
                    "FilterControlId": control_id,
                    "Title": str(control.get("title")),
                    "SourceFilterId": f"filter-{control['id']}",
                }
                if kind == "date_range":
                    entry = {"DateTimePicker": {**body, "Type": "DATE_RANGE"}}
                else:
                    list_type = "MULTI_SELECT" if kind == "multi_select" else "SINGLE_SELECT"
                    entry = {"Dropdown": {**body, "Type": list_type}}
                controls_by_sheet.setdefault(sheet_id, []).append(entry)
        sheets = []
        seen: set[str] = set()
        for sheet in sheets_spec:
            sheet_id = str(sheet["id"])
            visuals = []
            for visual in sheet.get("visuals") or []:
                built = self.visual(visual, sheet_id)
                if visual["id"] in seen:
                    raise _fail(self.path, f"sheet {sheet_id}", f"visual id {visual['id']} twice")
                seen.add(visual["id"])
                visuals.append(built)
                groups.extend(self.pinned_filters(sheet_id, visual))
            controls = controls_by_sheet.get(sheet_id, [])
            sheets.append(
                {
                    "SheetId": sheet_id,
                    "Name": str(sheet.get("title")),
                    "Title": str(sheet.get("title")),
                    "Visuals": visuals,
                    "FilterControls": controls,
                    "Layouts": [
                        {
                            "Configuration": {
                                "GridLayout": {
                                    "Elements": _grid(
                                        visuals, "VisualId", "VISUAL", 2, _VISUAL_HEIGHT
                                    )
                                }
                            }
                        }
                    ],
                    "SheetControlLayouts": [
                        {
                            "Configuration": {
                                "GridLayout": {
                                    "Elements": _grid(
                                        controls, "FilterControlId", "FILTER_CONTROL", 4, 2
                                    )
                                }
                            }
                        }
                    ],
                }
            )
        declarations = [
            {"Identifier": identifier, "DataSetArn": self.data_set_arn(table)}
            for identifier, table in self.data_sets.items()
        ]
        return {
            "DataSetIdentifierDeclarations": declarations,
            "Sheets": sheets,
            "FilterGroups": groups,
        }


def _grid(
    entries: Sequence[Mapping[str, Any]], id_key: str, kind: str, per_row: int, height: int
) -> list[dict[str, Any]]:
    """Grid layout elements for the entries (visuals or controls): `per_row` a row, each an
    equal share of the grid wide and `height` rows high."""
    width = _GRID_WIDTH // per_row
    elements = []
    for i, entry in enumerate(entries):
        (body,) = entry.values()
        elements.append(
            {
                "ElementId": str(body[id_key]),
                "ElementType": kind,
                "ColumnIndex": width * (i % per_row),
                "ColumnSpan": width,
                "RowIndex": height * (i // per_row),
                "RowSpan": height,
            }
        )
    return elements


def load_dashboard(
    project_dir: Path,
    tables: Sequence[MartTable],
    data_set_arn: Callable[[MartTable], str],
) -> Dashboard:
    """The analysis and dashboard of deploy/quicksight/dashboard.yml over these data sets."""
    import yaml

    path = project_dir / DASHBOARD_FILE
    if not path.exists():
        raise ContractError(f"no {DASHBOARD_FILE} under {project_dir.resolve()}")
    spec = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    builder = _Builder(spec, path, {t.name: t for t in tables}, data_set_arn)
    definition = builder.definition()
    return Dashboard(
        analysis_id=_identifier(spec.get("analysis_id"), path, "analysis_id"),
        dashboard_id=_identifier(spec.get("dashboard_id"), path, "dashboard_id"),
        name=str(spec.get("name") or "bedrock_tenant_costs"),
        definition=definition,
        data_set_marts=tuple(t.name for t in builder.data_sets.values()),
    )


# ---------------------------------------------------------------------- row-level security
def read_tenant_viewers(project_dir: Path) -> list[dict[str, str]]:
    """seeds/tenant_viewers.csv, checked as QuickSight reads its rules: each row names a user
    or a group; a tenant id with a comma would be read as several tenants, so it is refused."""
    path = project_dir / VIEWERS_SEED
    if not path.exists():
        raise ContractError(f"no {VIEWERS_SEED} under {project_dir.resolve()}")
    with path.open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        if tuple(reader.fieldnames or ()) != VIEWERS_COLUMNS:
            raise ContractError(
                f"{path}: the header must be {','.join(VIEWERS_COLUMNS)}, "
                f"got {','.join(reader.fieldnames or [])}"
            )
        rows = []
        for number, row in enumerate(reader, start=2):
            if not (row["user_name"] or row["group_name"]):
                raise ContractError(f"{path}:{number}: name a user_name or a group_name")
            if "," in (row["tenant_id"] or ""):
                raise ContractError(
                    f"{path}:{number}: QuickSight reads a comma in tenant_id as a list of "
                    "tenants; write one row per tenant"
                )
            rows.append(row)
    return rows


def viewers_table(project_dir: Path) -> MartTable:
    """The permissions data set's table: the seed, as dbt loads it (every column a string)."""
    return MartTable(
        name=VIEWERS_TABLE,
        columns=tuple(MartColumn(name, "varchar") for name in VIEWERS_COLUMNS),
        source=project_dir / VIEWERS_SEED,
    )


def viewers_logical_table(table: MartTable) -> dict[str, Any]:
    """The permissions data set's LogicalTableMap: the seed's columns renamed to UserName and
    GroupName, the names QuickSight's rules are read by."""
    return {
        table.physical_table_id: {
            "Alias": table.name,
            "Source": {"PhysicalTableId": table.physical_table_id},
            "DataTransforms": [
                {"RenameColumnOperation": {"ColumnName": old, "NewColumnName": new}}
                for old, new in RULE_COLUMNS.items()
            ],
        }
    }


def is_tenant_bearing(table: MartTable) -> bool:
    return TENANT_COLUMN in {c.name for c in table.columns}
