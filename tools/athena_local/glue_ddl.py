"""Athena's Hive DDL that Trino does not run, applied to the Glue catalog as Athena would.

`create external table` (the raw log table, dbt-athena's seed staging table) becomes a Glue table
with the SerDe, input and output formats Athena records, so that Trino's Hive connector reads it
exactly as Athena reads it (partition projection included: its `projection.*` and
`storage.location.template` table properties are copied verbatim). `alter table ... set
tblproperties` updates the table's parameters.
"""

from __future__ import annotations

import re
from typing import Any

from athena_local.translate import NAME_PATTERN, name_parts, parse_tblproperties

_HEAD = re.compile(
    rf"create\s+external\s+table\s+(?P<exists>if\s+not\s+exists\s+)?"
    rf"(?P<name>{NAME_PATTERN})\s*\(",
    re.IGNORECASE,
)
TEXT_INPUT = "org.apache.hadoop.mapred.TextInputFormat"
TEXT_OUTPUT = "org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat"
LAZY_SIMPLE = "org.apache.hadoop.hive.serde2.lazy.LazySimpleSerDe"
PARQUET = (
    "org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat",
    "org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat",
    "org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe",
)


def _balanced(text: str, start: int) -> tuple[str, int]:
    """The text inside the parentheses opening at `start`, and the index after the closing one."""
    depth = 0
    for index in range(start, len(text)):
        if text[index] == "(":
            depth += 1
        elif text[index] == ")":
            depth -= 1
            if depth == 0:
                return text[start + 1 : index], index + 1
    raise ValueError("unbalanced parentheses in create external table")


def _columns(text: str) -> list[dict[str, str]]:
    columns = []
    for item in re.split(r",(?![^<(]*[>)])", text):
        if item.strip():
            name, kind = item.strip().split(None, 1)
            columns.append({"Name": name.strip('`"').lower(), "Type": kind.strip().lower()})
    return columns


def _unescape_delimiter(value: str) -> str:
    """Hive's `'\\001'` (octal escape) or `'\\t'` -> the character itself."""
    if re.fullmatch(r"\\[0-7]{3}", value):
        return chr(int(value[1:], 8))
    return {"\\t": "\t", "\\n": "\n"}.get(value, value)


def external_table_input(sql: str) -> tuple[str, str, dict[str, Any], bool]:
    """(database, table, Glue TableInput, if_not_exists) of a `create external table`."""
    head = _HEAD.match(sql)
    if not head:
        raise ValueError("not a create external table statement")
    parts = name_parts(head.group("name"))
    database, table = parts[-2], parts[-1]
    columns_text, rest_at = _balanced(sql, head.end() - 1)
    rest = sql[rest_at:]
    partitions: list[dict[str, str]] = []
    if match := re.search(r"partitioned\s+by\s*\(", rest, re.IGNORECASE):
        inner, _ = _balanced(rest, match.end() - 1)
        partitions = _columns(inner)
    serde, serde_params = LAZY_SIMPLE, {"serialization.format": "1"}
    input_format, output_format = TEXT_INPUT, TEXT_OUTPUT
    if match := re.search(r"fields\s+terminated\s+by\s+'([^']*)'", rest, re.IGNORECASE):
        delimiter = _unescape_delimiter(match.group(1))
        serde_params = {"field.delim": delimiter, "serialization.format": delimiter}
    if match := re.search(r"row\s+format\s+serde\s+'([^']+)'", rest, re.IGNORECASE):
        serde, serde_params = match.group(1), {}
        if props := re.search(r"with\s+serdeproperties\s*\(([^)]*)\)", rest, re.IGNORECASE):
            serde_params = parse_tblproperties(props.group(1))
    if re.search(r"stored\s+as\s+parquet\b", rest, re.IGNORECASE):
        input_format, output_format, serde = PARQUET
    if match := re.search(
        r"stored\s+as\s+inputformat\s+'([^']+)'\s+outputformat\s+'([^']+)'", rest, re.IGNORECASE
    ):
        input_format, output_format = match.group(1), match.group(2)
    location = re.search(r"\blocation\s+'([^']+)'", rest, re.IGNORECASE)
    parameters = {"EXTERNAL": "TRUE"}
    if match := re.search(r"tblproperties\s*\(", rest, re.IGNORECASE):
        inner, _ = _balanced(rest, match.end() - 1)
        parameters |= parse_tblproperties(inner)
    table_input = {
        "Name": table,
        "TableType": "EXTERNAL_TABLE",
        "Parameters": parameters,
        "PartitionKeys": partitions,
        "StorageDescriptor": {
            "Columns": _columns(columns_text),
            "Location": location.group(1) if location else "",
            "InputFormat": input_format,
            "OutputFormat": output_format,
            "SerdeInfo": {"SerializationLibrary": serde, "Parameters": serde_params},
        },
    }
    return database, table, table_input, bool(head.group("exists"))
