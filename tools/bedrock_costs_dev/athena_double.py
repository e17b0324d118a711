"""A local Athena test double: moto, a strict SQL gate, and a Glue mirror of DDL.

It lets `dbt build --target athena` (dbt-athena 1.11) run offline. moto's
`AthenaBackend.start_query_execution` is patched so that every statement dbt sends is logged
(JSON lines, to `ATHENA_DOUBLE_LOG` or the `log_path` argument), syntax-checked, mirrored into
moto's Glue catalog and answered with a result schema.

What it proves:
- SQL syntax. Hive DDL (`create external table`, `alter table`, `msck`, `show`, `describe`,
  `drop table`, `create/drop database|schema`) must pass `trino_sql_validator.validate(...,
  dialect="hive")`; every other statement must pass Trino 422's own grammar
  (`trino_query_parser.parse_statement`, one statement, trailing `;` stripped), plus the two
  token rules of Trino's AstBuilder (no backquoted identifiers, none starting with a digit).
  Athena's `OPTIMIZE t REWRITE DATA USING BIN_PACK [WHERE p]` and `VACUUM t` are not in that
  grammar: an explicit allow-pattern accepts them (`p` is still grammar-checked). A rejection is
  an HTTP 400 `InvalidRequestException` starting `trino grammar rejected:` or `hive ddl
  rejected:`, which dbt reports. `ATHENA_DOUBLE_STRICT=0` (or `strict=False`) only logs it.
- dbt-athena's materialization flow completes: STS, S3 and Glue calls, CTAS (hive and iceberg),
  views, external tables (seeds), renames (iceberg table swaps), table properties, merges,
  Glue table versions (moto has them; nothing was missing).

What it does NOT prove:
- Results: nothing executes here. A SELECT returns its inferred columns and no rows; a pure
  global aggregate (dbt's test wrapper `count(*) as failures, ...`) returns one neutral row (0 /
  false / NULL). So its data tests pass by construction. Results are proven by the local Athena
  (tools/athena-local), which runs the same grammar gate (`check_syntax`) and then executes every
  statement on Trino 476 with real Glue and S3 (moto), and whose tests compare every mart with
  DuckDB's (tests/python/test_athena_local.py). This double stays for the fast, engine-free
  checks: grammar, the dbt-athena call flow, compile against plain moto.
- Strictness equal to Athena's: the Hive validator is lenient (it accepts e.g. `show tablez`), and
  valid-but-different Trino (`group by all`) passes. A statement sqlglot cannot parse is still
  gated but not mirrored (its log entry says so under `mirror`).
- Column types are inferred, not analysed: CASTs, Glue columns, counts, predicates and literals;
  anything else is `varchar`. Contracts therefore need explicit CASTs to match.
- Glue fidelity beyond what dbt-athena reads. Iceberg `partitioning` columns become Glue
  PartitionKeys (real Athena keeps Iceberg partitioning hidden). moto state is process-global.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import re
import tempfile
import threading
import time
import urllib.request
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import sqlglot
import trino_sql_validator
from antlr4 import InputStream
from moto.athena import models as athena_models
from moto.core.exceptions import JsonRESTError
from moto.glue.models import GlueBackend, glue_backends
from moto.moto_server.threaded_moto_server import ThreadedMotoServer
from sqlglot import exp
from trino_query_parser import TrinoSyntaxError, parse_statement
from trino_query_parser.SqlBaseLexer import SqlBaseLexer

Columns = list[tuple[str, exp.DataType]]
Lookup = Callable[[str, str], Columns]

_ORIGINAL = athena_models.AthenaBackend.start_query_execution
_LOG_LOCK = threading.Lock()
_settings: dict[str, Any] = {"log_path": None, "strict": None}
_HIVE = re.compile(
    r"(create\s+external\s+table|alter\s+table|msck|show|describe|drop\s+table"
    r"|(create|drop)\s+(database|schema))\b",
    re.IGNORECASE,
)
_NAME = r"(?:[\w$]+|\"[^\"]+\"|`[^`]+`)(?:\.(?:[\w$]+|\"[^\"]+\"|`[^`]+`)){0,2}"
_OPTIMIZE = re.compile(
    rf"optimize\s+{_NAME}\s+rewrite\s+data\s+using\s+bin_pack(?:\s+where\s+(?P<where>.+))?",
    re.IGNORECASE | re.DOTALL,
)
_VACUUM = re.compile(rf"vacuum\s+{_NAME}", re.IGNORECASE)
_KINDS = (
    ("CREATE VIEW", r"create (or replace )?view\b"),
    ("CTAS", r"create table .*?\bas (\(|select\b|with\b)"),
    ("ALTER TABLE RENAME", r"alter table \S+ rename to\b"),
    ("ALTER TABLE SET TBLPROPERTIES", r"alter table \S+ set tblproperties\b"),
    ("SELECT", r"(select\b|with\b|\()"),
)
_TOKEN_ERRORS = {
    SqlBaseLexer.BACKQUOTED_IDENTIFIER: "backquoted identifiers are not supported",
    SqlBaseLexer.DIGIT_IDENTIFIER: "identifiers must not start with a digit",
}
_READ_ONLY_KEYS = {"DatabaseName", "CreateTime", "UpdateTime", "VersionId", "CatalogId"}
_PARQUET_SERDE = "org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe"


class InvalidRequestException(JsonRESTError):
    """What Athena's API answers for a statement it refuses (HTTP 400)."""

    code = 400

    def __init__(self, message: str) -> None:
        super().__init__("InvalidRequestException", message)


