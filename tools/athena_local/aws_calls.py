"""A record of the AWS calls the local endpoint serves, named as IAM names them.

With `aws_server --request-log FILE`, every request to the moto server appends one JSON line:
`{"service": "s3", "action": "s3:GetObject", "resources": [...], "context": {...}}`, where the
resources are the ARNs IAM authorizes the call against (a Glue table call needs the catalog, the
database and the table; an S3 object call the object; a listing the bucket, with the `prefix`
query parameter as the `s3:prefix` condition key in `context`). A DeleteObjects request is one
`s3:DeleteObject` per key; a copy is `s3:PutObject` on the target and `s3:GetObject` on the
source. Trino's own S3 and Glue calls reach the same server and are recorded too: in AWS, Athena
reads and writes S3 and Glue with the caller's permissions, so they stand for what the runner's
role needs. The Athena front records what Athena itself would do with them (writing and reading a
query's result) through `record_athena_s3`.

`tests/python/test_iam_policy_local.py` evaluates the shipped IAM policy against this record.
"""

from __future__ import annotations

import io
import json
import re
import threading
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import parse_qs, unquote
from xml.etree import ElementTree

_LOCK = threading.Lock()
_LOG_FILE: str | None = None


def configure(path: str | None) -> None:
    global _LOG_FILE
    _LOG_FILE = path


def enabled() -> bool:
    return _LOG_FILE is not None


def write(calls: Iterable[dict[str, Any]]) -> None:
    if _LOG_FILE is None:
        return
    lines = "".join(json.dumps(call, sort_keys=True) + "\n" for call in calls)
    if not lines:
        return
    with _LOCK, open(_LOG_FILE, "a", encoding="utf-8") as handle:
        handle.write(lines)


def call(service: str, action: str, resources: list[str], **context: str) -> dict[str, Any]:
    entry: dict[str, Any] = {"service": service, "action": action, "resources": resources}
    if context:
        entry["context"] = context
    return entry


# ------------------------------------------------------------------------ S3


def s3_object(bucket: str, key: str) -> str:
    return f"arn:aws:s3:::{bucket}/{key}"


def s3_bucket(bucket: str) -> str:
    return f"arn:aws:s3:::{bucket}"


# Sub-resources of a bucket request (query parameters) and the action each one needs.
_BUCKET_GET = {
    "location": "s3:GetBucketLocation",
    "uploads": "s3:ListBucketMultipartUploads",
    "versions": "s3:ListBucketVersions",
    "acl": "s3:GetBucketAcl",
    "policy": "s3:GetBucketPolicy",
    "versioning": "s3:GetBucketVersioning",
    "tagging": "s3:GetBucketTagging",
    "encryption": "s3:GetEncryptionConfiguration",
    "object-lock": "s3:GetBucketObjectLockConfiguration",
    "lifecycle": "s3:GetLifecycleConfiguration",
}
_OBJECT_GET = {
    "uploadId": "s3:ListMultipartUploadParts",
    "tagging": "s3:GetObjectTagging",
    "acl": "s3:GetObjectAcl",
    "attributes": "s3:GetObjectAttributes",
    "versionId": "s3:GetObjectVersion",
}
_OBJECT_PUT = {"tagging": "s3:PutObjectTagging", "acl": "s3:PutObjectAcl"}
_OBJECT_DELETE = {
    "uploadId": "s3:AbortMultipartUpload",
    "tagging": "s3:DeleteObjectTagging",
    "versionId": "s3:DeleteObjectVersion",
}


def _first(table: dict[str, str], query: dict[str, list[str]], default: str) -> str:
    return next((action for name, action in table.items() if name in query), default)


def s3_calls(
    method: str, path: str, query: dict[str, list[str]], headers: dict[str, str], body: bytes
) -> list[dict[str, Any]]:
    """The IAM actions of one path-style S3 request (`/bucket/key?sub-resource`)."""
    bucket, _, raw_key = path.lstrip("/").partition("/")
    key = unquote(raw_key)
    if not bucket:
        return [call("s3", "s3:ListAllMyBuckets", ["*"])]
    if not key:
        if method == "GET":
            action = _first(_BUCKET_GET, query, "s3:ListBucket")
            if action == "s3:ListBucket":
                prefix = query.get("prefix", [""])[0]
                return [call("s3", action, [s3_bucket(bucket)], **{"s3:prefix": prefix})]
            return [call("s3", action, [s3_bucket(bucket)])]
        if method == "HEAD":  # HeadBucket is authorized as s3:ListBucket, without a prefix
            return [call("s3", "s3:ListBucket", [s3_bucket(bucket)])]
        if method == "POST" and "delete" in query:
            return [
                call("s3", "s3:DeleteObject", [s3_object(bucket, name)])
                for name in deleted_keys(body)
            ]
        if method == "PUT":
            return [call("s3", "s3:CreateBucket", [s3_bucket(bucket)])]
        if method == "DELETE":
            return [call("s3", "s3:DeleteBucket", [s3_bucket(bucket)])]
        return [call("s3", f"s3:{method}Bucket", [s3_bucket(bucket)])]
    target = s3_object(bucket, key)
    if method in {"GET", "HEAD"}:
        return [call("s3", _first(_OBJECT_GET, query, "s3:GetObject"), [target])]
    if method == "PUT":
        calls = [call("s3", _first(_OBJECT_PUT, query, "s3:PutObject"), [target])]
        if source := headers.get("x-amz-copy-source"):
            source_bucket, _, source_key = unquote(source.split("?")[0]).lstrip("/").partition("/")
            calls.append(call("s3", "s3:GetObject", [s3_object(source_bucket, source_key)]))
        return calls
    if method == "POST":  # CreateMultipartUpload (?uploads), CompleteMultipartUpload (?uploadId)
        if "restore" in query:
            return [call("s3", "s3:RestoreObject", [target])]
        if "select" in query:
            return [call("s3", "s3:GetObject", [target])]
        return [call("s3", "s3:PutObject", [target])]
    if method == "DELETE":
        return [call("s3", _first(_OBJECT_DELETE, query, "s3:DeleteObject"), [target])]
    return [call("s3", f"s3:{method}Object", [target])]


