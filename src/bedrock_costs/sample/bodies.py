"""The request and response bodies of the sample records (bedrock_costs.sample_logs).

Drawn from the generator's one Random, in the order the generator asks for them, so the logs stay
byte-identical for a seed. A body too large to inline goes to a sidecar object through the
generator's write_sidecar.
"""

from __future__ import annotations

import gzip
import json
import math
from collections.abc import Callable
from dataclasses import dataclass
from random import Random
from typing import Any

from bedrock_costs.sample.fleet import Model, Role, Stream

_PROMPTS = (
    "Summarize the following support ticket in three bullet points.",
    "Classify the sentiment of this customer review as positive, neutral or negative.",
    "Draft a polite reply to a customer asking about a delayed shipment.",
    "Extract the invoice number, the due date and the total amount from this text.",
    "Explain the difference between a refund and a store credit in two sentences.",
    "Rewrite this paragraph so that it is easier to read.",
    "List the action items from these meeting notes.",
    "Suggest a short title for this knowledge base article.",
    "Answer the question using only the context provided below.",
    "Write a one-paragraph status update from the notes below.",
)
_CONTEXTS = (
    "The order was placed on Monday and has not shipped yet.",
    "The mobile app closes unexpectedly right after sign in.",
    "Quarterly revenue grew slightly while support volume stayed flat.",
    "The warehouse moved to a new scanning system last week.",
    "Two invoices were paid twice and need to be reconciled.",
    "The team agreed to ship the new onboarding flow next sprint.",
    "Customers ask how to export their data to a spreadsheet.",
    "The nightly report finished late because of a slow query.",
)
_SYSTEM_PROMPTS = (
    "You are a concise, helpful assistant.",
    "Answer in plain English and keep it short.",
    "You write clear summaries for busy readers.",
)
_RESPONSES = (
    "Here is a short summary of the main points.",
    "The customer is waiting for a shipping update and would like an estimate.",
    "Sentiment: positive.",
    "The total amount is listed at the bottom of the document.",
    "A refund returns the money, while a store credit can only be spent in the shop.",
    "Action items: confirm the schedule, update the runbook and notify the team.",
    "Suggested title: Exporting your data.",
    "Based on the context, the report was delayed by a slow database query.",
    "I could not find that information in the provided context.",
    "The new flow is planned for the next sprint.",
)
_EMBED_TEXTS = (
    "How do I reset my password?",
    "Shipping times for international orders",
    "Export data to a spreadsheet",
    "Refund policy for annual plans",
    "Troubleshooting sign in problems on mobile",
    "Invoice reconciliation checklist",
)
#: Share of the summarizer's Claude calls that send over 200K input tokens (long context).
_LONG_CONTEXT_SHARE = 0.004


_CONTENT_TYPE = "application/json"
_ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"


def json_line(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=True)


def gzip_bytes(data: bytes) -> bytes:
    return gzip.compress(data, compresslevel=6, mtime=0)


@dataclass(frozen=True)
class Bodies:
    """A record's input and output objects, with what the bill needs that they do not show."""

    input: dict[str, Any]
    output: dict[str, Any]
    # the tier the call was served at (None: standard) and its cache writes (5 minutes, 1 hour)
    service_tier: str | None = None
    cache_write_split: tuple[int, int] = (0, 0)