# ------------------------------------------------------------------------ syntax gate


def strip_comments(sql: str) -> str:
    """The statement without leading `--` lines or `/* */` blocks, and without a final `;`."""
    text = sql.strip()
    while match := re.match(r"(--[^\n]*(\n|$)|/\*.*?\*/)\s*", text, re.DOTALL):
        text = text[match.end() :]
    return text.rstrip().rstrip(";").rstrip()


def statement_kind(sql: str) -> str:
    """A short label: `CTAS`, `CREATE VIEW`, `MERGE INTO`, `ALTER TABLE RENAME`, `SELECT`..."""
    head = " ".join(strip_comments(sql).lower().split())
    for kind, pattern in _KINDS:
        if re.match(pattern, head):
            return kind
    match = re.match(
        r"create external table|(create|drop|alter) (table|view|database|schema)"
        r"|(merge|insert) into|delete from|\w+",
        head,
    )
    return match.group(0).upper() if match else "EMPTY"


_HIVE_PRIMITIVE = re.compile(
    r"\s*(tinyint|smallint|integer|int|bigint|boolean|float|double|string|binary|timestamp|date"
    r"|decimal(\(\s*\d+\s*(,\s*\d+\s*)?\))?|(var)?char\(\s*\d+\s*\))(?!\w)",
    re.IGNORECASE,
)
_COMPLEX_HEAD = re.compile(r"\b(map|struct)\s*<", re.IGNORECASE)
_TYPE_HEAD = re.compile(r"\s*(array|map|struct)\s*<", re.IGNORECASE)
_STRUCT_FIELD = re.compile(r"\s*(\w+|`[^`]+`)\s*:")


def _expect(text: str, at: int, char: str) -> int:
    found = re.compile(rf"\s*{re.escape(char)}").match(text, at)
    if not found:
        raise ValueError(f"expected {char!r} in a column type at character {at}")
    return found.end()


def _hive_type_end(text: str, at: int) -> int:
    """The index after the Hive column type starting at `at`; ValueError when it is not one.
    A type is a primitive, array<T>, map<primitive,T> or struct<name:T,...>."""
    head = _TYPE_HEAD.match(text, at)
    if not head:
        primitive = _HIVE_PRIMITIVE.match(text, at)
        if not primitive:
            raise ValueError(f"not a Hive column type at character {at}")
        return primitive.end()
    kind, at = head.group(1).lower(), head.end()
    if kind == "array":
        at = _hive_type_end(text, at)
    elif kind == "map":
        if not _HIVE_PRIMITIVE.match(text, at):
            raise ValueError(f"a map key must be a primitive type at character {at}")
        at = _hive_type_end(text, _expect(text, _hive_type_end(text, at), ","))
    else:
        while field := _STRUCT_FIELD.match(text, at):
            at = _hive_type_end(text, field.end())
            comma = re.compile(r"\s*,").match(text, at)
            if not comma:
                break
            at = comma.end()
        else:
            raise ValueError(f"a struct field needs name:type at character {at}")
    return _expect(text, at, ">")


