"""Decoding of Stripe's form encoding: ``items[0][price]=p&metadata[k]=v&expand[]=x``.

Bracketed keys build nested dictionaries; ``[]`` appends to a list, and dictionaries whose keys
are all integers (``items[0]``, ``items[1]``) become lists ordered by index, as Stripe reads them.
Values stay strings: the empty string is meaningful (it unsets a field).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl, urlencode

from connector.sandbox.stripe.errors import StripeError

Params = dict[str, Any]


def _split_key(key: str) -> list[str]:
    head, sep, rest = key.partition("[")
    if not sep:
        return [key]
    parts = [head]
    for piece in ("[" + rest).split("]"):
        if not piece:
            continue
        if not piece.startswith("["):
            raise StripeError(400, f"Invalid parameter name: {key}", code="parameter_invalid")
        parts.append(piece[1:])
    return parts


def _listify(value: Any) -> Any:
    if isinstance(value, dict):
        converted = {k: _listify(v) for k, v in value.items()}
        if converted and all(k.isdigit() for k in converted):
            return [converted[k] for k in sorted(converted, key=int)]
        return converted
    if isinstance(value, list):
        return [_listify(v) for v in value]
    return value


def decode_form(raw: str) -> Params:
    """Nested parameters from an ``application/x-www-form-urlencoded`` string."""
    root: dict[str, Any] = {}
    for key, value in parse_qsl(raw, keep_blank_values=True):
        parts = _split_key(key)
        node: Any = root
        for index, part in enumerate(parts):
            last = index == len(parts) - 1
            if part == "":
                if not isinstance(node, list):
                    raise StripeError(
                        400, f"Invalid array parameter: {key}", code="parameter_invalid"
                    )
                if last:
                    node.append(value)
                else:
                    node.append({})
                    node = node[-1]
                continue
            if not isinstance(node, dict):
                raise StripeError(400, f"Invalid parameter: {key}", code="parameter_invalid")
            if last:
                node[part] = value
                continue
            nxt = parts[index + 1]
            child = node.get(part)
            if nxt == "":
                if not isinstance(child, list):
                    child = []
                    node[part] = child
            elif not isinstance(child, dict):
                child = {}
                node[part] = child
            node = child
    result: Params = _listify(root)
    return result


def _flatten(prefix: str, value: Any, out: list[tuple[str, str]]) -> None:
    if isinstance(value, dict):
        if not value:
            out.append((prefix, ""))
        for key, child in value.items():
            _flatten(f"{prefix}[{key}]" if prefix else str(key), child, out)
    elif isinstance(value, list | tuple):
        if not value:
            out.append((prefix, ""))
        for index, child in enumerate(value):
            _flatten(f"{prefix}[{index}]", child, out)
    elif isinstance(value, bool):
        out.append((prefix, "true" if value else "false"))
    elif value is None:
        out.append((prefix, ""))
    else:
        out.append((prefix, str(value)))


def encode_form(params: dict[str, Any]) -> str:
    """The inverse of :func:`decode_form`, as Stripe's client libraries encode parameters."""
    pairs: list[tuple[str, str]] = []
    for key, value in params.items():
        _flatten(str(key), value, pairs)
    return urlencode(pairs)
