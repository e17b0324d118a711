"""Check a QuickSight request against botocore's service model, more strictly than the client.

botocore's own parameter validation (which runs under Stubber too) checks required members,
unknown members, types and minimum lengths. This walk adds what it leaves out: enum values,
patterns, maximum lengths and sizes, and numeric ranges, so a visual with Orientation "SIDEWAYS"
or a FilterGroupId with a dot fails here rather than in the QuickSight console.
"""

from __future__ import annotations

import re
from typing import Any

import botocore.session

MODEL = botocore.session.get_session().get_service_model("quicksight")


def problems(operation: str, params: dict[str, Any]) -> list[str]:
    """Every way the params break the operation's input shape (empty when they fit)."""
    found: list[str] = []
    _walk(MODEL.operation_model(operation).input_shape, params, operation, found)
    return found


def _walk(shape: Any, value: Any, where: str, found: list[str]) -> None:
    kind = shape.type_name
    meta = shape.metadata
    if kind == "structure":
        if not isinstance(value, dict):
            found.append(f"{where}: expected a structure")
            return
        for name in shape.required_members:
            if name not in value:
                found.append(f"{where}: missing required {name}")
        for name, member in value.items():
            if name not in shape.members:
                found.append(f"{where}: unknown member {name}")
                continue
            _walk(shape.members[name], member, f"{where}.{name}", found)
    elif kind == "list":
        if not isinstance(value, list):
            found.append(f"{where}: expected a list")
            return
        _size(len(value), meta, where, found)
        for i, item in enumerate(value):
            _walk(shape.member, item, f"{where}[{i}]", found)
    elif kind == "map":
        if not isinstance(value, dict):
            found.append(f"{where}: expected a map")
            return
        for key, item in value.items():
            _walk(shape.key, key, f"{where} key", found)
            _walk(shape.value, item, f"{where}[{key}]", found)
    elif kind == "string":
        if not isinstance(value, str):
            found.append(f"{where}: expected a string")
            return
        if shape.enum and value not in shape.enum:
            found.append(f"{where}: {value!r} is not one of {shape.enum}")
        if "pattern" in meta and not re.fullmatch(meta["pattern"], value):
            found.append(f"{where}: {value!r} does not match {meta['pattern']}")
        _size(len(value), meta, where, found)
    elif kind in ("integer", "long", "double", "float"):
        if isinstance(value, bool) or not isinstance(value, int | float):
            found.append(f"{where}: expected a number")
            return
        _size(value, meta, where, found)
    elif kind == "boolean" and not isinstance(value, bool):
        found.append(f"{where}: expected a boolean")


def _size(size: float, meta: dict[str, Any], where: str, found: list[str]) -> None:
    if "min" in meta and size < meta["min"]:
        found.append(f"{where}: {size} is below the minimum {meta['min']}")
    if "max" in meta and size > meta["max"]:
        found.append(f"{where}: {size} is above the maximum {meta['max']}")