def _mask_complex_types(text: str) -> str:
    """`map<...>` and `struct<...>` column types, each checked by `_hive_type_end`, replaced by
    `string`: the Hive dialect of trino_sql_validator 0.23 refuses both (its parser expects `,`
    or `)` at the `<`), though Athena's DDL takes them (docs.aws.amazon.com/athena/latest/ug/
    data-types.html: `map<primitive_type, data_type>`, `struct<col_name : data_type, ...>`)."""
    while head := _COMPLEX_HEAD.search(text):
        end = _hive_type_end(text, head.start())
        text = text[: head.start()] + "string" + text[end:]
    return text


def check_syntax(sql: str) -> tuple[str, str | None]:
    """Gate one statement: (gate used, rejection message or None)."""
    text = strip_comments(sql)
    if _HIVE.match(text):
        try:
            text = _mask_complex_types(text)
        except ValueError as error:
            return "hive", f"hive ddl rejected: {error}"
        result = trino_sql_validator.validate(text, dialect="hive", jinja="reject")
        if result.valid and result.statement_count == 1:
            return "hive", None
        return "hive", f"hive ddl rejected: {result.error or 'expected exactly one statement'}"
    if allowed := _OPTIMIZE.fullmatch(text) or _VACUUM.fullmatch(text):
        where = allowed.groupdict().get("where")
        return "athena", _trino_error(f"SELECT 1 FROM t WHERE {where}") if where else None
    return "trino", _trino_error(text)


def _trino_error(text: str) -> str | None:
    try:
        parse_statement(text)
    except TrinoSyntaxError as error:
        return f"trino grammar rejected: {error}"
    # Trino's parser (AstBuilder) also refuses these two tokens that its grammar lexes.
    for token in SqlBaseLexer(InputStream(text.upper())).getAllTokens():
        if message := _TOKEN_ERRORS.get(token.type):
            return f"trino grammar rejected: {token.line}:{token.column} {message}"
    return None


# ------------------------------------------------------------------------ column inference


def _dtype(name: str, dialect: str = "trino") -> exp.DataType:
    return exp.DataType.build(name, dialect=dialect)


def glue_type(dtype: exp.DataType) -> str:
    """Hive/Glue spelling of a type: `string`, `decimal(18,6)`, `map<string,string>`."""
    return dtype.sql(dialect="hive").lower().replace(", ", ",").replace(": ", ":")


def query_columns(query: exp.Expr, lookup: Lookup, ctes: dict[str, Columns]) -> Columns:
    """Output columns of a query; `lookup(database, table)` reads the catalog."""
    while isinstance(query, exp.Subquery | exp.Paren):
        query = query.this
    scope = dict(ctes)
    for cte in query.ctes if isinstance(query, exp.Query) else []:
        scope[cte.alias_or_name.lower()] = query_columns(cte.this, lookup, scope)
    if isinstance(query, exp.SetOperation):
        return query_columns(query.left, lookup, scope)
    if not isinstance(query, exp.Select):
        return []
    from_ = query.args.get("from_") or query.args.get("from")
    items = ([from_.this] if from_ else []) + [j.this for j in query.args.get("joins") or []]
    sources = {item.alias_or_name.lower(): _source(item, lookup, scope) for item in items}
    out: Columns = []
    for index, projection in enumerate(query.expressions):
        if isinstance(projection, exp.Star):
            out += [column for columns in sources.values() for column in columns]
        elif isinstance(projection, exp.Column) and isinstance(projection.this, exp.Star):
            out += sources.get(projection.table.lower(), [])
        else:  # Trino names unaliased expressions _col0, _col1, ...
            name = projection.alias if isinstance(projection, exp.Alias) else ""
            name = projection.name if isinstance(projection, exp.Column) else name
            out.append((name.lower() or f"_col{index}", _type_of(projection, sources)))
    return out


def _source(item: exp.Expr, lookup: Lookup, ctes: dict[str, Columns]) -> Columns:
    columns: Columns = []
    if isinstance(item, exp.Table):
        name = item.name.lower()
        columns = ctes[name] if not item.db and name in ctes else lookup(item.db, name)
    elif isinstance(item, exp.Subquery):
        columns = query_columns(item.this, lookup, ctes)
    elif isinstance(item, exp.Unnest) and isinstance(item.expressions[0], exp.Cast):
        # unnest(cast(... as map(k, v))) or unnest(cast(... as array(t)))
        columns = [("_col", t) for t in item.expressions[0].to.expressions]
    alias = item.args.get("alias")
    if renames := [ident.name.lower() for ident in alias.columns] if alias else []:
        types = [t for _, t in columns] + [_dtype("varchar")] * len(renames)
        columns = list(zip(renames, types, strict=False))
    return columns


