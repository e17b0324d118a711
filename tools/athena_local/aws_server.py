"""The local AWS endpoint: one moto server for S3, Glue, STS and an Athena that runs on Trino.

dbt-athena, pyathena, boto3 and Trino's Glue metastore and S3 file system all talk to this one
server, so they see the same catalog and the same objects.

Athena's API is answered here: `StartQueryExecution` checks the statement with Trino 422's
grammar (the gate of `bedrock_costs_dev.athena_double`: newer Trino accepts syntax Athena rejects),
translates Athena-only spellings (`athena_local.translate`), and runs it on a worker thread:
on Trino, or on Glue for Hive DDL Trino lacks. `GetQueryExecution` reports QUEUED / RUNNING /
SUCCEEDED / FAILED with Trino's error as the `StateChangeReason`; `GetQueryResults` returns a
header row and then varchar values with Athena's type names, and a CSV of the result is written
to the query's `OutputLocation`, as Athena does.

moto 5.2.5 lacks a few Glue calls Trino makes after every table change (column statistics,
user-defined functions): they are answered here as no-ops. Its S3 listings and writes are
serialized (moto lists a bucket while other threads change it, and would answer 500).

With `--request-log FILE` every request it serves is appended to FILE as the IAM action and
resources it needs (`athena_local.aws_calls`), Trino's own S3 and Glue calls included, plus the
S3 reads and writes Athena makes with the caller's permissions (a query's result).
"""

from __future__ import annotations

import argparse
import csv
import functools
import io
import json
import logging
import os
import re
import threading
import time
import traceback
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import trino
from moto.athena import models as athena_models
from moto.athena import responses as athena_responses
from moto.core.responses import ActionResult, EmptyResult
from moto.glue import responses as glue_responses
from moto.glue.models import glue_backends
from moto.moto_server.threaded_moto_server import ThreadedMotoServer
from moto.moto_server.werkzeug_app import DomainDispatcherApplication
from moto.s3.models import S3Backend, s3_backends

from athena_local import aws_calls
from athena_local.glue_ddl import external_table_input
from athena_local.translate import HIVE_CATALOG, Plan, translate
from bedrock_costs_dev.athena_double import check_syntax

ACCOUNT_ID = "123456789012"
REGION = "us-east-1"
LOG = logging.getLogger("athena_local")


# ------------------------------------------------------------------------ Glue gaps of moto


def _no_op(answer: dict[str, Any]) -> Any:
    def handler(self: glue_responses.GlueResponse) -> ActionResult:
        return ActionResult(dict(answer)) if answer else EmptyResult()

    return handler


_GLUE_NO_OPS: dict[str, dict[str, Any]] = {
    "get_column_statistics_for_table": {"ColumnStatisticsList": [], "Errors": []},
    "get_column_statistics_for_partition": {"ColumnStatisticsList": [], "Errors": []},
    "update_column_statistics_for_table": {"Errors": []},
    "update_column_statistics_for_partition": {"Errors": []},
    "delete_column_statistics_for_table": {},
    "delete_column_statistics_for_partition": {},
    "get_user_defined_functions": {"UserDefinedFunctions": []},
}


def patch_glue() -> None:
    for name, answer in _GLUE_NO_OPS.items():
        if not hasattr(glue_responses.GlueResponse, name):
            setattr(glue_responses.GlueResponse, name, _no_op(answer))


# ------------------------------------------------------------------------ S3 under concurrency

# moto's S3 backend lists a bucket by iterating its key dict while other request threads delete
# or add keys: a listing then fails with a 500 (KeyError), which real S3 never does. dbt-athena
# lists and deletes table data from several threads at once, so these calls take one lock.
_S3_LOCK = threading.RLock()
_S3_SERIALIZED = (
    "list_objects",
    "list_objects_v2",
    "list_object_versions",
    "put_object",
    "copy_object",
    "delete_object",
    "delete_objects",
)


def _serialized(method: Any) -> Any:
    @functools.wraps(method)
    def locked(*args: Any, **kwargs: Any) -> Any:
        with _S3_LOCK:
            return method(*args, **kwargs)

    return locked


def patch_s3() -> None:
    for name in _S3_SERIALIZED:
        method = getattr(S3Backend, name, None)
        if method is not None and not hasattr(method, "__wrapped__"):
            setattr(S3Backend, name, _serialized(method))


# ------------------------------------------------------------------------ the Athena front


