"""Recursive comparison of an object's shape with one of Stripe's example objects."""

from __future__ import annotations

from typing import Any


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object"


def shape_differences(
    expected: Any, actual: Any, nullable: frozenset[str] = frozenset(), path: str = ""
) -> list[str]:
    """Where ``actual`` differs in keys, JSON types or nesting from ``expected``.

    ``null`` in the example matches anything. ``null`` in ``actual`` matches only at paths
    listed in ``nullable`` (fields Stripe documents as nullable that the example fills).
    Dict keys must be equal; list elements are compared when both lists are non-empty.
    """
    if expected is None:
        return []
    if actual is None:
        return [] if path in nullable else [f"{path or '<root>'}: null, expected {_kind(expected)}"]
    if _kind(expected) != _kind(actual):
        return [f"{path or '<root>'}: {_kind(actual)}, expected {_kind(expected)}"]
    problems: list[str] = []
    if isinstance(expected, dict):
        missing = expected.keys() - actual.keys()
        extra = actual.keys() - expected.keys()
        if missing:
            problems.append(f"{path or '<root>'}: missing keys {sorted(missing)}")
        if extra:
            problems.append(f"{path or '<root>'}: unexpected keys {sorted(extra)}")
        for key in expected.keys() & actual.keys():
            child = f"{path}.{key}" if path else key
            problems += shape_differences(expected[key], actual[key], nullable, child)
    elif isinstance(expected, list) and expected and actual:
        for element in actual:
            problems += shape_differences(expected[0], element, nullable, f"{path}[]")
    return problems
