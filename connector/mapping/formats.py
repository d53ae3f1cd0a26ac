"""Value formats: how a canonical value is written to a target field and how a target's value
is normalised back so that the two compare exactly (see :mod:`connector.records`)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation
from enum import Enum
from typing import Any

from connector.mapping.spec import FieldFormat
from connector.records import JsonValue
from connector.schema import Money


class FormatError(ValueError):
    """A value that cannot be expressed in the field's format."""


def decimal_text(value: Decimal) -> str:
    """Plain notation without trailing zeros: ``12.50`` -> ``"12.5"``, ``100`` -> ``"100"``."""
    text = format(value, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("", "-0") else text


def _to_decimal(value: Any) -> Decimal:
    if isinstance(value, Money):
        return value.amount
    if isinstance(value, bool):
        raise FormatError(f"{value!r} is a boolean, not a number")
    if isinstance(value, Decimal):
        return value
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        # Targets' JSON numbers arrive as floats; their shortest repr is the decimal they sent.
        return Decimal(repr(value))
    if isinstance(value, str):
        try:
            return Decimal(value.strip())
        except InvalidOperation as exc:
            raise FormatError(f"{value!r} is not a number") from exc
    raise FormatError(f"{value!r} is not a number")


def _parse_datetime(value: Any) -> dt.datetime:
    if isinstance(value, dt.datetime):
        parsed = value
    elif isinstance(value, dt.date):
        parsed = dt.datetime(value.year, value.month, value.day, tzinfo=dt.UTC)
    elif isinstance(value, int) and not isinstance(value, bool):
        parsed = dt.datetime.fromtimestamp(value, dt.UTC)
    elif isinstance(value, str):
        text = value.strip()
        # Salesforce answers "2026-01-05T10:00:00.000+0000"; Odoo "2026-01-05 10:00:00" (UTC).
        if len(text) >= 5 and text[-5] in "+-" and text[-3] != ":" and "T" in text:
            text = f"{text[:-2]}:{text[-2:]}"
        try:
            parsed = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError as exc:
            raise FormatError(f"{value!r} is not a date-time") from exc
        if parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=dt.UTC)
    else:
        raise FormatError(f"{value!r} is not a date-time")
    if parsed.tzinfo is None:
        raise FormatError(f"{value!r} has no timezone")
    return parsed.astimezone(dt.UTC)


def _string(value: Any) -> JsonValue:
    if value is None:
        return None
    if isinstance(value, Enum):
        return str(value.value)
    if isinstance(value, Decimal):
        return decimal_text(value)
    if isinstance(value, dt.datetime):
        return _datetime(value)
    text = str(value)
    return text if text else None


def _decimal(scale: int | None) -> Callable[[Any], JsonValue]:
    quantum = Decimal(1).scaleb(-scale) if scale is not None else None

    def convert(value: Any) -> JsonValue:
        if value is None:
            return None
        number = _to_decimal(value)
        if quantum is not None:
            number = number.quantize(quantum, rounding=ROUND_HALF_EVEN)
        return decimal_text(number)

    return convert


def _minor_units(value: Any) -> JsonValue:
    if value is None:
        return None
    if isinstance(value, Money):
        return value.to_minor()
    return _integer(value)


def _integer(value: Any) -> JsonValue:
    if value is None:
        return None
    number = _to_decimal(value)
    if number != number.to_integral_value():
        raise FormatError(f"{value!r} is not a whole number")
    return int(number)


def _boolean(value: Any) -> JsonValue:
    if value is None:
        return False
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    raise FormatError(f"{value!r} is not a boolean")


def _date(value: Any) -> JsonValue:
    if value is None or value is False:
        return None
    if isinstance(value, str) and len(value.strip()) == 10:
        try:
            return dt.date.fromisoformat(value.strip()).isoformat()
        except ValueError as exc:
            raise FormatError(f"{value!r} is not a date") from exc
    return _parse_datetime(value).date().isoformat()


def _datetime(value: Any) -> JsonValue:
    if value is None or value is False:
        return None
    return _parse_datetime(value).replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")


def _epoch(value: Any) -> JsonValue:
    if value is None or value is False:
        return None
    return int(_parse_datetime(value).timestamp())


def converter(fmt: FieldFormat, scale: int | None = None) -> Callable[[Any], JsonValue]:
    """The function that turns a value (canonical or a target's) into the normalised form.

    The same function serves both directions: applied to a canonical value it gives what to
    write; applied to what a target returned it gives what to compare.
    """
    table: dict[FieldFormat, Callable[[Any], JsonValue]] = {
        FieldFormat.STRING: _string,
        FieldFormat.DECIMAL: _decimal(scale),
        FieldFormat.MINOR_UNITS: _minor_units,
        FieldFormat.INTEGER: _integer,
        FieldFormat.BOOLEAN: _boolean,
        FieldFormat.DATE: _date,
        FieldFormat.DATETIME: _datetime,
        FieldFormat.EPOCH: _epoch,
    }
    return table[fmt]


# The formats a canonical type may be written as; the first is the default.
FORMATS_BY_KIND: dict[str, tuple[FieldFormat, ...]] = {
    "money": (FieldFormat.DECIMAL, FieldFormat.MINOR_UNITS, FieldFormat.STRING),
    "decimal": (FieldFormat.DECIMAL, FieldFormat.STRING, FieldFormat.INTEGER),
    "integer": (FieldFormat.INTEGER, FieldFormat.DECIMAL, FieldFormat.STRING),
    "boolean": (FieldFormat.BOOLEAN, FieldFormat.STRING),
    "datetime": (FieldFormat.DATETIME, FieldFormat.DATE, FieldFormat.EPOCH, FieldFormat.STRING),
    "enum": (FieldFormat.STRING,),
    "string": (FieldFormat.STRING,),
    "object": (FieldFormat.STRING,),
    "other": (FieldFormat.STRING,),
}
