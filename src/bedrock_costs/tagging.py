"""Tag every Bedrock inference call with its tenant, so the dbt project can attribute its cost.

Bedrock records per-request tags ("request metadata") in the model invocation log, and the dbt
project reads the tenant from the first of the keys in its var ``tenant_id_keys`` (default
``tenantId``, ``tenant_id``, ``tenant``, compared case-insensitively). How the tags travel depends
on the API:

* ``Converse`` / ``ConverseStream``: the ``requestMetadata`` field of the request body.
* ``InvokeModel`` / ``InvokeModelWithResponseStream``: the HTTP header
  ``X-Amzn-Bedrock-Request-Metadata`` holding a JSON object of the same map. botocore >= the May
  2026 model (1.44.x) has a ``requestMetadata`` string parameter bound to that header; older
  botocore lacks it, so the header is added through botocore's event system
  (``before-sign.bedrock-runtime.<Operation>``) for that one call.

Example::

    import boto3
    from bedrock_costs.tagging import TaggedBedrockClient, TenantTags

    runtime = boto3.client("bedrock-runtime", region_name="us-east-1")
    bedrock = TaggedBedrockClient(runtime, TenantTags("acme", costCenter="cc-100"))
    bedrock.converse(modelId="...", messages=[...])          # requestMetadata added
    bedrock.invoke_model(modelId="...", body=b"...")         # header added

Limits, validated before any call (``RequestMetadataError``, a ``ValueError``, names the key and
the rule). They are the ``RequestMetadataMap`` constraints of the Bedrock Runtime API (Converse /
ConverseStream ``requestMetadata``) as published in the botocore ``bedrock-runtime`` service model
(1.44.8) and the Bedrock API reference:

* 1 to 16 entries;
* key length 1..256, pattern ``[a-zA-Z0-9\\s:_@$#=/+,-.]{1,256}``;
* value length 0..256, pattern ``[a-zA-Z0-9\\s:_@$#=/+,-.]{0,256}``. ``,-.`` is a range of the
  three characters ``, - .``, so the allowed set is ASCII letters, digits, whitespace and
  ``: _ @ $ # = / + , - .`` (the brief's ``[a-zA-Z0-9\\s:_@$#=/+,.-]`` is the same set);
* for InvokeModel the header value (``RequestMetadataJson``) is at most 8,500 characters.

AWS documents no separate map rules for the InvokeModel header ("a JSON object whose keys and
values are strings you choose", user guide *Per-request metadata tagging*), so the same
Converse rules are applied there too: tags that pass here are valid on every API.

Caller-supplied ``requestMetadata`` is merged with the tenant tags. A caller key that equals a
tag key (case-insensitively, as dbt compares them) or names the tenant under another of
``tenant_id_keys`` with a *different* value is a conflict: ``MetadataConflictError`` is raised
unless the call passes ``override=True``, in which case the caller's entry replaces the tag for
that call only.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, Final

DEFAULT_TENANT_KEY: Final = "tenantId"
#: The dbt project's default ``tenant_id_keys`` (dbt_project.yml): keys that name the tenant.
TENANT_ID_KEYS: Final = ("tenantId", "tenant_id", "tenant")
HEADER_NAME: Final = "X-Amzn-Bedrock-Request-Metadata"

MAX_ENTRIES: Final = 16
MIN_KEY_LENGTH: Final = 1
MAX_KEY_LENGTH: Final = 256
MAX_VALUE_LENGTH: Final = 256
MAX_HEADER_CHARS: Final = 8500
#: One character of the RequestMetadataMap patterns. re.ASCII keeps ``\s`` to ASCII whitespace,
#: as in the Java-style patterns of the AWS model (no non-ASCII letters or spaces).
_ALLOWED_CHARS: Final = re.compile(r"[a-zA-Z0-9\s:_@$#=/+,\-.]*", re.ASCII)
_ALLOWED_DESCRIPTION: Final = "ASCII letters, digits, whitespace and : _ @ $ # = / + , - ."

_INVOKE_OPERATIONS: Final = ("InvokeModel", "InvokeModelWithResponseStream")
#: Header value for the InvokeModel call running in this context (used by the event hook).
_PENDING_HEADER: ContextVar[str | None] = ContextVar("bedrock_costs_request_metadata", default=None)


class RequestMetadataError(ValueError):
    """Request metadata that Bedrock would reject; ``key`` and ``rule`` say which and why."""

    def __init__(self, key: str | None, rule: str, detail: str) -> None:
        self.key = key
        self.rule = rule
        subject = f"requestMetadata key {key!r}" if key is not None else "requestMetadata"
        super().__init__(f"{subject}: {rule}: {detail}")


class MetadataConflictError(RequestMetadataError):
    """Caller-supplied request metadata contradicts the tenant tags."""


def _check_characters(key: str | None, what: str, text: str) -> None:
    if not _ALLOWED_CHARS.fullmatch(text):
        bad = sorted({ch for ch in text if not _ALLOWED_CHARS.fullmatch(ch)})
        raise RequestMetadataError(
            key,
            f"{what} characters",
            f"{what} may only contain {_ALLOWED_DESCRIPTION}; found {''.join(bad)!r}",
        )


def validate_request_metadata(metadata: Mapping[str, str]) -> dict[str, str]:
    """Check ``metadata`` against Bedrock's requestMetadata limits and return it as a dict."""
    if not isinstance(metadata, Mapping):
        raise RequestMetadataError(
            None, "type", f"expected a mapping of strings, got {type(metadata).__name__}"
        )
    if not MIN_KEY_LENGTH <= len(metadata) <= MAX_ENTRIES:
        raise RequestMetadataError(
            None,
            "number of entries",
            f"Bedrock accepts 1 to {MAX_ENTRIES} entries, got {len(metadata)}",
        )
    checked: dict[str, str] = {}
    folded: dict[str, str] = {}
    for key, value in metadata.items():
        if not isinstance(key, str):
            raise RequestMetadataError(None, "key type", f"keys must be str, got {key!r}")
        if not isinstance(value, str):
            raise RequestMetadataError(
                key, "value type", f"values must be str, got {type(value).__name__}"
            )
        if not MIN_KEY_LENGTH <= len(key) <= MAX_KEY_LENGTH:
            raise RequestMetadataError(
                key,
                "key length",
                f"keys must be {MIN_KEY_LENGTH} to {MAX_KEY_LENGTH} characters, got {len(key)}",
            )
        _check_characters(key, "key", key)
        if len(value) > MAX_VALUE_LENGTH:
            raise RequestMetadataError(
                key,
                "value length",
                f"values must be at most {MAX_VALUE_LENGTH} characters, got {len(value)}",
            )
        _check_characters(key, "value", value)
        twin = folded.setdefault(key.casefold(), key)
        if twin != key:
            raise RequestMetadataError(
                key,
                "duplicate key",
                f"{twin!r} and {key!r} differ only in case; the cost marts compare keys "
                "case-insensitively, so keep one",
            )
        checked[key] = value
    return checked


