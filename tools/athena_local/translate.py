"""Athena's SQL spellings that Trino does not accept, translated in one place.

Each rule is a small function with a test of its own (tests/python/test_athena_local_translate.py).
`translate(sql)` returns a `Plan`: either a Trino statement to execute, or a Glue action for the
Hive DDL that Athena runs in its Hive engine (`create external table`, `set tblproperties`), or a
no-op (`msck repair`, which partition projection makes unnecessary).

The rules:
- `hive_ddl`: Hive DDL quotes names with backquotes (Trino wants double quotes) and says
  `database` for `schema`.
- `ctas_properties`: Athena's CTAS `with (table_type=..., is_external=..., location=...,
  partitioned_by=..., partitioning=..., write_compression=..., format=..., field_delimiter=...)`
  becomes the Hive or Iceberg connector's own properties, and an Iceberg table is created in the
  Iceberg catalog (`awsdatacatalog_iceberg`), which shares the Glue catalog.
- `optimize`: `OPTIMIZE t REWRITE DATA USING BIN_PACK [WHERE p]` -> `ALTER TABLE t EXECUTE
  optimize [WHERE p]`.
- `vacuum`: `VACUUM t` -> `ALTER TABLE t EXECUTE expire_snapshots(retention_threshold => '7d')`.
- `msck`: `MSCK REPAIR TABLE t` -> nothing to do.
- `decimal_literals`: Athena types a bare decimal literal such as `1.5` as double, Trino as
  decimal; every such literal is sent as `double '1.5'` so that the local engine computes what
  Athena computes (money arithmetic therefore needs typed literals, as on Athena).
Everything else is sent to Trino as written.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from bedrock_costs_dev.athena_double import strip_comments

HIVE_CATALOG = "awsdatacatalog"
ICEBERG_CATALOG = "awsdatacatalog_iceberg"
_NAME_PART = r'(?:"[^"]+"|`[^`]+`|[\w$]+)'
# A table name of one to three parts, each bare, "double-quoted" or `backquoted`.
NAME_PATTERN = rf"{_NAME_PART}(?:\s*\.\s*{_NAME_PART}){{0,2}}"


@dataclass(frozen=True)
class Plan:
    """What to do with one Athena statement."""

    kind: str  # "trino", "glue_create_external_table", "glue_set_tblproperties", "noop"
    sql: str = ""
    rules: tuple[str, ...] = ()
    detail: dict[str, object] = field(default_factory=dict)


def name_parts(name: str) -> list[str]:
    """`"a"."b"`, `` `a`.`b` `` or `a.b` -> ["a", "b"] (lower case, as Glue stores them)."""
    parts = re.findall(_NAME_PART, name)
    return [p.strip('"`').lower() for p in parts]


def backquotes(sql: str) -> str:
    """Hive's `name` quoting -> Trino's "name" (outside string literals)."""
    pieces = re.split(r"('(?:[^']|'')*')", sql)
    return "".join(p if p.startswith("'") else p.replace("`", '"') for p in pieces)


def _split_top_level(text: str) -> list[str]:
    items: list[str] = []
    current: list[str] = []
    depth, quoted = 0, False
    for char in text:
        if char == "'":
            quoted = not quoted
        elif not quoted and char in "([":
            depth += 1
        elif not quoted and char in ")]":
            depth -= 1
        if char == "," and depth == 0 and not quoted:
            items.append("".join(current).strip())
            current = []
        else:
            current.append(char)
    if "".join(current).strip():
        items.append("".join(current).strip())
    return items


def _closing_paren(text: str, start: int) -> int:
    depth, quoted = 0, False
    for index in range(start, len(text)):
        char = text[index]
        if char == "'":
            quoted = not quoted
        elif not quoted and char == "(":
            depth += 1
        elif not quoted and char == ")":
            depth -= 1
            if depth == 0:
                return index
    raise ValueError("unbalanced parentheses in the CTAS properties")


_CTAS = re.compile(rf"create\s+table\s+(?P<name>{NAME_PATTERN})\s+with\s*\(", re.IGNORECASE)


def ctas_properties(sql: str) -> str | None:
    """Athena CTAS -> Trino CTAS on the Hive or Iceberg catalog; None if `sql` is no such CTAS."""
    match = _CTAS.match(sql)
    if not match:
        return None
    close = _closing_paren(sql, match.end() - 1)
    props: dict[str, str] = {}
    for item in _split_top_level(sql[match.end() : close]):
        key, _, value = item.partition("=")
        props[key.strip().lower()] = value.strip()
    table_type = props.pop("table_type", "'hive'").strip("'").lower()
    props.pop("is_external", None)
    # Compression is the catalog's (ZSTD, as the project asks for) on both connectors.
    props.pop("write_compression", None)
    out: dict[str, str] = {}
    if "format" in props:
        out["format"] = props.pop("format").upper()
    parts = name_parts(match.group("name"))
    if table_type == "iceberg":
        catalog = ICEBERG_CATALOG
        if "location" in props:
            out["location"] = props.pop("location")
        if "partitioning" in props or "partitioned_by" in props:
            out["partitioning"] = props.pop("partitioning", "") or props.pop("partitioned_by")
    else:
        catalog = HIVE_CATALOG
        location = props.pop("external_location", None) or props.pop("location", None)
        if location:
            out["external_location"] = location
        if "partitioned_by" in props:
            out["partitioned_by"] = props.pop("partitioned_by")
        for key in ("bucketed_by", "bucket_count"):
            if key in props:
                out[key] = props.pop(key)
        if "field_delimiter" in props:
            out["textfile_field_separator"] = props.pop("field_delimiter")
    if props:
        raise ValueError(f"athena-local cannot translate CTAS properties {sorted(props)}")
    parts = [catalog, *parts[-2:]]
    name = ".".join(f'"{p}"' for p in parts)
    rendered = ",\n  ".join(f"{key} = {value}" for key, value in out.items())
    return f"create table {name}\nwith (\n  {rendered}\n)\n{sql[close + 1 :].lstrip()}"


_OPTIMIZE = re.compile(
    rf"optimize\s+(?P<name>{NAME_PATTERN})\s+rewrite\s+data\s+using\s+bin_pack(?:\s+where\s+(?P<where>.+))?",
    re.IGNORECASE | re.DOTALL,
)
_VACUUM = re.compile(rf"vacuum\s+(?P<name>{NAME_PATTERN})", re.IGNORECASE)


def optimize(sql: str) -> str | None:
    match = _OPTIMIZE.fullmatch(sql)
    if not match:
        return None
    where = f" where {match.group('where')}" if match.group("where") else ""
    return f"alter table {backquotes(match.group('name'))} execute optimize{where}"


def vacuum(sql: str) -> str | None:
    match = _VACUUM.fullmatch(sql)
    if not match:
        return None
    name = backquotes(match.group("name"))
    return f"alter table {name} execute expire_snapshots(retention_threshold => '7d')"


_EXTERNAL = re.compile(r"create\s+external\s+table\b", re.IGNORECASE)
_SET_TBLPROPERTIES = re.compile(
    rf"alter\s+table\s+(?P<name>{NAME_PATTERN})\s+set\s+tblproperties\s*\((?P<props>.*)\)",
    re.IGNORECASE | re.DOTALL,
)
_MSCK = re.compile(r"msck\s+repair\s+table\b", re.IGNORECASE)
_HIVE_DDL = re.compile(
    r"(create|drop)\s+(schema|database)\b|drop\s+table\b|alter\s+table\s+\S+\s+rename\b",
    re.IGNORECASE,
)


def parse_tblproperties(text: str) -> dict[str, str]:
    """`'k' = 'v', 'k2'='v2'` -> {k: v, k2: v2}."""
    return dict(re.findall(r"'((?:[^']|'')*)'\s*=\s*'((?:[^']|'')*)'", text))


_DECIMAL_LITERAL = re.compile(r"(?<![\w.])(\d+\.\d*|\.\d+)(?![\w.])")


def decimal_literals(sql: str) -> str:
    """`1.5` -> `double '1.5'` outside string literals, quoted names and comments."""
    pieces = re.split(r"('(?:[^']|'')*'|\"[^\"]*\"|--[^\n]*|/\*.*?\*/)", sql, flags=re.DOTALL)
    return "".join(
        piece if i % 2 else _DECIMAL_LITERAL.sub(r"double '\1'", piece)
        for i, piece in enumerate(pieces)
    )


def translate(sql: str) -> Plan:
    """The plan for one statement as Athena received it."""
    text = strip_comments(sql)
    if _EXTERNAL.match(text):
        return Plan("glue_create_external_table", text, ("external_table",))
    if match := _SET_TBLPROPERTIES.fullmatch(text):
        detail: dict[str, object] = {
            "table": name_parts(match.group("name")),
            "properties": parse_tblproperties(match.group("props")),
        }
        return Plan("glue_set_tblproperties", text, ("set_tblproperties",), detail)
    if _MSCK.match(text):
        return Plan("noop", text, ("msck",))
    rules: tuple[str, ...] = ()
    if (literals := decimal_literals(text)) != text:
        text, rules = literals, ("decimal_literals",)
    for rule in (optimize, vacuum, ctas_properties):
        if (translated := rule(text)) is not None:
            return Plan("trino", translated, (*rules, rule.__name__))
    if _HIVE_DDL.match(text):
        text = backquotes(text)
        # Hive's synonym: `create database` / `drop database` are Trino's `... schema`.
        text = re.sub(r"^(create|drop)\s+database\b", r"\1 schema", text, flags=re.IGNORECASE)
        return Plan("trino", text, (*rules, "hive_ddl"))
    return Plan("trino", text, rules)
