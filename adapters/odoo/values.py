"""Normalised values (see :mod:`connector.records`) to Odoo's wire format and back.

Odoo's JSON-RPC speaks floats for float/monetary fields, ``"YYYY-MM-DD"`` for dates,
``"YYYY-MM-DD HH:MM:SS"`` (UTC, no zone) for datetimes, and ``False`` for every empty
non-boolean field. The mapping's normalisers already parse Odoo's answers (floats by their
shortest repr, naive datetimes as UTC), so reading back only has to turn ``False`` into
``None``.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Any

from connector.mapping.spec import FieldFormat
from connector.records import JsonValue


class ConversionError(ValueError):
    """A normalised value that cannot be written in the field's Odoo format."""


def to_odoo(fmt: FieldFormat | None, value: JsonValue) -> Any:
    """The value to send for a plain (``value`` kind) field."""
    if value is None:
        return False
    if fmt is FieldFormat.DECIMAL:
        try:
            return float(Decimal(str(value)))
        except InvalidOperation as exc:
            raise ConversionError(f"{value!r} is not a decimal") from exc
    if fmt in (FieldFormat.INTEGER, FieldFormat.MINOR_UNITS, FieldFormat.EPOCH):
        if isinstance(value, bool) or not isinstance(value, int | str):
            raise ConversionError(f"{value!r} is not an integer")
        return int(value)
    if fmt is FieldFormat.BOOLEAN:
        return bool(value)
    if fmt is FieldFormat.DATE:
        return dt.date.fromisoformat(str(value)[:10]).isoformat()
    if fmt is FieldFormat.DATETIME:
        text = str(value).replace("Z", "+00:00")
        try:
            parsed = dt.datetime.fromisoformat(text)
        except ValueError as exc:
            raise ConversionError(f"{value!r} is not a date-time") from exc
        if parsed.tzinfo is not None:
            parsed = parsed.astimezone(dt.UTC).replace(tzinfo=None)
        return parsed.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, dict | list):
        raise ConversionError(f"{value!r} is not a plain value")
    return value


def from_odoo(fmt: FieldFormat | None, raw: Any) -> JsonValue:
    """What Odoo returned for a plain field, ready for the mapping's normaliser."""
    if fmt is FieldFormat.BOOLEAN:
        return bool(raw)
    if raw is False or raw is None or raw == "":
        return None
    if isinstance(raw, float):
        # Keep the float's shortest repr as text: the normaliser reads it as that decimal.
        return repr(raw)
    if isinstance(raw, bool | int | str):
        return raw
    return str(raw)