def _type_of(node: exp.Expr, sources: dict[str, Columns]) -> exp.DataType:
    if isinstance(node, exp.Alias | exp.Paren):
        return _type_of(node.this, sources)
    if isinstance(node, exp.Cast):
        return node.to
    if isinstance(node, exp.Column):
        candidates = [sources.get(node.table.lower(), [])] if node.table else sources.values()
        for name, dtype in (column for columns in candidates for column in columns):
            if name == node.name.lower():
                return dtype
    if isinstance(node, exp.Count):
        return _dtype("bigint")
    if isinstance(node, exp.Predicate | exp.Connector | exp.Not | exp.Boolean):
        return _dtype("boolean")
    if isinstance(node, exp.Sum | exp.Max | exp.Min | exp.Coalesce | exp.Binary):
        return _type_of(node.this, sources)
    if isinstance(node, exp.Literal) and not node.is_string:
        return _dtype("double" if "." in node.this else "integer")
    return _dtype("double" if isinstance(node, exp.Avg) else "varchar")


def _scripted_answer(query: str) -> str | None:
    """The value a test scripted for this query (env ATHENA_DOUBLE_ANSWERS: {regex: value}).

    Lets a test give a one-value query (such as an incremental model's watermark,
    `select max(...) from <table>`) the answer a real Athena would, so the incremental path's SQL
    is compiled and checked. Nothing else is ever answered with data.
    """
    answers = json.loads(os.environ.get("ATHENA_DOUBLE_ANSWERS") or "{}")
    for pattern, value in answers.items():
        if re.search(pattern, query, flags=re.IGNORECASE | re.DOTALL):
            return str(value)
    return None


def _result_set(
    columns: Columns, neutral_row: bool, answer: str | None = None
) -> athena_models.QueryResults:
    infos, header, values = [], [], []
    for name, dtype in columns:
        match = re.match(r"([a-z ]+)(?:\((\d+)(?:,\s*(\d+))?)?", dtype.sql("trino").lower())
        base, precision, scale = match.groups() if match else ("varchar", None, None)
        info = {"Name": name, "Label": name, "Type": base.strip(), "Nullable": "UNKNOWN"}
        infos.append(info | {"Precision": int(precision or 0), "Scale": int(scale or 0)})
        header.append({"VarCharValue": name})
        if dtype.is_type(*exp.DataType.NUMERIC_TYPES):
            values.append({"VarCharValue": "0"})
        else:
            values.append({"VarCharValue": "false"} if dtype.is_type("boolean") else {})
    if answer is not None and len(values) == 1:
        values = [{"VarCharValue": answer}]
    rows = [{"Data": header}] + ([{"Data": values}] if neutral_row else [])
    return athena_models.QueryResults(rows=rows, column_info=infos)


def _is_global_aggregate(query: exp.Expr) -> bool:
    return (
        isinstance(query, exp.Select)
        and not query.args.get("group")
        and all(p.find(exp.AggFunc) and not p.find(exp.Window) for p in query.expressions)
    )


# ------------------------------------------------------------------------ Glue mirror


