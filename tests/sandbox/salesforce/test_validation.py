"""Writes that break the schema fail with Salesforce's error codes and body shape."""

from __future__ import annotations

import pytest
from simple_salesforce.exceptions import (
    SalesforceMalformedRequest,
    SalesforceResourceNotFound,
)

from connector.sandbox.salesforce import SalesforceSandbox
from tests.sandbox.salesforce.helpers import SF, body_of, seed_accounts


def _error(exc: pytest.ExceptionInfo[SalesforceMalformedRequest]) -> dict[str, object]:
    content = body_of(exc.value)
    assert isinstance(content, list)
    assert len(content) >= 1
    error: dict[str, object] = content[0]
    return error


def test_restricted_picklist(sf: SF) -> None:
    """A value outside a restricted picklist is INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST."""
    with pytest.raises(SalesforceMalformedRequest) as info:
        sf.Subscription__c.create({"Status__c": "Zombie"})
    assert _error(info) == {
        "message": "Status: bad value for restricted picklist field: Zombie",
        "errorCode": "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST",
        "fields": ["Status__c"],
    }


def test_required_field_missing(sf: SF) -> None:
    """An Account without Name is REQUIRED_FIELD_MISSING listing the field."""
    with pytest.raises(SalesforceMalformedRequest) as info:
        sf.Account.create({"BillingCountry": "FR"})
    assert _error(info) == {
        "message": "Required fields are missing: [Name]",
        "errorCode": "REQUIRED_FIELD_MISSING",
        "fields": ["Name"],
    }


def test_required_field_set_to_null_on_update(sf: SF) -> None:
    """Clearing a required field on update is REQUIRED_FIELD_MISSING too."""
    record_id = sf.Account.create({"Name": "A"})["id"]
    with pytest.raises(SalesforceMalformedRequest) as info:
        sf.Account.update(record_id, {"Name": None})
    assert _error(info)["errorCode"] == "REQUIRED_FIELD_MISSING"


def test_string_too_long(sf: SF) -> None:
    """Plan__c is string(80): 81 characters is STRING_TOO_LONG."""
    with pytest.raises(SalesforceMalformedRequest) as info:
        sf.Subscription__c.create({"Plan__c": "p" * 81})
    error = _error(info)
    assert error["errorCode"] == "STRING_TOO_LONG"
    assert error["fields"] == ["Plan__c"]
    assert "max length=80" in str(error["message"])


def test_duplicate_value(sf: SF) -> None:
    """A second record with the same unique external id is DUPLICATE_VALUE."""
    first = sf.Account.create({"Name": "A", "Stripe_Customer_Id__c": "cus_1"})["id"]
    with pytest.raises(SalesforceMalformedRequest) as info:
        sf.Account.create({"Name": "B", "Stripe_Customer_Id__c": "CUS_1"})
    error = _error(info)
    assert error["errorCode"] == "DUPLICATE_VALUE"
    assert str(error["message"]).endswith(f"duplicates value on record with id: {first}")


def test_unknown_field(sf: SF) -> None:
    """An unknown field name is INVALID_FIELD "No such column"."""
    with pytest.raises(SalesforceMalformedRequest) as info:
        sf.Account.create({"Name": "A", "Colour__c": "blue"})
    assert body_of(info.value) == [
        {
            "message": "No such column 'Colour__c' on sobject of type Account",
            "errorCode": "INVALID_FIELD",
        }
    ]


def test_wrong_type(sf: SF) -> None:
    """A non-numeric Quantity__c is INVALID_TYPE_ON_FIELD_IN_RECORD."""
    with pytest.raises(SalesforceMalformedRequest) as info:
        sf.Subscription__c.create({"Quantity__c": "lots"})
    assert _error(info) == {
        "message": "Quantity: value not of required type: lots",
        "errorCode": "INVALID_TYPE_ON_FIELD_IN_RECORD",
        "fields": ["Quantity__c"],
    }


def test_bad_date(sf: SF) -> None:
    """A date that is not YYYY-MM-DD is INVALID_TYPE_ON_FIELD_IN_RECORD."""
    with pytest.raises(SalesforceMalformedRequest) as info:
        sf.Subscription__c.create({"Trial_End__c": "next week"})
    assert _error(info)["errorCode"] == "INVALID_TYPE_ON_FIELD_IN_RECORD"


def test_update_of_missing_record(sf: SF) -> None:
    """Updating an id that names no record is 404 NOT_FOUND."""
    with pytest.raises(SalesforceResourceNotFound) as info:
        sf.Account.update("001000000000000AAA", {"Name": "x"})
    assert body_of(info.value)[0]["errorCode"] == "NOT_FOUND"


def test_malformed_lookup_id(sf: SF) -> None:
    """A lookup value that is not an id is MALFORMED_ID."""
    with pytest.raises(SalesforceMalformedRequest) as info:
        sf.Subscription__c.create({"Account__c": "not-an-id"})
    assert _error(info)["errorCode"] == "MALFORMED_ID"
    assert _error(info)["fields"] == ["Account__c"]


def test_read_only_field(sf: SF) -> None:
    """Setting CreatedDate is INVALID_FIELD_FOR_INSERT_UPDATE."""
    with pytest.raises(SalesforceMalformedRequest) as info:
        sf.Account.create({"Name": "A", "CreatedDate": "2020-01-01T00:00:00Z"})
    error = _error(info)
    assert error["errorCode"] == "INVALID_FIELD_FOR_INSERT_UPDATE"
    assert error["fields"] == ["CreatedDate"]


def test_values_are_normalised(sf: SF, sandbox: SalesforceSandbox) -> None:
    """Datetimes come back in UTC with milliseconds, numbers rounded to their scale."""
    seed_accounts(sandbox)
    record_id = sf.Subscription__c.create(
        {
            "Cancel_At__c": "2026-01-05T12:00:00+02:00",
            "MRR__c": 10.4567,
            "Start_Date__c": "2026-01-05",
        }
    )["id"]
    record = sf.Subscription__c.get(record_id)
    assert record["Cancel_At__c"] == "2026-01-05T10:00:00.000+0000"
    assert record["MRR__c"] == 10.457  # the field keeps three decimals
    assert record["Start_Date__c"] == "2026-01-05"
    assert record["Cancel_At_Period_End__c"] is False
    assert record["CurrencyIsoCode"] == "EUR"
