"""Tenant tagging of Bedrock calls: limits, conflicts, Converse body and InvokeModel header."""

from __future__ import annotations

import json
from typing import Any

import boto3
import pytest
from botocore.awsrequest import AWSResponse
from botocore.stub import Stubber

from bedrock_costs.tagging import (
    HEADER_NAME,
    MetadataConflictError,
    RequestMetadataError,
    TaggedBedrockClient,
    TenantTags,
    header_value,
    validate_request_metadata,
)

MODEL = "anthropic.claude-haiku-4-5-20251001-v1:0"
MESSAGES = [{"role": "user", "content": [{"text": "hi"}]}]
CONVERSE_RESPONSE: dict[str, Any] = {
    "output": {"message": {"role": "assistant", "content": [{"text": "hello"}]}},
    "stopReason": "end_turn",
    "usage": {"inputTokens": 3, "outputTokens": 1, "totalTokens": 4},
    "metrics": {"latencyMs": 12},
}


def runtime_client() -> Any:
    return boto3.client(
        "bedrock-runtime",
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )


class CapturedRequests:
    """A before-send hook: records each prepared HTTP request and answers it without a network."""

    def __init__(self, client: Any, operation: str) -> None:
        self.requests: list[Any] = []
        client.meta.events.register(f"before-send.bedrock-runtime.{operation}", self)

    def __call__(self, request: Any, **_: Any) -> AWSResponse:
        self.requests.append(request)
        return AWSResponse(request.url, 200, {"Content-Type": "application/json"}, _Raw(b"{}"))

    def header(self, index: int = -1) -> dict[str, str]:
        raw = self.requests[index].headers[HEADER_NAME]
        return json.loads(raw.decode() if isinstance(raw, bytes) else raw)


class _Raw:
    def __init__(self, body: bytes) -> None:
        self._body = body

    def stream(self, **_: Any) -> Any:
        yield self._body

    def read(self, *_: Any) -> bytes:
        body, self._body = self._body, b""
        return body


# --- limits -------------------------------------------------------------------------------------


def test_documented_character_set_is_accepted() -> None:
    value = "aZ09 \t:_@$#=/+,-."
    assert validate_request_metadata({"k:_@$#=/+,-. 1": value}) == {"k:_@$#=/+,-. 1": value}


@pytest.mark.parametrize(
    ("metadata", "key", "rule"),
    [
        ({}, None, "number of entries"),
        ({f"k{i}": "v" for i in range(17)}, None, "number of entries"),
        ({"": "v"}, "", "key length"),
        ({"k" * 257: "v"}, "k" * 257, "key length"),
        ({"team!": "v"}, "team!", "key characters"),
        ({"t\u00e9am": "v"}, "t\u00e9am", "key characters"),
        ({"team": "v" * 257}, "team", "value length"),
        ({"team": "a;b"}, "team", "value characters"),
        ({"team": "caf\u00e9"}, "team", "value characters"),
        ({"team": "no\u00a0break"}, "team", "value characters"),
        ({"team": 3}, "team", "value type"),
        ({"Team": "a", "team": "b"}, "team", "duplicate key"),
    ],
)
def test_each_limit_names_the_key_and_the_rule(
    metadata: dict[str, Any], key: str | None, rule: str
) -> None:
    with pytest.raises(RequestMetadataError) as info:
        validate_request_metadata(metadata)
    assert info.value.key == key
    assert info.value.rule == rule
    assert rule in str(info.value)
    assert isinstance(info.value, ValueError)


def test_limits_at_the_boundaries_pass() -> None:
    sixteen = {f"k{i}": "" for i in range(16)}
    assert len(validate_request_metadata(sixteen)) == 16
    assert validate_request_metadata({"k" * 256: "v" * 256}) == {"k" * 256: "v" * 256}


def test_header_value_over_8500_characters_is_refused() -> None:
    # 16 entries at the map limits fit in 8,288 characters; JSON escapes each tab as two.
    at_map_limits = {f"{i:02d}" + "k" * 254: "v" * 256 for i in range(16)}
    assert len(header_value(at_map_limits)) <= 8500
    big = {f"{i:02d}" + "k" * 254: "\t" * 256 for i in range(16)}
    with pytest.raises(RequestMetadataError) as info:
        header_value(big)
    assert info.value.rule == "header length"


