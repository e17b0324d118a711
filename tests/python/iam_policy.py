"""The runner policy against recorded calls: which calls it denies, which grants none uses.

The evaluator itself is shipped (bedrock_costs.iam_policy, also used by `athena check`); this
module adds what only the tests need: requests of a call recorded by the local Athena
(athena_local.aws_calls) and the unused-grant verdict.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from bedrock_costs.iam_policy import (
    PLACEHOLDERS,
    Request,
    as_list,
    decide,
    fill,
    load_filled,
    statement_matches,
    wildcard,
)

__all__ = [
    "PLACEHOLDERS",
    "Request",
    "Verdict",
    "allowed",
    "as_list",
    "check",
    "decide",
    "fill",
    "granted",
    "load_filled",
    "requests_of",
    "used_grants",
]


def requests_of(call: dict[str, Any]) -> list[Request]:
    """One request per resource of a recorded call (athena_local.aws_calls)."""
    context = tuple(sorted((call.get("context") or {}).items()))
    return [Request(call["action"], resource, context) for resource in call["resources"]]


def allowed(policy: dict[str, Any], call: dict[str, Any]) -> bool:
    return all(decide(policy, request) == "allow" for request in requests_of(call))


def used_grants(policy: dict[str, Any], calls: list[dict[str, Any]]) -> set[tuple[str, str]]:
    """(Sid, action) of every Allow statement action that allowed part of an allowed call."""
    used: set[tuple[str, str]] = set()
    for call in calls:
        if not allowed(policy, call):
            continue
        for request in requests_of(call):
            for statement in policy["Statement"]:
                if statement["Effect"] != "Allow" or not statement_matches(statement, request):
                    continue
                for action in as_list(statement["Action"]):
                    if wildcard(action, request.action, True):
                        used.add((statement["Sid"], action))
    return used


def granted(policy: dict[str, Any]) -> set[tuple[str, str]]:
    return {
        (s["Sid"], action)
        for s in policy["Statement"]
        if s["Effect"] == "Allow"
        for action in as_list(s["Action"])
    }


@dataclass
class Verdict:
    missing: list[dict[str, Any]]  # recorded calls the policy does not allow
    excess: list[tuple[str, str]]  # (Sid, action) granted but never used nor excused


def check(
    policy: dict[str, Any],
    calls: list[dict[str, Any]],
    excused: set[tuple[str, str]],
) -> Verdict:
    unique = list({json.dumps(c, sort_keys=True): c for c in calls}.values())
    missing = [call for call in unique if not allowed(policy, call)]
    calls = unique
    excess = sorted(granted(policy) - used_grants(policy, calls) - excused)
    return Verdict(missing, excess)