@dataclass
class Execution:
    query: str
    database: str
    output_location: str | None
    state: str = "QUEUED"
    reason: str | None = None
    submitted: float = field(default_factory=time.time)
    completed: float | None = None
    columns: list[dict[str, Any]] = field(default_factory=list)
    rows: list[list[str | None]] = field(default_factory=list)
    update_count: int | None = None
    plan: Plan | None = None


@dataclass
class Front:
    trino_port: int
    executions: dict[str, Execution] = field(default_factory=dict)
    pool: ThreadPoolExecutor = field(default_factory=lambda: ThreadPoolExecutor(max_workers=8))
    statement_log: str | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)

    def submit(self, query_id: str, execution: Execution) -> None:
        self.executions[query_id] = execution
        self.pool.submit(self._run, query_id, execution)

    def _run(self, query_id: str, execution: Execution) -> None:
        execution.state = "RUNNING"
        try:
            _, problem = check_syntax(execution.query)
            if problem:
                raise AthenaQueryError(problem)
            if injected := take_injected_fault(execution.query):
                raise AthenaQueryError(injected)
            execution.plan = plan = translate(execution.query)
            if plan.kind == "trino":
                self._run_on_trino(execution, plan.sql)
            elif plan.kind == "glue_create_external_table":
                _create_external_table(plan.sql)
            elif plan.kind == "glue_set_tblproperties":
                _set_tblproperties(execution.database, plan.detail)
            execution.state = "SUCCEEDED"
            _write_csv(execution)
        except AthenaQueryError as error:
            execution.state, execution.reason = "FAILED", str(error)
        except Exception as error:  # an engine-side failure must reach the caller, never hang
            execution.state = "FAILED"
            execution.reason = f"athena-local internal error: {error!r}"
            LOG.error("query %s failed inside athena-local:\n%s", query_id, traceback.format_exc())
        finally:
            execution.completed = time.time()
            self._log(query_id, execution)

    def _run_on_trino(self, execution: Execution, sql: str) -> None:
        connection = trino.dbapi.connect(
            host="127.0.0.1",
            port=self.trino_port,
            user="athena-local",
            catalog=HIVE_CATALOG,
            schema=execution.database or "default",
            legacy_primitive_types=True,
            session_properties={"query_max_run_time": "30m"},
        )
        try:
            cursor = connection.cursor()
            cursor.execute(sql)
            rows = cursor.fetchall()
            description = cursor.description or []
            if cursor.update_type:
                first = rows[0][0] if rows and rows[0] else None
                execution.update_count = int(first) if first is not None else 0
                return
            execution.columns = [_column_info(column) for column in description]
            execution.rows = [[_athena_text(value) for value in row] for row in rows]
        except trino.exceptions.TrinoQueryError as error:
            raise AthenaQueryError(f"{error.error_name}: {error.message}") from error
        finally:
            connection.close()

    def _log(self, query_id: str, execution: Execution) -> None:
        if not self.statement_log:
            return
        entry = {
            "id": query_id,
            "time": execution.submitted,
            "seconds": round((execution.completed or 0) - execution.submitted, 3),
            "state": execution.state,
            "reason": execution.reason,
            "rules": list(execution.plan.rules) if execution.plan else [],
            "query": execution.query,
            "executed": execution.plan.sql if execution.plan else None,
        }
        with self.lock, open(self.statement_log, "a", encoding="utf-8") as handle:
            handle.write(json.dumps(entry) + "\n")


FAULTS_FILE: str | None = None


def take_injected_fault(query: str) -> str | None:
    """A failure a test asked for: the first rule of FAULTS_FILE whose regex the query matches.

    FAULTS_FILE holds JSON `[{"pattern": "...", "message": "...", "times": 1}]`; a rule is used up
    after `times` matches. Lets a test fail one statement of a run (e.g. the MERGE after a
    DELETE pre-hook) the way Athena can fail any statement.
    """
    if not FAULTS_FILE or not os.path.exists(FAULTS_FILE):
        return None
    with _FAULTS_LOCK:
        with open(FAULTS_FILE, encoding="utf-8") as handle:
            rules = json.load(handle)
        for rule in rules:
            if rule.get("times", 1) > 0 and re.search(rule["pattern"], query, re.I | re.S):
                rule["times"] = rule.get("times", 1) - 1
                with open(FAULTS_FILE, "w", encoding="utf-8") as handle:
                    json.dump(rules, handle)
                return str(rule.get("message") or "injected fault")
    return None


_FAULTS_LOCK = threading.Lock()


class AthenaQueryError(Exception):
    """A statement Athena would answer with FAILED; the message becomes the StateChangeReason."""


