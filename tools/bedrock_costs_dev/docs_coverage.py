"""Find every blank description in the dbt docs of this project.

Reads the `manifest.json` and `catalog.json` that `dbt docs generate` writes and lists what a
reader of the docs site would find undocumented: models, seeds, snapshots and their columns
(every column the catalog saw in the database, not only the ones declared in YAML), sources,
source tables and their columns, the project's macros and each of their arguments (taken from
the macro signature), singular data tests, unit tests, exposures, semantic models, metrics and
saved queries. Run it after `dbt docs generate`:

    python -m bedrock_costs_dev.docs_coverage target

Exit codes: 0 everything is described, 1 something is not (listed on stdout), 2 bad arguments or
unreadable artifacts.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

PROJECT = "bedrock_tenant_costs"
# Resources whose relations the catalog describes column by column.
RELATION_TYPES = ("model", "seed", "snapshot")
# Resources that only need a description of their own.
TOP_LEVEL_COLLECTIONS = ("exposures", "metrics", "semantic_models", "saved_queries", "unit_tests")
MACRO_SIGNATURE = re.compile(r"{%-?\s*(?:macro|test)\s+(\w+)\s*\((.*?)\)\s*-?%}", re.DOTALL)


def _blank(text: object) -> bool:
    return not isinstance(text, str) or not text.strip()


def _split_arguments(signature: str) -> list[str]:
    """Argument names of a Jinja macro signature such as `a, b=[1, 2], c='x,y'`."""
    parts: list[str] = []
    depth, quote, current = 0, "", ""
    for char in signature:
        if quote:
            quote = "" if char == quote else quote
        elif char in "'\"":
            quote = char
        elif char in "([{":
            depth += 1
        elif char in ")]}":
            depth -= 1
        elif char == "," and depth == 0:
            parts.append(current)
            current = ""
            continue
        current += char
    parts.append(current)
    names = [part.split("=", 1)[0].strip() for part in parts]
    return [name for name in names if name]


def macro_arguments(macro: Mapping[str, Any]) -> list[str]:
    """The argument names in the signature of a manifest macro, in order."""
    match = MACRO_SIGNATURE.search(str(macro.get("macro_sql", "")))
    return _split_arguments(match.group(2)) if match else []


def _catalog_columns(catalog: Mapping[str, Any], section: str, unique_id: str) -> list[str] | None:
    entry = (catalog.get(section) or {}).get(unique_id)
    if entry is None:
        return None
    columns = sorted(entry.get("columns", {}).values(), key=lambda column: column.get("index", 0))
    return [str(column["name"]) for column in columns]


def _column_gaps(
    label: str, declared: Mapping[str, Any], in_database: Sequence[str] | None
) -> Iterator[str]:
    documented = {
        name.lower() for name, column in declared.items() if not _blank(column.get("description"))
    }
    if in_database is not None:
        # A description of a column the relation does not have documents nothing (a stale name).
        real = {name.lower() for name in in_database}
        for name in declared:
            if name.lower() not in real:
                yield f"{label} column {name} is described but not in the database"
    names = list(declared) + [name for name in in_database or () if name not in declared]
    seen: set[str] = set()
    for name in names:
        if name.lower() in seen:
            continue
        seen.add(name.lower())
        if name.lower() not in documented:
            yield f"{label} column {name}"


def missing_descriptions(
    manifest: Mapping[str, Any], catalog: Mapping[str, Any], project: str = PROJECT
) -> list[str]:
    """Every resource, column and macro argument of `project` whose description is blank.

    Each entry reads e.g. `model.bedrock_tenant_costs.dim_tenants column tenant_id`. A model or
    seed missing from the catalog is reported too (its columns could not be checked): build the
    relations before `dbt docs generate`.
    """
    gaps: list[str] = []
    for unique_id, node in (manifest.get("nodes") or {}).items():
        if node.get("package_name") != project:
            continue
        resource_type = node.get("resource_type")
        singular_test = resource_type == "test" and not node.get("test_metadata")
        if resource_type not in RELATION_TYPES and not singular_test:
            continue
        if _blank(node.get("description")):
            gaps.append(unique_id)
        if resource_type not in RELATION_TYPES:
            continue
        in_database = _catalog_columns(catalog, "nodes", unique_id)
        if in_database is None and (node.get("config") or {}).get("materialized") != "ephemeral":
            gaps.append(f"{unique_id} is not in the catalog (build it before dbt docs generate)")
        gaps.extend(_column_gaps(unique_id, node.get("columns") or {}, in_database))

    for unique_id, source in (manifest.get("sources") or {}).items():
        if source.get("package_name") != project:
            continue
        if _blank(source.get("source_description")):
            gaps.append(f"source {source.get('source_name')}")
        if _blank(source.get("description")):
            gaps.append(unique_id)
        in_database = _catalog_columns(catalog, "sources", unique_id)
        gaps.extend(_column_gaps(unique_id, source.get("columns") or {}, in_database))

    for unique_id, macro in (manifest.get("macros") or {}).items():
        if macro.get("package_name") != project:
            continue
        if _blank(macro.get("description")):
            gaps.append(unique_id)
        described = {
            argument.get("name")
            for argument in macro.get("arguments") or []
            if not _blank(argument.get("description"))
        }
        gaps.extend(
            f"{unique_id} argument {name}"
            for name in macro_arguments(macro)
            if name not in described
        )

    for collection in TOP_LEVEL_COLLECTIONS:
        for unique_id, resource in (manifest.get(collection) or {}).items():
            if resource.get("package_name") == project and _blank(resource.get("description")):
                gaps.append(unique_id)
    return sorted(set(gaps))


def _load(path: Path) -> Mapping[str, Any]:
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise SystemExit(
            f"error: cannot read {path} ({error}); run `dbt docs generate` first (or `make docs`)"
        ) from None
    if not isinstance(document, dict):
        raise SystemExit(f"error: {path} is not a dbt artifact; run `dbt docs generate` again")
    return document


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bedrock_costs_dev.docs_coverage",
        description=(
            "List every model, column, seed, source, macro (and macro argument), singular test, "
            "unit test and exposure of the dbt project whose description is blank, reading the "
            "manifest.json and catalog.json of `dbt docs generate`. Exit codes: 0 all described, "
            "1 something is not, 2 bad arguments or unreadable artifacts."
        ),
        epilog="Example: python -m bedrock_costs_dev.docs_coverage target/docs",
    )
    parser.add_argument("target_dir", type=Path, help="the dbt target directory (--target-path)")
    args = parser.parse_args(argv)
    try:
        manifest = _load(args.target_dir / "manifest.json")
        catalog = _load(args.target_dir / "catalog.json")
    except SystemExit as error:
        print(error, file=sys.stderr)
        return 2
    gaps = missing_descriptions(manifest, catalog)
    for gap in gaps:
        print(gap)
    if gaps:
        print(
            f"{len(gaps)} undocumented item(s): add a `description:` to the YAML next to each "
            "(models/**/_*.yml, seeds/_seeds.yml, macros/*/_*__macros.yml, tests/*/_*.yml).",
            file=sys.stderr,
        )
        return 1
    print(
        "every model, column, seed, source, macro, test and exposure is described", file=sys.stderr
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
