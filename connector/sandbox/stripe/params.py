"""Typed readers for decoded form parameters, raising Stripe's 400 errors."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from connector.sandbox.stripe.errors import (
    StripeError,
    parameter_invalid,
    parameter_missing,
    parameter_unknown,
)
from connector.sandbox.stripe.forms import Params

TRUE_VALUES = {"true", "True", "1"}
FALSE_VALUES = {"false", "False", "0"}


def check_known(params: Params, allowed: Iterable[str], prefix: str = "") -> None:
    """Reject parameters the endpoint does not take (``parameter_unknown``)."""
    allowed_set = set(allowed)
    for key in params:
        if key not in allowed_set:
            name = f"{prefix}[{key}]" if prefix else key
            raise parameter_unknown(name)


def name(prefix: str, key: str) -> str:
    return f"{prefix}[{key}]" if prefix else key


def get_str(params: Params, key: str, prefix: str = "", required: bool = False) -> str | None:
    value = params.get(key)
    if value is None:
        if required:
            raise parameter_missing(name(prefix, key))
        return None
    if not isinstance(value, str):
        raise parameter_invalid(name(prefix, key), f"Invalid string: {value!r}")
    return value


def get_int(
    params: Params,
    key: str,
    prefix: str = "",
    required: bool = False,
    minimum: int | None = None,
    maximum: int | None = None,
) -> int | None:
    raw = get_str(params, key, prefix, required)
    if raw is None or raw == "":
        return None
    try:
        value = int(raw)
    except ValueError:
        raise parameter_invalid(name(prefix, key), f"Invalid integer: {raw}") from None
    if minimum is not None and value < minimum:
        raise parameter_invalid(
            name(prefix, key),
            f"This value must be greater than or equal to {minimum}.",
        )
    if maximum is not None and value > maximum:
        raise parameter_invalid(
            name(prefix, key), f"This value must be less than or equal to {maximum}."
        )
    return value


def get_float(params: Params, key: str, prefix: str = "") -> float | None:
    raw = get_str(params, key, prefix)
    if raw is None or raw == "":
        return None
    try:
        return float(raw)
    except ValueError:
        raise parameter_invalid(name(prefix, key), f"Invalid decimal: {raw}") from None


def get_bool(params: Params, key: str, prefix: str = "") -> bool | None:
    raw = get_str(params, key, prefix)
    if raw is None:
        return None
    if raw in TRUE_VALUES:
        return True
    if raw in FALSE_VALUES:
        return False
    raise parameter_invalid(name(prefix, key), f"Invalid boolean: {raw}")


def get_enum(
    params: Params, key: str, choices: Iterable[str], prefix: str = "", required: bool = False
) -> str | None:
    raw = get_str(params, key, prefix, required)
    if raw is None:
        return None
    options = list(choices)
    if raw not in options:
        raise parameter_invalid(
            name(prefix, key),
            f"Invalid {name(prefix, key)}: must be one of {', '.join(options)}",
        )
    return raw


def get_dict(params: Params, key: str, prefix: str = "") -> Params | None:
    """A hash parameter; ``key=`` (empty string) returns an empty dict (the "unset" form)."""
    value = params.get(key)
    if value is None:
        return None
    if value == "":
        return {}
    if not isinstance(value, dict):
        raise parameter_invalid(name(prefix, key), f"Invalid hash: {key}")
    return value


def get_list(params: Params, key: str, prefix: str = "") -> list[Any] | None:
    """An array parameter; ``key=`` (empty string) returns an empty list (the "unset" form)."""
    value = params.get(key)
    if value is None:
        return None
    if value == "":
        return []
    if isinstance(value, dict) and not value:
        return []
    if not isinstance(value, list):
        raise parameter_invalid(name(prefix, key), f"Invalid array: {key}")
    return value


def get_str_list(params: Params, key: str, prefix: str = "") -> list[str] | None:
    values = get_list(params, key, prefix)
    if values is None:
        return None
    for index, value in enumerate(values):
        if not isinstance(value, str):
            raise parameter_invalid(f"{name(prefix, key)}[{index}]", "Invalid string")
    return [str(v) for v in values]


def apply_metadata(current: dict[str, str], params: Params, prefix: str = "") -> dict[str, str]:
    """Stripe's metadata update: merge keys, ``metadata[k]=`` unsets k, ``metadata=`` clears."""
    update = get_dict(params, "metadata", prefix)
    if update is None:
        return current
    if not update:
        return {}
    merged = dict(current)
    for key, value in update.items():
        if not isinstance(value, str):
            raise parameter_invalid(f"metadata[{key}]", "Metadata values must be strings.")
        if len(key) > 40:
            raise parameter_invalid(
                f"metadata[{key}]", "Metadata keys can have up to 40 characters."
            )
        if value == "":
            merged.pop(key, None)
        else:
            if len(value) > 500:
                raise parameter_invalid(
                    f"metadata[{key}]", "Metadata values can have up to 500 characters."
                )
            merged[key] = value
    if len(merged) > 50:
        raise parameter_invalid("metadata", "Metadata can have up to 50 keys.")
    return merged


def invalid(message: str, param: str | None = None) -> StripeError:
    """A generic 400 ``invalid_request_error`` without a code."""
    return StripeError(400, message, param=param)