def deleted_keys(body: bytes) -> list[str]:
    """The keys of a DeleteObjects request body (`<Delete><Object><Key>...`)."""
    if not body:
        return []
    root = ElementTree.fromstring(body)
    return [
        element.text or ""
        for element in root.iter()
        if element.tag.rsplit("}", 1)[-1] == "Key" and element.text is not None
    ]


# ------------------------------------------------------------------------ Glue


def _database_name(operation: str, params: dict[str, Any]) -> str | None:
    if operation == "CreateDatabase":
        return str(params.get("DatabaseInput", {}).get("Name", ""))
    if operation in {"GetDatabase", "DeleteDatabase", "UpdateDatabase"}:
        return str(params.get("Name", ""))
    name = params.get("DatabaseName")
    return str(name) if name is not None else None


def _table_names(operation: str, params: dict[str, Any]) -> list[str]:
    if operation in {"CreateTable", "UpdateTable"}:
        return [str(params.get("TableInput", {}).get("Name", ""))]
    if operation == "BatchDeleteTable":
        return [str(name) for name in params.get("TablesToDelete", [])]
    if operation in {"GetTable", "DeleteTable"}:
        return [str(params.get("Name", ""))]
    if "TableName" in params:
        return [str(params["TableName"])]
    return []


def glue_calls(operation: str, params: dict[str, Any], region: str, account: str) -> list[dict]:
    """The IAM action of one Glue call and the catalog, database and table ARNs it needs."""
    arn = f"arn:aws:glue:{region}:{params.get('CatalogId') or account}"
    resources = [f"{arn}:catalog"]
    database = _database_name(operation, params)
    if database is not None:
        database = database.lower()
        resources.append(f"{arn}:database/{database}")
        for table in _table_names(operation, params):
            resources.append(f"{arn}:table/{database}/{table.lower()}")
    return [call("glue", f"glue:{operation}", resources)]


# ------------------------------------------------------------------------ Athena


def athena_calls(
    operation: str,
    params: dict[str, Any],
    region: str,
    account: str,
    work_group_of: Callable[[str], str | None],
) -> list[dict]:
    """The IAM action of one Athena call and the work group ARN it is authorized against."""
    work_group = params.get("WorkGroup") or params.get("Name")
    if not work_group and (query_id := params.get("QueryExecutionId")):
        work_group = work_group_of(str(query_id))
    if operation == "StartQueryExecution" and not work_group:
        work_group = "primary"
    resource = f"arn:aws:athena:{region}:{account}:workgroup/{work_group}" if work_group else "*"
    return [call("athena", f"athena:{operation}", [resource])]


# ------------------------------------------------------------------------ one HTTP request

_CREDENTIAL = re.compile(r"Credential=[^/]+/\d+/([^/]+)/([^/]+)/")


def request_calls(
    environ: dict[str, Any],
    body: bytes,
    account: str,
    work_group_of: Callable[[str], str | None],
) -> list[dict[str, Any]]:
    """The IAM calls of one WSGI request to the moto server (empty when not S3/Glue/Athena/STS)."""
    headers = {
        name[5:].replace("_", "-").lower(): str(value)
        for name, value in environ.items()
        if name.startswith("HTTP_")
    }
    query = parse_qs(environ.get("QUERY_STRING", ""), keep_blank_values=True)
    match = _CREDENTIAL.search(headers.get("authorization", "")) or _CREDENTIAL.search(
        "Credential=" + query.get("X-Amz-Credential", [""])[0]
    )
    region, service = (match.group(1), match.group(2)) if match else ("us-east-1", "")
    target = headers.get("x-amz-target", "")
    if target.startswith(("AWSGlue.", "AmazonAthena.")):
        operation = target.split(".", 1)[1]
        params = json.loads(body or b"{}")
        if target.startswith("AWSGlue."):
            return glue_calls(operation, params, region, account)
        return athena_calls(operation, params, region, account, work_group_of)
    if service == "sts" or (not target and b"Action=" in body[:200]):
        form = parse_qs(body.decode("utf-8", "replace"))
        action = form.get("Action", query.get("Action", ["Unknown"]))[0]
        return [call("sts", f"sts:{action}", ["*"])]
    if service == "s3" or not service:
        path = environ.get("PATH_INFO", "/")
        return s3_calls(environ.get("REQUEST_METHOD", "GET"), path, query, headers, body)
    return []


def recording_app(app: Any, account: str, work_group_of: Callable[[str], str | None]) -> Any:
    """A WSGI app that records each request's IAM calls, then lets `app` answer it."""

    def recorded(environ: dict[str, Any], start_response: Any) -> Any:
        if not enabled():
            return app(environ, start_response)
        body = b""
        length = int(environ.get("CONTENT_LENGTH") or 0)
        bulk_upload = environ.get("REQUEST_METHOD") == "PUT" and not environ.get(
            "HTTP_X_AMZ_TARGET"
        )
        if length and not bulk_upload:
            body = environ["wsgi.input"].read(length)
            environ["wsgi.input"] = io.BytesIO(body)
        answer = app(environ, start_response)
        try:
            calls = request_calls(environ, body, account, work_group_of)
        except Exception as error:  # a request it cannot name is recorded as such, never dropped
            calls = [call("unknown", "unknown", ["*"], error=repr(error))]
        write(calls)
        return answer

    return recorded