def test_tenant_tags_reject_blank_tenant_and_second_tenant_key() -> None:
    with pytest.raises(RequestMetadataError, match="non-blank"):
        TenantTags("  ")
    with pytest.raises(RequestMetadataError, match="names the tenant"):
        TenantTags.from_mapping("acme", {"tenant_id": "other"})
    with pytest.raises(RequestMetadataError) as info:
        TenantTags("bad;tenant")
    assert (info.value.key, info.value.rule) == ("tenantId", "value characters")


def test_tenant_tags_with_custom_key_and_non_identifier_keys() -> None:
    tags = TenantTags.from_mapping("acme", {"cost:center": "cc-1"}, tenant_key="customer")
    assert tags.as_dict() == {"customer": "acme", "cost:center": "cc-1"}


# --- merging -------------------------------------------------------------------------------------


def test_non_conflicting_keys_merge_and_equal_values_are_not_a_conflict() -> None:
    tags = TenantTags("acme", costCenter="cc-100")
    merged = tags.merged_with({"requestKind": "chat", "costCenter": "cc-100"})
    assert merged == {"tenantId": "acme", "costCenter": "cc-100", "requestKind": "chat"}


@pytest.mark.parametrize(
    ("caller", "key"),
    [
        ({"tenantId": "globex"}, "tenantId"),
        ({"TENANTID": "globex"}, "TENANTID"),
        ({"tenant": "globex"}, "tenant"),
        ({"costcenter": "cc-999"}, "costcenter"),
    ],
)
def test_conflicting_caller_keys_raise_unless_override(caller: dict[str, str], key: str) -> None:
    tags = TenantTags("acme", costCenter="cc-100")
    with pytest.raises(MetadataConflictError) as info:
        tags.merged_with(caller)
    assert info.value.key == key
    assert "override=True" in str(info.value)
    merged = tags.merged_with(caller, override=True)
    assert merged[key] == caller[key]
    assert len(merged) == 2


def test_an_empty_caller_map_just_gets_the_tags() -> None:
    assert TenantTags("acme").merged_with({}) == {"tenantId": "acme"}


def test_merging_past_sixteen_entries_is_refused() -> None:
    tags = TenantTags.from_mapping("acme", {f"t{i}": "x" for i in range(10)})
    with pytest.raises(RequestMetadataError, match="number of entries"):
        tags.merged_with({f"c{i}": "y" for i in range(6)})


# --- converse / converse_stream through Stubber ----------------------------------------------


def test_converse_sends_tags_as_request_metadata() -> None:
    client = runtime_client()
    tagged = TaggedBedrockClient(client, TenantTags("acme", costCenter="cc-100"))
    with Stubber(client) as stubber:
        stubber.add_response(
            "converse",
            CONVERSE_RESPONSE,
            {
                "modelId": MODEL,
                "messages": MESSAGES,
                "requestMetadata": {
                    "tenantId": "acme",
                    "costCenter": "cc-100",
                    "feature": "search",
                },
            },
        )
        response = tagged.converse(
            modelId=MODEL, messages=MESSAGES, requestMetadata={"feature": "search"}
        )
        stubber.assert_no_pending_responses()
    assert response["stopReason"] == "end_turn"


def test_converse_stream_sends_tags_as_request_metadata() -> None:
    client = runtime_client()
    tagged = TaggedBedrockClient(client, TenantTags("acme"))
    with Stubber(client) as stubber:
        stubber.add_response(
            "converse_stream",
            {"stream": {"messageStart": {"role": "assistant"}}},
            {"modelId": MODEL, "messages": MESSAGES, "requestMetadata": {"tenantId": "acme"}},
        )
        tagged.converse_stream(modelId=MODEL, messages=MESSAGES)
        stubber.assert_no_pending_responses()


