"""The Athena cost model: an incremental run reads only the raw-log partitions of its window.

The incremental form of base_bedrock__log_lines (the only model that reads the raw logs) is
compiled for Athena against the offline double, with a scripted watermark. The compiled SQL is
parsed with sqlglot: every read of the raw table must sit in a SELECT whose WHERE is a chain of
ANDs holding `log_day >= '<watermark day - lookback_days>'` (and `< end` for a backfill), the
predicate Athena's partition projection uses to pick S3 prefixes. Bytes outside the window are
therefore never listed nor read. See BENCHMARKS.md, "Athena cost model".
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlglot
from sqlglot import exp

from bedrock_costs_dev import athena_double
from dbt_harness import athena_env, compiled_sql, run_dbt

pytestmark = pytest.mark.dbt

RAW_TABLE = "invocation_logs_raw"
PARTITION_COLUMN = "log_day"
MODEL = "models/staging/bedrock/base/base_bedrock__log_lines.sql"
WATERMARK = "2026-10-30 17:00:00.000000"


@pytest.fixture(scope="module")
def double(tmp_path_factory: pytest.TempPathFactory) -> Iterator[athena_double.AthenaDoubleServer]:
    """The double with the raw table and an existing (so incremental) base model table."""
    log = tmp_path_factory.mktemp("athena-window") / "statements.jsonl"
    with pytest.MonkeyPatch.context() as env:
        for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
            env.setenv(name, "testing")
        env.setenv("AWS_DEFAULT_REGION", "us-east-1")
        # The one query answered with data: the newest delivery hour already loaded.
        env.setenv("ATHENA_DOUBLE_ANSWERS", json.dumps({r"max\(delivered_hour_at\)": WATERMARK}))
        with athena_double.start_server(log_path=log) as server:
            athena_double.seed_catalog(
                server.endpoint_url,
                buckets=["dbt-staging-bucket", "dbt-data-bucket"],
                databases=["bedrock_raw", "analytics_staging"],
                tables=[
                    {
                        "database": "bedrock_raw",
                        "name": RAW_TABLE,
                        "columns": {"line": "string"},
                        "partition_keys": {
                            "log_account": "string",
                            "log_region": "string",
                            PARTITION_COLUMN: "string",
                        },
                    },
                    {
                        "database": "analytics_staging",
                        "name": "base_bedrock__log_lines",
                        "columns": {"source_file": "string", "delivered_hour_at": "timestamp"},
                        "parameters": {"table_type": "ICEBERG"},
                    },
                ],
            )
            yield server


def compile_incremental(
    double: athena_double.AthenaDoubleServer, work: Path, extra_vars: dict
) -> str:
    run = run_dbt(
        ["compile", "--select", "base_bedrock__log_lines"],
        None,
        work,
        extra_vars,
        target="athena",
        env=athena_env(double.endpoint_url),
    )
    assert run.ok, run.output[-4000:]
    return compiled_sql(work, MODEL)


def _conjuncts(condition: exp.Expression) -> list[exp.Expression]:
    """The terms of a chain of ANDs (through parentheses); an OR stays one opaque term."""
    while isinstance(condition, exp.Paren):
        condition = condition.this
    if isinstance(condition, exp.And):
        return _conjuncts(condition.left) + _conjuncts(condition.right)
    return [condition]


def raw_partition_bounds(sql: str) -> list[dict[str, str]]:
    """For each read of the raw table: the literal bounds its WHERE puts on log_day.

    Only bounds that every row must satisfy count (top-level AND terms comparing the bare
    partition column with a string literal), so a bound inside an OR does not count.
    """
    tree = sqlglot.parse_one(sql, read="trino")
    reads = [table for table in tree.find_all(exp.Table) if table.name == RAW_TABLE]
    assert reads, "the compiled SQL does not read the raw log table"
    bounds: list[dict[str, str]] = []
    for table in reads:
        select = table.find_ancestor(exp.Select)
        where = select.args.get("where") if select else None
        found: dict[str, str] = {}
        for term in _conjuncts(where.this) if where else []:
            if (
                isinstance(term, exp.GTE | exp.GT | exp.LT | exp.LTE)
                and isinstance(term.this, exp.Column)
                and term.this.name == PARTITION_COLUMN
                and isinstance(term.expression, exp.Literal)
                and term.expression.is_string
            ):
                op = {exp.GTE: ">=", exp.GT: ">", exp.LT: "<", exp.LTE: "<="}[type(term)]
                found[op] = term.expression.this
        bounds.append(found)
    return bounds


@pytest.mark.parametrize(("lookback", "first_hour"), [(3, "2026/10/27"), (7, "2026/10/23")])
def test_daily_run_reads_only_the_lookback_partitions(
    double: athena_double.AthenaDoubleServer, tmp_path: Path, lookback: int, first_hour: str
) -> None:
    sql = compile_incremental(double, tmp_path, {"lookback_days": lookback})
    assert raw_partition_bounds(sql) == [{">=": first_hour}]
    assert athena_double.check_syntax(sql)[1] is None


def test_backfill_reads_only_its_days(
    double: athena_double.AthenaDoubleServer, tmp_path: Path
) -> None:
    sql = compile_incremental(
        double, tmp_path, {"backfill_from": "2026-10-05", "backfill_to": "2026-10-07"}
    )
    assert raw_partition_bounds(sql) == [{">=": "2026/10/05", "<": "2026/10/08"}]


@pytest.mark.parametrize(
    "where",
    [
        "regexp_like(\"$path\", '/[0-9]{4}/[0-9]{2}/[0-9]{2}/[0-9]{2}/[^/]+$')",
        "regexp_like(\"$path\", '/data/') or log_day >= '2026/10/27'",
        "substr(log_day, 1, 7) >= '2026/10'",
    ],
)
def test_the_check_rejects_an_unbounded_or_unprunable_read(where: str) -> None:
    sql = f'select line from "awsdatacatalog"."bedrock_raw"."{RAW_TABLE}" where {where}'
    assert raw_partition_bounds(sql) == [{}]
