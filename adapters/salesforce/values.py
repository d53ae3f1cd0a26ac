"""Normalised values <-> Salesforce JSON, in one place for both directions.

Writing: the planner hands us normalised values (decimals as exact strings, dates
``YYYY-MM-DD``, datetimes ``YYYY-MM-DDTHH:MM:SSZ``, references ``{"ref", "key"}``); each is
turned into what the REST API expects by the field's format. Decimals become
:class:`~decimal.Decimal` and are serialised by :func:`dumps` as exact JSON numbers: going
through ``float`` would turn ``0.1 + 0.2``-style values and 17-digit amounts into something
Salesforce then stores and we read back as a difference. References to our own records are
written as relationship references by external id
(``"Account__r": {"Stripe_Customer_Id__c": "cus_1"}``), so a child never needs its parent's
Salesforce Id and parent and child can be written in one run without a read in between.

Reading: values come back in the mapping's vocabulary, normalised by the field's own
normaliser (numbers arrive as ``Decimal`` because the client parses floats that way), and
references are read through the relationship (``Account__r.Stripe_Customer_Id__c``).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any, TypeAlias

from connector.mapping import CompiledField, FieldFormat
from connector.mapping.formats import decimal_text
from connector.records import JsonValue

Wire: TypeAlias = bool | int | str | Decimal | dict[str, "Wire"] | list["Wire"] | None


class ValueConversionError(ValueError):
    """A normalised value that cannot be written to its Salesforce field."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field


@dataclass(frozen=True, slots=True)
class Link:
    """How a reference field is expressed: ``<relationship>.<parent key field>``."""

    relationship: str
    parent_key_field: str

    @property
    def path(self) -> str:
        return f"{self.relationship}.{self.parent_key_field}"


def _decimal(field: str, value: JsonValue) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise ValueConversionError(field, f"{value!r} is not a number")
    try:
        number = Decimal(value.strip()) if isinstance(value, str) else Decimal(value)
    except InvalidOperation as exc:
        raise ValueConversionError(field, f"{value!r} is not a number") from exc
    if not number.is_finite():
        raise ValueConversionError(field, f"{value!r} is not a finite number")
    return number


def _integer(field: str, value: JsonValue) -> int:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    number = _decimal(field, value)
    if number != number.to_integral_value():
        raise ValueConversionError(field, f"{value!r} is not a whole number")
    return int(number)


def _boolean(field: str, value: JsonValue) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    raise ValueConversionError(field, f"{value!r} is not a boolean")


def _text(field: str, value: JsonValue) -> str:
    if isinstance(value, dict | list):
        raise ValueConversionError(field, f"{value!r} is not a text value")
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def scalar_to_wire(field: str, fmt: FieldFormat | None, value: JsonValue) -> Wire:
    """One normalised scalar as the REST API wants it for a field of format ``fmt``."""
    if value is None:
        return None  # JSON null clears the field on update, as the mapping intends
    if fmt is FieldFormat.DECIMAL:
        return _decimal(field, value)
    if fmt in (FieldFormat.INTEGER, FieldFormat.MINOR_UNITS, FieldFormat.EPOCH):
        return _integer(field, value)
    if fmt is FieldFormat.BOOLEAN:
        return _boolean(field, value)
    # STRING, DATE ("YYYY-MM-DD") and DATETIME ("YYYY-MM-DDTHH:MM:SSZ") are sent as text,
    # which is also the form the REST API accepts for date and dateTime fields.
    return _text(field, value)


def field_to_wire(spec: CompiledField, value: JsonValue, link: Link | None) -> dict[str, Wire]:
    """The body entries (one) that write ``value`` to ``spec``'s field."""
    if spec.kind == "value":
        return {spec.target: scalar_to_wire(spec.target, spec.fmt, value)}
    if spec.kind == "ref":
        assert link is not None
        if value is None:
            return {spec.target: None}  # clearing a lookup: null on the Id field itself
        if not isinstance(value, dict):
            raise ValueConversionError(spec.target, f"{value!r} is not a reference")
        parent_key = value.get("key")
        if not isinstance(parent_key, str) or not parent_key:
            raise ValueConversionError(spec.target, f"{value!r} names no parent key")
        return {link.relationship: {link.parent_key_field: parent_key}}
    raise ValueConversionError(spec.target, f"{spec.kind} fields are not supported by Salesforce")


def field_from_wire(spec: CompiledField, record: Mapping[str, Any], link: Link | None) -> JsonValue:
    """The value of ``spec`` in a query row, in the mapping's vocabulary."""
    if spec.kind == "ref" and link is not None:
        parent = record.get(link.relationship)
        parent_key = parent.get(link.parent_key_field) if isinstance(parent, Mapping) else None
        if parent_key in (None, ""):
            linked = record.get(spec.target)
            if not linked:
                return None
            # Linked to a record that has no external id (set by hand in Salesforce): show
            # which one, so the difference from the desired parent is readable in reports.
            parent_key = f"salesforce:{linked}"
        return {"ref": str(spec.ref_object), "key": str(parent_key)}
    raw = record.get(spec.target)
    try:
        return spec.normalise(raw)
    except ValueError:
        # Unreadable data must not stop the plan; as text it differs and gets overwritten.
        return None if raw is None else str(raw)


def _encode(value: Wire) -> str:
    if isinstance(value, Decimal):
        return decimal_text(value)
    if isinstance(value, dict):
        return "{" + ",".join(f"{json.dumps(k)}:{_encode(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ",".join(_encode(v) for v in value) + "]"
    return json.dumps(value, ensure_ascii=False)


def dumps(value: Wire) -> str:
    """JSON text with decimals written digit for digit (``json`` would need floats)."""
    return _encode(value)
