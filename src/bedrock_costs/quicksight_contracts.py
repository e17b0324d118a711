"""The marts as their dbt contracts declare them, and the QuickSight type of each column.

Every model in ``models/marts/**/_*__models.yml`` is a :class:`MartTable` of typed columns; the
data sets, the dashboard's fields and row-level security are all built from these.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

DATA_SET_ID_PREFIX: Final = "bedrock-tenant-costs-"
MARTS_GLOB: Final = "models/marts/**/_*__models.yml"
_FIXED_MAX_PRECISION: Final = 18
_FIXED_MAX_SCALE: Final = 4
_STRING_TYPES: Final = ("varchar", "string", "char", "text")
_INTEGER_TYPES: Final = ("bigint", "integer", "int", "smallint", "tinyint", "hugeint")
_FLOAT_TYPES: Final = ("double", "float", "real", "double precision")
_DATETIME_TYPES: Final = ("date", "timestamp", "timestamptz", "timestamp with time zone")
_BOOLEAN_TYPES: Final = ("boolean", "bool")
_DECIMAL = re.compile(r"^(?:decimal|numeric)\s*(?:\(\s*(\d+)\s*(?:,\s*(\d+)\s*)?\))?$")
_SIZED = re.compile(r"^([a-z ]+?)\s*\(\s*\d+\s*\)$")


class ContractError(ValueError):
    """The dbt YAML contracts cannot be turned into data sets (a usage error: exit 2)."""


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