class _Mirror:
    """Applies one parsed statement to moto's Glue catalog, as Athena would."""

    def __init__(self, backend: athena_models.AthenaBackend, context: dict | None) -> None:
        self.glue: GlueBackend = glue_backends[backend.account_id][backend.region_name]
        self.database = ((context or {}).get("Database") or "default").lower()

    def lookup(self, database: str, name: str) -> Columns:
        try:
            table = self.glue.get_table((database or self.database).lower(), name.lower())
        except JsonRESTError:
            return []
        current = table.as_dict()
        specs = current.get("StorageDescriptor", {}).get("Columns", [])
        specs = [*specs, *(current.get("PartitionKeys") or [])]
        return [(c["Name"].lower(), _dtype(c["Type"], "hive")) for c in specs]

    def _exists(self, database: str, name: str) -> bool:
        return name in self.glue.get_database(database).tables

    def _where(self, table: exp.Table) -> tuple[str, str]:
        return (table.db or self.database).lower(), table.name.lower()

    def apply(self, statement: exp.Expr, query: str, staging: str) -> None:
        kind = statement.args.get("kind")
        tables = statement.args.get("tables") or [statement.this]
        if isinstance(statement, exp.Create | exp.Drop) and kind in {"DATABASE", "SCHEMA"}:
            name = (tables[0].db or tables[0].name).lower()  # SCHEMA x parses as Table(db=x)
            if isinstance(statement, exp.Drop):
                self.glue.databases.pop(name, None)
            elif name not in self.glue.databases:
                self.glue.create_database(name, {"Name": name})
        elif isinstance(statement, exp.Create) and kind == "VIEW":
            self._create_view(statement, query)
        elif isinstance(statement, exp.Create) and kind == "TABLE":
            self._create_table(statement, staging)
        elif isinstance(statement, exp.Drop) and kind in {"TABLE", "VIEW"}:
            for table in tables:
                if not (statement.args.get("exists") and not self._exists(*self._where(table))):
                    self.glue.delete_table(*self._where(table))
        elif isinstance(statement, exp.Alter):
            self._alter(statement)

    def _create_view(self, statement: exp.Create, query: str) -> None:
        database, name = self._where(statement.this)
        columns = query_columns(statement.expression, self.lookup, {})
        table_input = {
            "Name": name,
            "TableType": "VIRTUAL_VIEW",
            "Parameters": {"presto_view": "true", "comment": "Presto View"},
            "StorageDescriptor": {"Columns": _glue_columns(columns), "Location": ""},
            "ViewOriginalText": strip_comments(query),
            "ViewExpandedText": "/* Presto View */",
        }
        if statement.args.get("replace") and self._exists(database, name):
            self.glue.update_table(database, name, table_input)
        else:
            self.glue.create_table(database, name, table_input)

    def _create_table(self, statement: exp.Create, staging: str) -> None:
        schema = statement.this if isinstance(statement.this, exp.Schema) else None
        database, name = self._where(schema.this if schema else statement.this)
        if statement.args.get("exists") and self._exists(database, name):
            return
        props = _properties(statement)
        descriptor: dict[str, Any] = {}
        if isinstance(statement.expression, exp.Query):  # CTAS
            columns = query_columns(statement.expression, self.lookup, {})
            specs = _strings(props.get("partitioned_by")) + _strings(props.get("partitioning"))
            keys = [_partition_column(spec) for spec in specs]
            partitions = [column for key in keys for column in columns if column[0] == key]
            columns = [column for column in columns if column[0] not in keys]
            if _string(props.get("table_type")).lower() == "iceberg":
                parameters = {"table_type": "ICEBERG"}
            else:
                parameters = {"EXTERNAL": "TRUE", "classification": _string(props.get("format"))}
            descriptor["SerdeInfo"] = {"SerializationLibrary": _PARQUET_SERDE}
        else:  # CREATE EXTERNAL TABLE
            columns, partitions = _column_defs(schema), _column_defs(props.get("partitioned_by"))
            parameters = {"EXTERNAL": "TRUE"}
        location = _string(props.get("location")) or _string(props.get("external_location"))
        location = location or f"{staging.rsplit('/', 1)[0]}/tables/{uuid.uuid4()}"
        if parameters.get("table_type") == "ICEBERG":
            parameters["metadata_location"] = f"{location.rstrip('/')}/metadata/0.metadata.json"
        if serde := _string(props.get("serde")):
            descriptor["SerdeInfo"] = {"SerializationLibrary": serde}
        parameters |= _tblproperties(statement)
        descriptor |= {"Columns": _glue_columns(columns), "Location": location}
        table_input = {
            "Name": name,
            "TableType": "EXTERNAL_TABLE",
            "Parameters": {k: v for k, v in parameters.items() if v},
            "StorageDescriptor": descriptor,
            "PartitionKeys": _glue_columns(partitions),
        }
        self.glue.create_table(database, name, table_input)

    def _alter(self, statement: exp.Alter) -> None:
        table = self.glue.get_table(*self._where(statement.this))
        current = {k: v for k, v in table.as_dict().items() if k not in _READ_ONLY_KEYS}
        for action in statement.args.get("actions") or []:
            if isinstance(action, exp.AlterRename):
                database, name = self._where(action.this)
                self.glue.create_table(database, name, current | {"Name": name})
                self.glue.delete_table(table.database_name, table.name)
            elif isinstance(action, exp.AlterSet):
                current["Parameters"] = current.get("Parameters", {}) | _tblproperties(action)
                self.glue.update_table(table.database_name, table.name, current)


