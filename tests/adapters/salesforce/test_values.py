"""Normalised values <-> Salesforce JSON, without a network."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from adapters.salesforce.values import (
    Link,
    ValueConversionError,
    Wire,
    dumps,
    field_from_wire,
    field_to_wire,
    scalar_to_wire,
)
from connector.mapping import CompiledMapping, FieldFormat

ACCOUNT_LINK = Link("Account__r", "Stripe_Customer_Id__c")


@pytest.mark.parametrize(
    ("fmt", "value", "wire"),
    [
        (FieldFormat.DECIMAL, "12.5", Decimal("12.5")),
        (FieldFormat.DECIMAL, "-0.01", Decimal("-0.01")),
        (FieldFormat.DECIMAL, 7, Decimal(7)),
        (FieldFormat.INTEGER, 3, 3),
        (FieldFormat.INTEGER, "4", 4),
        (FieldFormat.MINOR_UNITS, "1299", 1299),
        (FieldFormat.EPOCH, 1767225600, 1767225600),
        (FieldFormat.BOOLEAN, True, True),
        (FieldFormat.BOOLEAN, "false", False),
        (FieldFormat.DATE, "2026-01-05", "2026-01-05"),
        (FieldFormat.DATETIME, "2026-01-05T10:00:00Z", "2026-01-05T10:00:00Z"),
        (FieldFormat.STRING, "Past Due", "Past Due"),
        (FieldFormat.STRING, 42, "42"),
        (FieldFormat.DECIMAL, None, None),
        (FieldFormat.STRING, None, None),
    ],
)
def test_scalars_become_rest_api_values(fmt: FieldFormat, value: object, wire: object) -> None:
    converted = scalar_to_wire("F__c", fmt, value)  # type: ignore[arg-type]
    assert converted == wire
    assert type(converted) is type(wire)


@pytest.mark.parametrize(
    ("fmt", "value"),
    [
        (FieldFormat.DECIMAL, "twelve"),
        (FieldFormat.DECIMAL, "NaN"),
        (FieldFormat.DECIMAL, True),
        (FieldFormat.INTEGER, "1.5"),
        (FieldFormat.BOOLEAN, "yes"),
        (FieldFormat.STRING, {"a": 1}),
    ],
)
def test_unconvertible_values_name_the_field(fmt: FieldFormat, value: object) -> None:
    with pytest.raises(ValueConversionError) as info:
        scalar_to_wire("Amount__c", fmt, value)  # type: ignore[arg-type]
    assert info.value.field == "Amount__c"


def test_decimals_are_serialised_digit_for_digit() -> None:
    """No float on the way: 17 significant digits and 0.1-style values stay exact."""
    body: Wire = {"a": Decimal("12345678901234567.89"), "b": Decimal("0.1"), "c": [Decimal("-3")]}
    text = dumps(body)
    assert text == '{"a":12345678901234567.89,"b":0.1,"c":[-3]}'
    assert json.loads(text, parse_float=Decimal)["a"] == Decimal("12345678901234567.89")


def test_dumps_escapes_strings_like_json() -> None:
    hostile = 'quote " backslash \\ newline \n unicode é'
    assert json.loads(dumps({"k": hostile, "n": None, "t": True})) == {
        "k": hostile,
        "n": None,
        "t": True,
    }


def test_reference_written_by_external_id(mappings: dict[str, CompiledMapping]) -> None:
    spec = mappings["salesforce"].objects["subscription"].field("Account__c")
    assert field_to_wire(spec, {"ref": "account", "key": "cus_1"}, ACCOUNT_LINK) == {
        "Account__r": {"Stripe_Customer_Id__c": "cus_1"}
    }
    # Clearing the reference nulls the lookup field itself.
    assert field_to_wire(spec, None, ACCOUNT_LINK) == {"Account__c": None}
    with pytest.raises(ValueConversionError):
        field_to_wire(spec, {"ref": "account", "key": ""}, ACCOUNT_LINK)


def test_reference_read_through_the_relationship(mappings: dict[str, CompiledMapping]) -> None:
    spec = mappings["salesforce"].objects["subscription"].field("Account__c")
    row = {
        "Account__c": "001000000000001AAA",
        "Account__r": {"attributes": {"type": "Account"}, "Stripe_Customer_Id__c": "cus_1"},
    }
    assert field_from_wire(spec, row, ACCOUNT_LINK) == {"ref": "account", "key": "cus_1"}
    assert field_from_wire(spec, {"Account__c": None, "Account__r": None}, ACCOUNT_LINK) is None
    # Linked by hand to an account without a Stripe id: a readable, different value.
    unkeyed = {"Account__c": "001000000000009AAA", "Account__r": {"Stripe_Customer_Id__c": None}}
    assert field_from_wire(spec, unkeyed, ACCOUNT_LINK) == {
        "ref": "account",
        "key": "salesforce:001000000000009AAA",
    }


def test_values_read_back_normalised(mappings: dict[str, CompiledMapping]) -> None:
    obj = mappings["salesforce"].objects["subscription"]
    row = {
        "MRR__c": Decimal("99.00"),
        "Quantity__c": Decimal("3.0"),
        "Cancel_At__c": "2026-03-01T00:00:00.000+0000",
        "Start_Date__c": "2026-01-01",
        "Cancel_At_Period_End__c": False,
        "Plan__c": "pro",
    }
    read = {name: field_from_wire(obj.field(name), row, None) for name in row}
    assert read == {
        "MRR__c": "99",
        "Quantity__c": 3,
        "Cancel_At__c": "2026-03-01T00:00:00Z",
        "Start_Date__c": "2026-01-01",
        "Cancel_At_Period_End__c": False,
        "Plan__c": "pro",
    }


def test_unreadable_target_value_is_kept_as_text(mappings: dict[str, CompiledMapping]) -> None:
    spec = mappings["salesforce"].objects["subscription"].field("MRR__c")
    assert field_from_wire(spec, {"MRR__c": "n/a"}, None) == "n/a"
