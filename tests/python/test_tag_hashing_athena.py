"""Hashed tag keys on the local Athena: the salt comes from S3, and no table holds a raw value.

The planted records of test_tag_hashing (hashed key `userId` spelled `userId `, `USERID` and
`\\tuserId`, quarantined lines with long previews and escaped keys) are built twice (full,
then incremental) with `hashed_tag_keys: [userId]` on the local Athena, the salt read from a
one-line S3 object through the table `create_tag_hash_salt_table` makes, and once on DuckDB with
the same salt in a file (conftest.hashed_athena_build, shared with test_iam_policy_local). The marts
must be equal row for row, and every text, array, map and row column of every table and view the
build made (all schemas but the raw one, which holds the logs and the salt by design) is searched
for the raw values and for the salt, as is every query the engine was sent.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from athena_local import __main__ as athena_local
from athena_local_harness import (
    AthenaProject,
    athena_marts,
    duckdb_marts,
    mart_differences,
)
from conftest import HashedAthenaBuild
from test_tag_hashing import (
    ALICE,
    BOB,
    RAW_VALUES,
    SALT,
    files_holding,
    hashed,
)

pytestmark = [pytest.mark.dbt, pytest.mark.athena]

NEEDLES = (*RAW_VALUES, SALT)
# Types whose values can hold text: searched as text (varchar) or as their JSON form.
TEXT_TYPES = ("varchar", "char", "array", "map", "row", "json")


@pytest.fixture(scope="module")
def hashed_builds(hashed_athena_build: HashedAthenaBuild) -> tuple[AthenaProject, Any, Path]:
    """The shared deployment of conftest.hashed_athena_build (built twice on Athena, once on
    DuckDB)."""
    build = hashed_athena_build
    return build.project, build.duck, build.work


def tables_holding(project: AthenaProject, needles: tuple[str, ...]) -> tuple[int, dict[str, list]]:
    """(columns searched, for each needle the schema.table.column cells that hold it)."""
    rows = project.query(
        "select table_schema, table_name, column_name, data_type from information_schema.columns"
        f" where table_schema like '{project.schema}\\_%' escape '\\'"
        f" and table_schema <> '{project.schema}_raw'"
    )
    by_table: dict[tuple[str, str], list[tuple[str, str]]] = {}
    for schema, table, column, data_type in rows:
        if data_type.split("(")[0] in TEXT_TYPES:
            by_table.setdefault((schema, table), []).append((column, data_type))
    found: dict[str, list] = {needle: [] for needle in needles}
    searched = 0
    for (schema, table), columns in sorted(by_table.items()):
        texts = [
            f'"{c}"' if t.startswith(("varchar", "char")) else f'json_format(cast("{c}" as json))'
            for c, t in columns
        ]
        counts = [
            f"count_if(strpos({text}, '{needle}') > 0)" for text in texts for needle in needles
        ]
        (result,) = project.query(f'select {", ".join(counts)} from "{schema}"."{table}"')
        searched += len(columns)
        for i, (column, _) in enumerate(columns):
            for j, needle in enumerate(needles):
                if result[i * len(needles) + j]:
                    found[needle].append(f"{schema}.{table}.{column}")
    return searched, found


def test_marts_are_equal_on_both_engines(hashed_builds: tuple[AthenaProject, Any, Path]) -> None:
    project, duck, _ = hashed_builds
    assert mart_differences(duckdb_marts(duck), athena_marts(project)) == {}


def test_the_hashes_use_the_salt_from_s3(hashed_builds: tuple[AthenaProject, Any, Path]) -> None:
    project, _, _ = hashed_builds
    rows = project.query(
        f"select tag_key, tag_value from {project.schema}_marts.fct_tenant_daily_usage_by_tag"
        " where tag_key like 'userid%' and tag_value is not null"
    )
    assert sorted(rows) == sorted([("userid ", hashed(ALICE)), ("userid", hashed(BOB))])


def test_no_table_or_view_holds_a_raw_value_or_the_salt(
    hashed_builds: tuple[AthenaProject, Any, Path],
) -> None:
    project, _, _ = hashed_builds
    searched, found = tables_holding(project, NEEDLES)
    assert searched > 100, f"only {searched} columns searched: did the build make its tables?"
    assert {needle: hits for needle, hits in found.items() if hits} == {}


def test_the_search_finds_what_it_looks_for(hashed_builds: tuple[AthenaProject, Any, Path]) -> None:
    """The scan is able to fail: the hashed value and the tenant are found where they are."""
    project, _, _ = hashed_builds
    _, found = tables_holding(project, (hashed(ALICE), "acme"))
    assert f"{project.schema}_marts.fct_tenant_daily_usage_by_tag.tag_value" in found[hashed(ALICE)]
    assert f"{project.schema}_marts.dim_tenants.tenant_id" in found["acme"]


def test_no_query_sent_and_no_dbt_file_holds_the_salt(
    hashed_builds: tuple[AthenaProject, Any, Path],
) -> None:
    project, _, work = hashed_builds
    statements = (athena_local.state_dir() / "statements.jsonl").read_text()
    assert project.schema in statements, "the engine's query log holds none of this build's queries"
    assert SALT not in statements
    assert files_holding(work, SALT) == []