class RecordBodies:
    """Builds a record's input and output: the prompt, the response, tokens, cache and latency."""

    def __init__(self, rng: Random, write_sidecar: Callable[[str, bytes], None]) -> None:
        self.rng = rng
        self.write_sidecar = write_sidecar

    def embedding_io(self, failed: bool, bodies_on: bool) -> Bodies:
        rng = self.rng
        text = rng.choice(_EMBED_TEXTS)
        tokens = 0 if failed else rng.randint(6, 600)
        inp: dict[str, Any] = {"inputContentType": _CONTENT_TYPE}
        if bodies_on:
            inp["inputBodyJson"] = {"inputText": text, "dimensions": 1024, "normalize": True}
        inp["inputTokenCount"] = tokens
        out: dict[str, Any] = {"outputContentType": _CONTENT_TYPE}
        if bodies_on and not failed:
            out["outputBodyJson"] = {
                "embedding": [round(rng.uniform(-0.12, 0.12), 6) for _ in range(8)],
                "inputTextTokenCount": tokens,
            }
        return Bodies(inp, out)

    def text_io(
        self,
        stream: Stream,
        role: Role,
        model: Model,
        operation: str,
        failed: bool,
        bodies_on: bool,
        offload: bool,
        folder: str,
        record: dict[str, Any],
    ) -> Bodies:
        rng = self.rng
        native = operation.startswith("InvokeModel")
        max_tokens = 16000 if offload else rng.choice((512, 1024, 2048, 4096))
        prompt = f"{rng.choice(_PROMPTS)} {rng.choice(_CONTEXTS)}"
        system = rng.choice(_SYSTEM_PROMPTS) if rng.random() < 0.5 else None
        temperature = rng.choice((0.0, 0.2, 0.5, 0.7, 1.0))
        input_body = (
            self._anthropic_request(prompt, system, max_tokens, temperature)
            if native
            else self._converse_request(prompt, system, max_tokens, temperature)
        )
        tier = self._service_tier(model)
        if tier is not None:
            input_body["serviceTier"] = {"type": tier}

        inp: dict[str, Any] = {"inputContentType": _CONTENT_TYPE}
        if bodies_on:
            inp["inputBodyJson"] = input_body
        if failed:
            inp["inputTokenCount"] = 0
            out: dict[str, Any] = {"outputContentType": _CONTENT_TYPE}
            if rng.random() < 0.5:
                out["outputTokenCount"] = 0
            return Bodies(inp, out)

        cache_read, write_5m, write_1h = self._cache_tokens(model)
        if (
            model.kind == "claude45"
            and role.use_case == "summarization"
            and rng.random() < _LONG_CONTEXT_SHARE
        ):
            # a whole contract or codebase in one prompt: over 200K tokens, no cache
            cache_read = write_5m = write_1h = 0
            input_tokens = rng.randint(200_001, 400_000)
        elif cache_read or write_5m or write_1h:
            input_tokens = rng.randint(3, 400)  # only the uncached tail of the prompt
        else:
            median = role.input_median
            input_tokens = max(1, int(rng.lognormvariate(math.log(median), 0.7)))
        if offload:
            output_tokens = rng.randint(6000, 12000)
        else:
            output_tokens = max(1, int(rng.lognormvariate(math.log(role.output_median), 0.7)))
        stop_reason = "end_turn"
        if output_tokens >= max_tokens:
            output_tokens = max_tokens
            stop_reason = "max_tokens"
        prompt_tokens = input_tokens + cache_read + write_5m + write_1h
        first_byte_ms = (
            int(model.ttfb_ms * rng.lognormvariate(0.0, 0.35) + prompt_tokens * 0.015) + 20
        )
        latency_ms = first_byte_ms + int(
            output_tokens * model.ms_per_token * rng.uniform(0.8, 1.25)
        )
        n_sentences = max(1, output_tokens // 12) if offload else rng.randint(1, 2)
        response = " ".join(rng.choice(_RESPONSES) for _ in range(n_sentences))

        inp["inputTokenCount"] = input_tokens
        if model.kind in ("claude45", "claude3"):
            inp["cacheReadInputTokenCount"] = cache_read
            inp["cacheWriteInputTokenCount"] = write_5m + write_1h
        elif model.kind == "nova":
            inp["cacheReadInputTokenCount"] = cache_read

        body: Any
        if not native:
            body = self._converse_response(
                model,
                response,
                stop_reason,
                latency_ms,
                input_tokens,
                output_tokens,
                cache_read,
                write_5m + write_1h,
            )
            if tier is not None:
                body["serviceTier"] = {"type": tier}
        elif operation == "InvokeModel":
            body = self._anthropic_response(
                model,
                response,
                stop_reason,
                input_tokens,
                output_tokens,
                cache_read,
                write_5m,
                write_1h,
            )
        else:
            body = self._anthropic_stream(
                model,
                response,
                stop_reason,
                input_tokens,
                output_tokens,
                cache_read,
                write_5m,
                write_1h,
                latency_ms,
                first_byte_ms,
            )

        out = {"outputContentType": _CONTENT_TYPE}
        if offload:
            request_id = record["requestId"]
            relative = f"{folder}/data/{request_id}_output.json.gz"
            self.write_sidecar(relative, gzip_bytes(json_line(body).encode("utf-8")))
            out["outputBodyS3Path"] = f"s3://{stream.bucket}/{relative}"
        elif bodies_on:
            out["outputBodyJson"] = body
        out["outputTokenCount"] = output_tokens
        return Bodies(inp, out, tier, (write_5m, write_1h))

    def _service_tier(self, model: Model) -> str | None:
        """flex for a quarter and priority for a tenth of a tiered model's calls, else None."""
        if not model.tiered:
            return None
        roll = self.rng.random()
        if roll < 0.25:
            return "flex"
        if roll < 0.35:
            return "priority"
        return None

    def _cache_tokens(self, model: Model) -> tuple[int, int, int]:
        """(cache read, 5-minute write, 1-hour write) for one successful call."""
        rng = self.rng
        roll = rng.random()
        if model.kind == "claude45":
            read = write_5m = write_1h = 0
            if roll < 0.30:
                read = rng.randint(1024, 30000)
            elif roll < 0.42:
                if roll >= 0.38:
                    read = rng.randint(1024, 20000)
                written = rng.randint(1024, 20000)
                split = rng.random()
                if split < 0.8:
                    write_5m = written
                elif split < 0.92:
                    write_1h = written
                else:
                    write_5m = written // 2
                    write_1h = written - write_5m
            return read, write_5m, write_1h
        if model.kind == "nova" and roll < 0.15:
            return rng.randint(1000, 8000), 0, 0
        return 0, 0, 0

    # ---- bodies, shaped as Bedrock logs them -----------------------------------------------

    @staticmethod
    def _converse_request(
        prompt: str, system: str | None, max_tokens: int, temperature: float
    ) -> dict[str, Any]:
        body: dict[str, Any] = {"messages": [{"role": "user", "content": [{"text": prompt}]}]}
        if system is not None:
            body["system"] = [{"text": system}]
        body["inferenceConfig"] = {"maxTokens": max_tokens, "temperature": temperature}
        return body

    @staticmethod
    def _anthropic_request(
        prompt: str, system: str | None, max_tokens: int, temperature: float
    ) -> dict[str, Any]:
        body: dict[str, Any] = {"anthropic_version": "bedrock-2023-05-31", "max_tokens": max_tokens}
        if system is not None:
            body["system"] = system
        body["messages"] = [{"role": "user", "content": [{"type": "text", "text": prompt}]}]
        body["temperature"] = temperature
        return body

    @staticmethod
    def _converse_response(
        model: Model,
        response: str,
        stop_reason: str,
        latency_ms: int,
        input_tokens: int,
        output_tokens: int,
        cache_read: int,
        cache_write: int,
    ) -> dict[str, Any]:
        usage: dict[str, int] = {"inputTokens": input_tokens, "outputTokens": output_tokens}
        if model.kind in ("claude45", "claude3", "nova"):
            usage["cacheReadInputTokens"] = cache_read
            usage["cacheWriteInputTokens"] = cache_write
        usage["totalTokens"] = input_tokens + output_tokens + cache_read + cache_write
        return {
            "output": {"message": {"role": "assistant", "content": [{"text": response}]}},
            "stopReason": stop_reason,
            "metrics": {"latencyMs": latency_ms},
            "usage": usage,
        }

    def _message_id(self) -> str:
        return "msg_bdrk_01" + "".join(self.rng.choices(_ALNUM, k=22))

    @staticmethod
    def _anthropic_usage(
        model: Model, input_tokens: int, output_tokens: int, read: int, w5m: int, w1h: int
    ) -> dict[str, Any]:
        if model.kind != "claude45":
            return {"input_tokens": input_tokens, "output_tokens": output_tokens}
        return {
            "input_tokens": input_tokens,
            "cache_creation_input_tokens": w5m + w1h,
            "cache_read_input_tokens": read,
            "cache_creation": {"ephemeral_5m_input_tokens": w5m, "ephemeral_1h_input_tokens": w1h},
            "output_tokens": output_tokens,
        }

    def _anthropic_response(
        self,
        model: Model,
        response: str,
        stop_reason: str,
        input_tokens: int,
        output_tokens: int,
        read: int,
        w5m: int,
        w1h: int,
    ) -> dict[str, Any]:
        return {
            "id": self._message_id(),
            "type": "message",
            "role": "assistant",
            "model": model.native_name,
            "content": [{"type": "text", "text": response}],
            "stop_reason": stop_reason,
            "stop_sequence": None,
            "usage": self._anthropic_usage(model, input_tokens, output_tokens, read, w5m, w1h),
        }

    def _anthropic_stream(
        self,
        model: Model,
        response: str,
        stop_reason: str,
        input_tokens: int,
        output_tokens: int,
        read: int,
        w5m: int,
        w1h: int,
        latency_ms: int,
        first_byte_ms: int,
    ) -> list[dict[str, Any]]:
        rng = self.rng
        start_usage = self._anthropic_usage(model, input_tokens, 1, read, w5m, w1h)
        events: list[dict[str, Any]] = [
            {
                "type": "message_start",
                "message": {
                    "id": self._message_id(),
                    "type": "message",
                    "role": "assistant",
                    "model": model.native_name,
                    "content": [],
                    "stop_reason": None,
                    "stop_sequence": None,
                    "usage": start_usage,
                },
            },
            {
                "type": "content_block_start",
                "index": 0,
                "content_block": {"type": "text", "text": ""},
            },
        ]
        cut = response.find(" ", len(response) // 2)
        pieces = [response] if cut < 0 or rng.random() < 0.5 else [response[:cut], response[cut:]]
        for piece in pieces:
            events.append(
                {
                    "type": "content_block_delta",
                    "index": 0,
                    "delta": {"type": "text_delta", "text": piece},
                }
            )
        events.append({"type": "content_block_stop", "index": 0})
        events.append(
            {
                "type": "message_delta",
                "delta": {"stop_reason": stop_reason, "stop_sequence": None},
                "usage": {"output_tokens": output_tokens},
            }
        )
        stop: dict[str, Any] = {"type": "message_stop"}
        if rng.random() >= 0.05:
            stop["amazon-bedrock-invocationMetrics"] = {
                "inputTokenCount": input_tokens,
                "outputTokenCount": output_tokens,
                "invocationLatency": latency_ms,
                "firstByteLatency": first_byte_ms,
            }
        events.append(stop)
        return events