def _properties(node: exp.Expr) -> dict[str, exp.Expr]:
    found = node.find(exp.Properties)
    out: dict[str, exp.Expr] = {}
    for prop in found.expressions if found else []:
        if isinstance(prop, exp.LocationProperty):
            out["location"] = prop.this
        elif isinstance(prop, exp.FileFormatProperty):
            out["format"] = prop.this
        elif isinstance(prop, exp.PartitionedByProperty):
            out["partitioned_by"] = prop.this
        elif isinstance(prop, exp.RowFormatSerdeProperty):
            out["serde"] = prop.this
        elif isinstance(prop, exp.Property) and prop.args.get("value") is not None:
            out[prop.name.lower()] = prop.args["value"]
    return out


def _tblproperties(node: exp.Expr) -> dict[str, str]:
    """Quoted-key properties: Hive `TBLPROPERTIES ('k'='v')` (CTAS `WITH (k=v)` keys are bare)."""
    found = node.find(exp.Properties)
    props = found.expressions if found else []
    return {
        p.name: _string(p.args.get("value"))
        for p in props
        if isinstance(p, exp.Property) and isinstance(p.this, exp.Literal)
    }


def _string(node: exp.Expr | None) -> str:
    return node.name if isinstance(node, exp.Literal | exp.Var | exp.Identifier) else ""


def _strings(node: exp.Expr | None) -> list[str]:
    return [_string(e) for e in node.expressions] if isinstance(node, exp.Array) else []


def _partition_column(spec: str) -> str:
    """`usage_date`, `day(usage_date)` or `bucket(16, k)` -> the column's name."""
    inner = re.sub(r"^\w+\((?:\d+\s*,\s*)?([^)]+)\)$", r"\1", spec.strip())
    return inner.strip().strip('"`').lower()


def _column_defs(schema: exp.Expr | None) -> Columns:
    defs = schema.expressions if isinstance(schema, exp.Schema) else []
    return [(d.name.lower(), d.args["kind"]) for d in defs if isinstance(d, exp.ColumnDef)]


def _glue_columns(columns: Columns) -> list[dict[str, str]]:
    return [{"Name": name, "Type": glue_type(dtype)} for name, dtype in columns]


# ------------------------------------------------------------------------ the patch


def _log(entry: dict[str, Any]) -> None:
    path = _settings["log_path"] or os.environ.get("ATHENA_DOUBLE_LOG")
    if path:
        with _LOG_LOCK, Path(path).open("a", encoding="utf-8") as handle:
            handle.write(json.dumps(entry) + "\n")


def _strict() -> bool:
    if _settings["strict"] is not None:
        return bool(_settings["strict"])
    return os.environ.get("ATHENA_DOUBLE_STRICT", "1") != "0"


def _start_query_execution(
    self: athena_models.AthenaBackend,
    query: str,
    context: dict[str, Any] | None,
    config: dict[str, Any] | None,
    workgroup: str,
    execution_parameters: list[str] | None,
) -> str:
    gate, problem = check_syntax(query)
    entry = {"time": time.time(), "kind": statement_kind(query), "gate": gate, "query": query}
    if problem and _strict():
        _log(entry | {"verdict": "rejected", "message": problem})
        raise InvalidRequestException(problem)
    entry |= {"verdict": "warned" if problem else "accepted", "message": problem}
    statement: exp.Expr | None = None
    mirror = _Mirror(self, context)
    try:
        statement = parsed = sqlglot.parse_one(strip_comments(query), read="athena")
        mirror.apply(parsed, query, (config or {}).get("OutputLocation") or "s3://x/y")
    except sqlglot.errors.SqlglotError as error:
        entry["mirror"] = f"not mirrored, sqlglot: {error}"
    except Exception as error:
        failure = error if isinstance(error, JsonRESTError) else None
        message = f"{failure.error_type}: {failure.message}" if failure else repr(error)
        _log(entry | {"verdict": "failed", "message": message})
        raise failure or InvalidRequestException(f"athena double: {message}") from error
    _log(entry)
    query_id = _ORIGINAL(self, query, context, config, workgroup, execution_parameters)  # type: ignore[arg-type]
    if isinstance(statement, exp.Query) and query_id not in self.query_results:
        columns = query_columns(statement, mirror.lookup, {})
        self.query_results[query_id] = _result_set(
            columns, _is_global_aggregate(statement), _scripted_answer(query)
        )
    return query_id


