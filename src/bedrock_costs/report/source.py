"""Where the report reads the marts: one small interface, a DuckDB and an Athena implementation.

Both speak DB-API (``cursor().execute(sql)`` then ``fetchall()``), so the queries in
:mod:`bedrock_costs.report.dataset` are written once in SQL that DuckDB and Athena (Trino) both
accept, and only the connection differs.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from bedrock_costs.arg_types import default_database


class MartSourceError(Exception):
    """The marts could not be read; the message says what to do next."""


def quote_identifier(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def quote_literal(text: str) -> str:
    """A SQL string literal (DuckDB and Trino both double a quote inside one)."""
    return "'" + text.replace("'", "''") + "'"


class MartSource(Protocol):
    """Read-only access to the schema that holds the marts."""

    schema: str
    description: str

    def fetch(self, sql: str) -> list[tuple[Any, ...]]:
        """Run one query and return every row."""
        ...

    def close(self) -> None: ...


class _DbApiSource:
    """A MartSource over any DB-API connection (DuckDB's and PyAthena's both qualify)."""

    def __init__(self, connection: Any, schema: str, description: str) -> None:
        self._connection = connection
        self.schema = schema
        self.description = description

    def fetch(self, sql: str) -> list[tuple[Any, ...]]:
        cursor = self._connection.cursor()
        try:
            cursor.execute(sql)
            return [tuple(row) for row in cursor.fetchall()]
        except Exception as exc:
            raise MartSourceError(
                f"a query on {self.description} failed ({exc}). If a mart is missing or "
                "outdated, rebuild the project with dbt build."
            ) from exc
        finally:
            cursor.close()

    def close(self) -> None:
        self._connection.close()


def open_duckdb(database: Path, schema: str) -> MartSource:
    """The marts in a DuckDB file built by ``dbt build --target local`` (opened read-only)."""
    import duckdb

    if not database.exists():
        raise MartSourceError(
            f"no DuckDB database at {database}. Build it first: `make build` "
            "(or `dbt build --target local`), or pass --database PATH."
        )
    try:
        connection = duckdb.connect(str(database), read_only=True)
    except duckdb.Error as exc:
        raise MartSourceError(
            f"could not open {database} ({exc}). Is a dbt build still writing it? "
            "Wait for it to finish and run the report again."
        ) from exc
    return _DbApiSource(connection, schema, f"DuckDB {database}, schema {schema}")


@dataclass(frozen=True)
class AthenaSettings:
    schema: str
    region: str | None = None
    s3_staging_dir: str | None = None
    work_group: str | None = None

    def connect_kwargs(self) -> dict[str, str]:
        kwargs = {"schema_name": self.schema}
        if self.region:
            kwargs["region_name"] = self.region
        if self.s3_staging_dir:
            kwargs["s3_staging_dir"] = self.s3_staging_dir
        if self.work_group:
            kwargs["work_group"] = self.work_group
        return kwargs


def open_athena(settings: AthenaSettings) -> MartSource:
    """The marts in an Athena database, queried with PyAthena (results land in the staging dir)."""
    try:
        import pyathena
    except ImportError as exc:  # pragma: no cover - pyathena is pinned in requirements.txt
        raise MartSourceError(
            "pyathena is not installed: `pip install -r requirements.txt`."
        ) from exc
    try:
        connect: Any = pyathena.connect
        connection = connect(**settings.connect_kwargs())
    except Exception as exc:
        raise MartSourceError(
            f"could not connect to Athena ({exc}). Check AWS credentials, --region, "
            "--work-group and --s3-staging-dir."
        ) from exc
    where = settings.work_group or settings.s3_staging_dir or "default work group"
    return _DbApiSource(connection, settings.schema, f"Athena {where}, database {settings.schema}")


def table_columns(source: MartSource, tables: Sequence[str]) -> dict[str, set[str]]:
    """The columns of each of these tables that exist in the source's schema (absent: no key)."""
    names = ", ".join(quote_literal(t) for t in tables)
    rows = source.fetch(
        "select table_name, column_name from information_schema.columns "
        f"where table_schema = {quote_literal(source.schema)} and table_name in ({names})"
    )
    found: dict[str, set[str]] = {}
    for table, column in rows:
        found.setdefault(str(table).lower(), set()).add(str(column).lower())
    return found


def add_mart_source_arguments(parser: argparse.ArgumentParser) -> None:
    """--database and --schema, and the Athena group, as every command that reads marts has."""
    parser.add_argument(
        "--database",
        type=Path,
        default=default_database(),
        help="DuckDB file built by dbt (default $BEDROCK_COSTS_DUCKDB_PATH, as for dbt, else "
        "target/bedrock_tenant_costs.duckdb)",
    )
    parser.add_argument(
        "--schema",
        default="bedrock_marts",
        help="schema (Athena: database) holding the marts (default bedrock_marts)",
    )
    athena = parser.add_argument_group("Athena (instead of DuckDB)")
    athena.add_argument(
        "--athena", action="store_true", help="read the marts from Athena with PyAthena"
    )
    athena.add_argument(
        "--s3-staging-dir",
        default=None,
        help="s3://bucket/prefix/ for query results (needed unless the work group sets one)",
    )
    athena.add_argument("--work-group", default=None, help="Athena work group")
    athena.add_argument("--region", default=None, help="AWS Region (default: from your AWS config)")


def open_mart_source(args: argparse.Namespace, parser: argparse.ArgumentParser) -> MartSource:
    """The source add_mart_source_arguments' options name (argparse errors exit 2)."""
    if not args.athena and (args.s3_staging_dir or args.work_group or args.region):
        parser.error("--s3-staging-dir, --work-group and --region only apply with --athena")
    if args.athena and not (args.s3_staging_dir or args.work_group):
        parser.error(
            "--athena needs --s3-staging-dir s3://bucket/prefix/ or --work-group NAME "
            "(a work group with a query result location)"
        )
    if args.athena:
        return open_athena(
            AthenaSettings(
                schema=args.schema,
                region=args.region,
                s3_staging_dir=args.s3_staging_dir,
                work_group=args.work_group,
            )
        )
    return open_duckdb(args.database, args.schema)