def header_value(metadata: Mapping[str, str]) -> str:
    """The ``X-Amzn-Bedrock-Request-Metadata`` header value (compact JSON) for ``metadata``."""
    value = json.dumps(validate_request_metadata(metadata), separators=(",", ":"))
    if len(value) > MAX_HEADER_CHARS:
        raise RequestMetadataError(
            None,
            "header length",
            f"the {HEADER_NAME} JSON may be at most {MAX_HEADER_CHARS} characters, "
            f"got {len(value)}: drop or shorten tags",
        )
    return value


class TenantTags:
    """The tags one tenant's calls carry: ``TenantTags("acme", costCenter="cc-100")``.

    ``tenant_key`` names the key for the tenant id (default ``tenantId``, the key the dbt project
    reads first). Keys that are not Python identifiers go through :meth:`from_mapping`.
    """

    def __init__(
        self, tenant_id: str, /, *, tenant_key: str = DEFAULT_TENANT_KEY, **extra: str
    ) -> None:
        if not isinstance(tenant_id, str) or not tenant_id.strip():
            raise RequestMetadataError(
                tenant_key, "tenant id", "the tenant id must be a non-blank string"
            )
        folded_extra = {key.casefold() for key in extra}
        if tenant_key.casefold() in folded_extra:
            raise RequestMetadataError(
                tenant_key,
                "duplicate key",
                "the tenant key is set by tenant_id; drop it from the extra tags",
            )
        tenant_aliases = {alias.casefold() for alias in TENANT_ID_KEYS}
        for key in extra:
            if key.casefold() in tenant_aliases:
                raise RequestMetadataError(
                    key,
                    "tenant key",
                    f"{key!r} also names the tenant for the cost marts (tenant_id_keys); "
                    "pass the tenant only as tenant_id",
                )
        self.tenant_key = tenant_key
        self.tenant_id = tenant_id
        self._tags = validate_request_metadata({tenant_key: tenant_id, **extra})

    @classmethod
    def from_mapping(
        cls, tenant_id: str, tags: Mapping[str, str], *, tenant_key: str = DEFAULT_TENANT_KEY
    ) -> TenantTags:
        """Build tags whose extra keys are not Python identifiers (``{"cost:center": "x"}``)."""
        return cls(tenant_id, tenant_key=tenant_key, **dict(tags))

    def as_dict(self) -> dict[str, str]:
        """The tags as sent: tenant key first, then the extra tags."""
        return dict(self._tags)

    def merged_with(
        self, caller: Mapping[str, str] | None, *, override: bool = False
    ) -> dict[str, str]:
        """These tags plus the caller's ``requestMetadata``; conflicts raise unless ``override``.

        A conflict is a caller key equal to a tag key ignoring case, or naming the tenant under
        any of :data:`TENANT_ID_KEYS`, with a different value.
        """
        merged = dict(self._tags)
        if caller is None or (isinstance(caller, Mapping) and not caller):
            return merged
        caller = validate_request_metadata(caller)
        by_folded = {key.casefold(): key for key in merged}
        tenant_aliases = {alias.casefold() for alias in TENANT_ID_KEYS}
        for key, value in caller.items():
            clash = by_folded.get(key.casefold())
            if clash is None and key.casefold() in tenant_aliases:
                clash = self.tenant_key
            if clash is not None and merged.get(clash) != value:
                if not override:
                    raise MetadataConflictError(
                        key,
                        "conflict",
                        f"the call sets {key!r}={value!r} but the tenant tags have "
                        f"{clash!r}={merged[clash]!r}; remove it from requestMetadata, or pass "
                        "override=True to let the call's value win for this call",
                    )
                del merged[clash]
                by_folded.pop(clash.casefold(), None)
            merged[key] = value
            by_folded[key.casefold()] = key
        return validate_request_metadata(merged)

    def __repr__(self) -> str:
        return f"TenantTags({self._tags!r})"