def install(*, log_path: str | Path | None = None, strict: bool | None = None) -> None:
    """Patch moto's Athena backend in this process (idempotent; also for `moto.mock_aws`)."""
    _settings.update(log_path=str(log_path) if log_path else None, strict=strict)
    logging.getLogger("sqlglot").setLevel(logging.ERROR)  # OPTIMIZE/VACUUM fall back to Command
    athena_models.AthenaBackend.start_query_execution = _start_query_execution  # type: ignore[method-assign,assignment]


def uninstall() -> None:
    """Restore moto's own `start_query_execution`."""
    athena_models.AthenaBackend.start_query_execution = _ORIGINAL  # type: ignore[method-assign]


@dataclass
class AthenaDoubleServer:
    """A running double; point `AWS_ENDPOINT_URL` at `endpoint_url`."""

    endpoint_url: str
    log_path: Path
    server: ThreadedMotoServer

    def stop(self) -> None:
        """Stop the server and restore moto's own Athena backend."""
        self.server.stop()
        uninstall()

    def __enter__(self) -> AthenaDoubleServer:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()


def start_server(
    port: int | None = None, *, log_path: str | Path | None = None, strict: bool | None = None
) -> AthenaDoubleServer:
    """Start moto on 127.0.0.1 (a free port by default) with the patch applied in-process.

    The log goes to `log_path`, else `ATHENA_DOUBLE_LOG`, else a new temporary file.
    """
    if log_path is None and not (log_path := os.environ.get("ATHENA_DOUBLE_LOG")):
        handle, log_path = tempfile.mkstemp(prefix="athena-double-", suffix=".jsonl")
        os.close(handle)
    install(log_path=log_path, strict=strict)
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # no line per request
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port or 0, verbose=False)
    server.start()
    host, bound = server.get_host_and_port()
    endpoint_url = f"http://{host}:{bound}"
    # moto keeps its state per process: start every double empty, whatever ran before it here.
    reset = urllib.request.Request(f"{endpoint_url}/moto-api/reset", method="POST")
    with urllib.request.urlopen(reset, timeout=30):
        pass
    return AthenaDoubleServer(endpoint_url, Path(log_path), server)


def seed_catalog(
    endpoint_url: str, *, buckets: list[str], databases: list[str], tables: list[dict[str, Any]]
) -> None:
    """Create S3 buckets, Glue databases and Glue tables (e.g. raw sources) in the double.

    A table is `{"database": ..., "name": ..., "columns": {"line": "string"}, "partition_keys":
    {"log_hour": "string"}, "location": "s3://..." (optional), "parameters": {...} (optional)}`.
    """
    session = boto3.Session(
        aws_access_key_id="testing", aws_secret_access_key="testing", region_name="us-east-1"
    )
    s3 = session.client("s3", endpoint_url=endpoint_url)
    glue = session.client("glue", endpoint_url=endpoint_url)
    for bucket in buckets:
        s3.create_bucket(Bucket=bucket)
    for database in databases:
        glue.create_database(DatabaseInput={"Name": database})
    for spec in tables:
        location = spec.get("location") or f"s3://{buckets[0]}/{spec['database']}/{spec['name']}/"
        columns = [{"Name": n, "Type": t} for n, t in spec.get("columns", {}).items()]
        table_input: Any = {
            "Name": spec["name"],
            "TableType": "EXTERNAL_TABLE",
            "Parameters": {"EXTERNAL": "TRUE", **spec.get("parameters", {})},
            "StorageDescriptor": {"Columns": columns, "Location": location},
            "PartitionKeys": [
                {"Name": n, "Type": t} for n, t in spec.get("partition_keys", {}).items()
            ],
        }
        glue.create_table(DatabaseName=spec["database"], TableInput=table_input)


def main(argv: list[str] | None = None) -> None:
    """`python -m bedrock_costs_dev.athena_double --port 5000`: serve until Ctrl-C."""
    parser = argparse.ArgumentParser(description="Run the local Athena test double.")
    parser.add_argument("--port", type=int, default=5000)
    parser.add_argument("--log", help="JSON-lines statement log (default: a temporary file)")
    args = parser.parse_args(argv)
    server = start_server(args.port, log_path=args.log)
    print(f"AWS_ENDPOINT_URL={server.endpoint_url}\nATHENA_DOUBLE_LOG={server.log_path}")
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        server.stop()


if __name__ == "__main__":
    main()