def _column_info(column: Any) -> dict[str, Any]:
    name, type_code = column[0], str(column[1])
    base = type_code.split("(")[0].strip()
    precision, scale = column[4] or 0, column[5] or 0
    if base == "decimal" and "(" in type_code:
        precision, scale = (int(p) for p in type_code.split("(")[1].rstrip(")").split(","))
    if base == "timestamp" and "with time zone" in type_code:
        base = "timestamp with time zone"
    return {
        "CatalogName": "hive",
        "Name": name,
        "Label": name,
        "Type": base,
        "Precision": int(precision),
        "Scale": int(scale),
        "Nullable": "UNKNOWN",
        "CaseSensitive": base in {"varchar", "char"},
    }


def _athena_text(value: Any) -> str | None:
    """A value as Athena's GetQueryResults renders it (every value a string)."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return "[" + ", ".join("null" if v is None else str(_athena_text(v)) for v in value) + "]"
    if isinstance(value, dict):
        inner = ", ".join(f"{_athena_text(k)}={_athena_text(v)}" for k, v in value.items())
        return "{" + inner + "}"
    return str(value)


def _glue() -> Any:
    return glue_backends[ACCOUNT_ID][REGION]


def _create_external_table(sql: str) -> None:
    database, table, table_input, if_not_exists = external_table_input(sql)
    glue = _glue()
    if database not in glue.databases:
        raise AthenaQueryError(f"SCHEMA_NOT_FOUND: Schema {database} does not exist")
    if table in glue.databases[database].tables:
        if if_not_exists:
            return
        raise AthenaQueryError(f"AlreadyExistsException: Table {database}.{table} already exists")
    glue.create_table(database, table, table_input)


def _set_tblproperties(default_database: str, detail: dict[str, Any]) -> None:
    parts: list[str] = detail["table"]
    database, table = (parts[-2] if len(parts) > 1 else default_database), parts[-1]
    glue = _glue()
    current = glue.get_table(database, table).as_dict()
    keep = {"Name", "Description", "Owner", "Retention", "StorageDescriptor", "PartitionKeys"}
    table_input = {k: v for k, v in current.items() if k in keep | {"TableType", "Parameters"}}
    table_input["Parameters"] = {**current.get("Parameters", {}), **detail["properties"]}
    glue.update_table(database, table, table_input)


def _write_csv(execution: Execution) -> None:
    if not execution.output_location or not execution.columns:
        return
    bucket, _, key = execution.output_location.removeprefix("s3://").partition("/")
    text = io.StringIO()
    writer = csv.writer(text, quoting=csv.QUOTE_ALL, lineterminator="\n")
    writer.writerow([c["Name"] for c in execution.columns])
    writer.writerows([["" if v is None else v for v in row] for row in execution.rows])
    _record_athena_s3("s3:PutObject", bucket, key)
    try:
        s3_backends[ACCOUNT_ID]["aws"].put_object(bucket, key, text.getvalue().encode())
    except Exception as error:  # Athena fails the query when it cannot write its result
        raise AthenaQueryError(f"cannot write the result to {execution.output_location}") from error


def _record_athena_s3(action: str, bucket: str, key: str) -> None:
    """An S3 call Athena makes with the caller's permissions, done here without a request."""
    entry = aws_calls.call("s3", action, [aws_calls.s3_object(bucket, key)])
    aws_calls.write([{**entry, "by": "athena"}])


def _work_group_of(query_id: str) -> str | None:
    execution = athena_models.athena_backends[ACCOUNT_ID][REGION].executions.get(query_id)
    return execution.workgroup.name if execution is not None and execution.workgroup else None


def patch_request_log(request_log: str | None) -> None:
    """Record every request's IAM calls to request_log (nothing when it is None)."""
    aws_calls.configure(request_log)
    if getattr(DomainDispatcherApplication.__call__, "records_calls", False):
        return
    original = DomainDispatcherApplication.__call__

    def recorded(self: DomainDispatcherApplication, environ: Any, start_response: Any) -> Any:
        app = functools.partial(original, self)
        return aws_calls.recording_app(app, ACCOUNT_ID, _work_group_of)(environ, start_response)

    recorded.records_calls = True  # type: ignore[attr-defined]
    DomainDispatcherApplication.__call__ = recorded  # type: ignore[method-assign]


_FRONT: Front | None = None


