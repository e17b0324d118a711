"""A small IAM policy evaluator, enough for the dbt runner's identity policy.

Used by `bedrock-costs athena check` (does a role allow what each step of a run needs?) and
by the tests that hold the shipped policies against the calls a run makes.

It decides one request the way IAM decides it for a single identity policy: an explicit Deny
that matches wins; otherwise some Allow must match; otherwise the request is implicitly denied.
A statement matches when one of its actions matches the request's action (`*` and `?`
wildcards, case-insensitive), one of its resources matches the resource (wildcards,
case-sensitive) and every condition holds. Conditions: `StringEquals` and `StringLike` (one of
the listed values must match), and as IAM says, "If the key that you specify in a policy
condition is not present in the request context, the values do not match" (the condition is
false). A request needing several resources (a Glue table call needs the catalog, the database
and the table) is allowed only when each of them is. `NotAction`, `NotResource` and other
condition operators are not used by the policy and are refused rather than guessed.
"""

from __future__ import annotations

import functools
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

PLACEHOLDERS = (
    "REGION",
    "ACCOUNT_ID",
    "WORK_GROUP",
    "SCHEMA",
    "LOG_BUCKET",
    "LOG_PREFIX",
    "RESULTS_BUCKET",
    "RESULTS_PREFIX",
    "DATA_BUCKET",
    "DATA_PREFIX",
    "SALT_BUCKET",
    "SALT_PREFIX",
)
SUPPORTED_KEYS = {"Sid", "Effect", "Action", "Resource", "Condition"}
SUPPORTED_OPERATORS = {"StringEquals", "StringLike"}


def as_list(value: str | list[str]) -> list[str]:
    return [value] if isinstance(value, str) else list(value)


def fill(text: str, values: dict[str, str]) -> dict[str, Any]:
    """The policy JSON with its placeholders replaced in one pass (a value is never re-read)."""
    names = sorted(values, key=len, reverse=True)
    pattern = re.compile("|".join(re.escape(name) for name in names))
    return json.loads(pattern.sub(lambda m: values[m.group(0)], text))


def load_filled(path: Path, values: dict[str, str]) -> dict[str, Any]:
    return fill(path.read_text(), values)


@functools.lru_cache(maxsize=4096)
def _compiled(pattern: str, ignore_case: bool) -> re.Pattern[str]:
    regex = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    return re.compile(regex, re.S | (re.I if ignore_case else 0))


def wildcard(pattern: str, value: str, ignore_case: bool = False) -> bool:
    return _compiled(pattern, ignore_case).fullmatch(value) is not None


@dataclass(frozen=True)
class Request:
    action: str
    resource: str
    context: tuple[tuple[str, str], ...] = ()

    def value(self, key: str) -> str | None:
        return dict(self.context).get(key)


def _conditions_hold(condition: dict[str, dict[str, Any]], request: Request) -> bool:
    for operator, keys in condition.items():
        if operator not in SUPPORTED_OPERATORS:
            raise ValueError(f"condition operator {operator} is not supported by this evaluator")
        for key, expected in keys.items():
            actual = request.value(key)
            if actual is None:  # the key is absent from the request: the condition is false
                return False
            if operator == "StringEquals":
                if actual not in as_list(expected):
                    return False
            elif not any(wildcard(p, actual) for p in as_list(expected)):
                return False
    return True


def statement_matches(statement: dict[str, Any], request: Request) -> bool:
    unsupported = set(statement) - SUPPORTED_KEYS
    if unsupported:
        raise ValueError(f"statement keys not supported by this evaluator: {sorted(unsupported)}")
    if not any(wildcard(a, request.action, True) for a in as_list(statement["Action"])):
        return False
    if not any(wildcard(r, request.resource) for r in as_list(statement["Resource"])):
        return False
    return _conditions_hold(statement.get("Condition", {}), request)


def decide(policy: dict[str, Any], request: Request, unevaluated: list[str] | None = None) -> str:
    """`deny` (an explicit Deny matched), `allow`, or `implicit` (nothing allowed it).

    A statement this evaluator cannot read (NotAction, another condition operator, ...) raises,
    unless `unevaluated` is given: then it is noted there once (its Sid and why) and counts as
    not matching, as `athena check` needs for the policies it finds on a role."""
    statements = policy["Statement"]

    def matches(statement: dict[str, Any], effect: str) -> bool:
        try:
            return statement["Effect"] == effect and statement_matches(statement, request)
        except (KeyError, ValueError) as error:
            if unevaluated is None:
                raise
            note = f"{statement.get('Sid', '(no Sid)')}: {error}"
            if note not in unevaluated:
                unevaluated.append(note)
            return False

    if any(matches(s, "Deny") for s in statements):
        return "deny"
    if any(matches(s, "Allow") for s in statements):
        return "allow"
    return "implicit"