def _caller_header_metadata(value: Any) -> dict[str, str] | None:
    """A caller's InvokeModel ``requestMetadata`` (JSON string or mapping) as a dict."""
    if value is None:
        return None
    if isinstance(value, Mapping):
        return dict(value)
    if isinstance(value, str):
        try:
            parsed = json.loads(value)
        except json.JSONDecodeError as exc:
            raise RequestMetadataError(
                None, "JSON", f"InvokeModel requestMetadata must be a JSON object: {exc}"
            ) from exc
        if not isinstance(parsed, dict):
            raise RequestMetadataError(
                None, "JSON", "InvokeModel requestMetadata must be a JSON object of strings"
            )
        return parsed
    raise RequestMetadataError(
        None, "type", f"requestMetadata must be a mapping or JSON string, got {type(value)}"
    )


def _add_pending_header(request: Any, **_: Any) -> None:
    value = _PENDING_HEADER.get()
    if value is not None:
        request.headers[HEADER_NAME] = value


@contextmanager
def _pending_header(value: str) -> Iterator[None]:
    token = _PENDING_HEADER.set(value)
    try:
        yield
    finally:
        _PENDING_HEADER.reset(token)


class TaggedBedrockClient:
    """A ``bedrock-runtime`` client whose inference calls always carry the tenant tags.

    ``header_via_event_hook``: ``None`` (default) passes InvokeModel tags through botocore's
    ``requestMetadata`` parameter when the installed botocore has it and through a
    ``before-sign`` event hook otherwise; ``True`` forces the hook. Either way the tags travel in
    the ``X-Amzn-Bedrock-Request-Metadata`` header of that call only.
    """

    def __init__(
        self, client: Any, tags: TenantTags, *, header_via_event_hook: bool | None = None
    ) -> None:
        self.client = client
        self.tags = tags
        if header_via_event_hook is None:
            header_via_event_hook = not all(
                _has_request_metadata_parameter(client, op) for op in _INVOKE_OPERATIONS
            )
        self._via_hook = header_via_event_hook
        if self._via_hook:
            for operation in _INVOKE_OPERATIONS:
                # One handler per client, shared by all wrappers (same unique_id): it only acts
                # while one of our calls has set the context variable.
                client.meta.events.register(
                    f"before-sign.bedrock-runtime.{operation}",
                    _add_pending_header,
                    unique_id=f"bedrock-costs-request-metadata-{operation}",
                )

    def converse(self, *, override: bool = False, **kwargs: Any) -> Any:
        """``client.converse`` with the tenant tags merged into ``requestMetadata``."""
        kwargs["requestMetadata"] = self.tags.merged_with(
            kwargs.get("requestMetadata"), override=override
        )
        return self.client.converse(**kwargs)

    def converse_stream(self, *, override: bool = False, **kwargs: Any) -> Any:
        """``client.converse_stream`` with the tenant tags merged into ``requestMetadata``."""
        kwargs["requestMetadata"] = self.tags.merged_with(
            kwargs.get("requestMetadata"), override=override
        )
        return self.client.converse_stream(**kwargs)

    def invoke_model(self, *, override: bool = False, **kwargs: Any) -> Any:
        """``client.invoke_model`` with the tags in the ``X-Amzn-Bedrock-Request-Metadata``
        header (a caller's ``requestMetadata`` JSON string or mapping is merged in)."""
        return self._invoke("invoke_model", override, kwargs)

    def invoke_model_with_response_stream(self, *, override: bool = False, **kwargs: Any) -> Any:
        """``client.invoke_model_with_response_stream``, tagged like :meth:`invoke_model`."""
        return self._invoke("invoke_model_with_response_stream", override, kwargs)

    def _invoke(self, method: str, override: bool, kwargs: dict[str, Any]) -> Any:
        caller = _caller_header_metadata(kwargs.pop("requestMetadata", None))
        value = header_value(self.tags.merged_with(caller, override=override))
        call = getattr(self.client, method)
        if not self._via_hook:
            return call(requestMetadata=value, **kwargs)
        with _pending_header(value):
            return call(**kwargs)


def _has_request_metadata_parameter(client: Any, operation: str) -> bool:
    shape = client.meta.service_model.operation_model(operation).input_shape
    return shape is not None and "requestMetadata" in shape.members