def _start_query_execution(
    self: athena_models.AthenaBackend,
    query: str,
    context: dict[str, Any] | None,
    config: dict[str, Any] | None,
    workgroup: str,
    execution_parameters: list[str] | None,
) -> str:
    assert _FRONT is not None
    execution = athena_models.Execution(
        query=query,
        context=context,  # type: ignore[arg-type]
        config=config,  # type: ignore[arg-type]
        workgroup=self.work_groups.get(workgroup),
        execution_parameters=execution_parameters,
    )
    self.executions[execution.id] = execution
    output = (execution.config or {}).get("OutputLocation")
    database = ((context or {}).get("Database") or "default").lower()
    _FRONT.submit(execution.id, Execution(query, database, output))
    return execution.id


def _get_query_execution(self: athena_responses.AthenaResponse) -> str:
    assert _FRONT is not None
    query_id = self._get_param("QueryExecutionId")
    moto_execution = self.athena_backend.executions[query_id]
    execution = _FRONT.executions[query_id]
    status: dict[str, Any] = {"State": execution.state, "SubmissionDateTime": execution.submitted}
    if execution.completed:
        status["CompletionDateTime"] = execution.completed
    if execution.reason:
        status["StateChangeReason"] = execution.reason
        status["AthenaError"] = {"ErrorCategory": 2, "ErrorType": 1000, "Retryable": False}
        status["AthenaError"]["ErrorMessage"] = execution.reason
    elapsed = int(((execution.completed or time.time()) - execution.submitted) * 1000)
    kind = (
        "DDL" if execution.query.lstrip().upper().startswith(("ALTER", "CREATE", "DROP")) else "DML"
    )
    result = {
        "QueryExecution": {
            "QueryExecutionId": query_id,
            "Query": execution.query,
            "StatementType": kind,
            "ResultConfiguration": moto_execution.config or {},
            "QueryExecutionContext": moto_execution.context or {},
            "Status": status,
            "Statistics": {
                "EngineExecutionTimeInMillis": elapsed,
                "DataScannedInBytes": 0,
                "TotalExecutionTimeInMillis": elapsed,
            },
            "WorkGroup": moto_execution.workgroup.name if moto_execution.workgroup else "primary",
            "EngineVersion": {
                "SelectedEngineVersion": "AUTO",
                "EffectiveEngineVersion": "Athena engine version 3",
            },
        }
    }
    return json.dumps(result)


def _get_query_results(self: athena_responses.AthenaResponse) -> Any:
    assert _FRONT is not None
    execution = _FRONT.executions[self._get_param("QueryExecutionId")]
    if execution.state != "SUCCEEDED":
        return self.error(f"Query has not yet finished. Current state: {execution.state}", 400)
    if execution.output_location and execution.columns:  # Athena reads the result file
        bucket, _, key = execution.output_location.removeprefix("s3://").partition("/")
        _record_athena_s3("s3:GetObject", bucket, key)
    header = {"Data": [{"VarCharValue": c["Name"]} for c in execution.columns]}
    rows = [header] if execution.columns else []
    for row in execution.rows:
        rows.append({"Data": [{} if v is None else {"VarCharValue": v} for v in row]})
    answer: dict[str, Any] = {
        "ResultSet": {"Rows": rows, "ResultSetMetadata": {"ColumnInfo": execution.columns}}
    }
    if execution.update_count is not None:
        answer["UpdateCount"] = execution.update_count
    return json.dumps(answer)


def install(trino_port: int, statement_log: str | None, request_log: str | None = None) -> None:
    """Patch moto in this process: Glue no-ops, the Athena front on Trino, the request log."""
    global _FRONT
    _FRONT = Front(trino_port, statement_log=statement_log)
    patch_request_log(request_log)
    patch_glue()
    patch_s3()
    athena_models.AthenaBackend.start_query_execution = _start_query_execution  # type: ignore[method-assign,assignment]
    athena_responses.AthenaResponse.get_query_execution = _get_query_execution  # type: ignore[method-assign]
    athena_responses.AthenaResponse.get_query_results = _get_query_results  # type: ignore[method-assign]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="The local AWS endpoint of athena-local.")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--trino-port", type=int, required=True)
    parser.add_argument("--statement-log", help="JSON lines, one per Athena statement")
    parser.add_argument(
        "--request-log", help="JSON lines, one per AWS call served, as IAM names it (aws_calls)"
    )
    parser.add_argument("--faults-file", help="failures to inject (see take_injected_fault)")
    args = parser.parse_args(argv)
    global FAULTS_FILE
    FAULTS_FILE = args.faults_file
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    install(args.trino_port, args.statement_log, args.request_log)
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=args.port, verbose=False)
    server.start()
    LOG.info("serving on http://127.0.0.1:%s (pid %s)", args.port, os.getpid())
    threading.Event().wait()


if __name__ == "__main__":
    main()