def test_invalid_or_conflicting_metadata_fails_before_any_call() -> None:
    client = runtime_client()
    tagged = TaggedBedrockClient(client, TenantTags("acme"))
    with Stubber(client) as stubber:  # no response queued: any call would fail the Stubber
        with pytest.raises(MetadataConflictError):
            tagged.converse(modelId=MODEL, messages=MESSAGES, requestMetadata={"tenantId": "x"})
        with pytest.raises(RequestMetadataError, match="value characters"):
            tagged.converse(modelId=MODEL, messages=MESSAGES, requestMetadata={"k": "\u2603"})
        with pytest.raises(RequestMetadataError, match="JSON"):
            tagged.invoke_model(modelId=MODEL, body=b"{}", requestMetadata="not json")
        stubber.assert_no_pending_responses()


# --- invoke_model: the header on the prepared HTTP request ---------------------------------------


@pytest.mark.parametrize("via_hook", [False, True], ids=["botocore-parameter", "event-hook"])
def test_invoke_model_puts_tags_in_the_signed_header(via_hook: bool) -> None:
    client = runtime_client()
    captured = CapturedRequests(client, "InvokeModel")
    tagged = TaggedBedrockClient(
        client, TenantTags("acme", costCenter="cc-100"), header_via_event_hook=via_hook
    )
    tagged.invoke_model(
        modelId=MODEL, body=b"{}", requestMetadata=json.dumps({"feature": "search"})
    )
    assert captured.header() == {"tenantId": "acme", "costCenter": "cc-100", "feature": "search"}
    signed = captured.requests[-1].headers["Authorization"]
    signed = signed.decode() if isinstance(signed, bytes) else signed
    assert "x-amzn-bedrock-request-metadata" in signed
    assert captured.requests[-1].url.endswith("/invoke")


@pytest.mark.parametrize("via_hook", [False, True], ids=["botocore-parameter", "event-hook"])
def test_invoke_with_response_stream_carries_the_header(via_hook: bool) -> None:
    client = runtime_client()
    captured = CapturedRequests(client, "InvokeModelWithResponseStream")
    tagged = TaggedBedrockClient(client, TenantTags("acme"), header_via_event_hook=via_hook)
    tagged.invoke_model_with_response_stream(modelId=MODEL, body=b"{}")
    assert captured.header() == {"tenantId": "acme"}


def test_event_hook_tags_only_the_wrapped_call() -> None:
    client = runtime_client()
    captured = CapturedRequests(client, "InvokeModel")
    tagged = TaggedBedrockClient(client, TenantTags("acme"), header_via_event_hook=True)
    tagged.invoke_model(modelId=MODEL, body=b"{}")
    client.invoke_model(modelId=MODEL, body=b"{}")  # the raw client, not through the wrapper
    assert captured.header(0) == {"tenantId": "acme"}
    assert HEADER_NAME not in captured.requests[1].headers


def test_two_tenants_sharing_one_client_each_get_their_own_header() -> None:
    client = runtime_client()
    captured = CapturedRequests(client, "InvokeModel")
    acme = TaggedBedrockClient(client, TenantTags("acme"), header_via_event_hook=True)
    globex = TaggedBedrockClient(client, TenantTags("globex"), header_via_event_hook=True)
    acme.invoke_model(modelId=MODEL, body=b"{}")
    globex.invoke_model(modelId=MODEL, body=b"{}")
    assert [captured.header(i)["tenantId"] for i in range(2)] == ["acme", "globex"]


def test_invoke_model_conflict_in_header_metadata_needs_override() -> None:
    client = runtime_client()
    captured = CapturedRequests(client, "InvokeModel")
    tagged = TaggedBedrockClient(client, TenantTags("acme"))
    with pytest.raises(MetadataConflictError):
        tagged.invoke_model(modelId=MODEL, body=b"{}", requestMetadata={"tenant_id": "globex"})
    assert captured.requests == []
    tagged.invoke_model(
        modelId=MODEL, body=b"{}", requestMetadata={"tenant_id": "globex"}, override=True
    )
    assert captured.header() == {"tenant_id": "globex"}
