"""SOQL subset: parsing, filtering, ordering, paging and Salesforce's query errors."""

from __future__ import annotations

from typing import Any

import pytest
from simple_salesforce.exceptions import SalesforceMalformedRequest
from simple_salesforce.format import format_soql

from connector.sandbox.common import FaultKind, FaultRule
from connector.sandbox.salesforce import SalesforceSandbox
from tests.sandbox.salesforce.helpers import SF, body_of, seed_accounts, sub_record


def _names(result: dict[str, Any]) -> list[str]:
    return [r["Stripe_Subscription_Id__c"] for r in result["records"]]


@pytest.fixture
def subs(sandbox: SalesforceSandbox) -> list[str]:
    """Five subscriptions with varied fields."""
    seed_accounts(sandbox, 2)
    return sandbox.state.load(
        {
            "Subscription__c": [
                sub_record(1, Status__c="Active", MRR__c=10, Start_Date__c="2026-01-01"),
                sub_record(2, Status__c="Past Due", MRR__c=20, Start_Date__c="2026-02-01"),
                sub_record(3, Status__c="Cancelled", MRR__c=None, Plan__c="basic_%"),
                sub_record(
                    4,
                    Status__c="Active",
                    MRR__c=40,
                    Cancel_At__c="2026-03-01T10:00:00Z",
                    Account__r={"Stripe_Customer_Id__c": "cus_1"},
                ),
                sub_record(5, Status__c="Trialing", MRR__c=50, Plan__c=None),
            ]
        }
    )["Subscription__c"]


def test_parent_relationship_fields_are_nested(sf: SF, subs: list[str]) -> None:
    """Account__r.Name and Account__r.Stripe_Customer_Id__c come nested under Account__r."""
    result = sf.query(
        "SELECT Id, Account__r.Name, Account__r.Stripe_Customer_Id__c FROM Subscription__c "
        "WHERE Stripe_Subscription_Id__c = 'sub_4'"
    )
    parent = result["records"][0]["Account__r"]
    assert parent["attributes"]["type"] == "Account"
    assert (parent["Name"], parent["Stripe_Customer_Id__c"]) == ("Customer 1", "cus_1")


def test_filter_on_parent_field(sf: SF, subs: list[str]) -> None:
    """WHERE may use a parent field through the relationship."""
    result = sf.query(
        "SELECT Stripe_Subscription_Id__c FROM Subscription__c "
        "WHERE Account__r.Stripe_Customer_Id__c = 'cus_1'"
    )
    assert _names(result) == ["sub_4"]


def test_empty_lookup_gives_null_parent(sf: SF, sandbox: SalesforceSandbox) -> None:
    """A record without parent shows the relationship as null."""
    sandbox.state.load({"Subscription__c": [{"Stripe_Subscription_Id__c": "sub_x"}]})
    record = sf.query("SELECT Account__r.Name FROM Subscription__c")["records"][0]
    assert record["Account__r"] is None


def test_format_soql_hostile_literals_round_trip(sf: SF) -> None:
    """Quotes, backslashes and newlines escaped by format_soql match the stored value."""
    hostile = "O'Brien \\ \"Ltd\"\n\t%_ '; DROP"
    sf.Account.create({"Name": hostile, "Stripe_Customer_Id__c": "cus_h"})
    sf.Account.create({"Name": "Other"})
    result = sf.query(format_soql("SELECT Name FROM Account WHERE Name = {}", hostile))
    assert [r["Name"] for r in result["records"]] == [hostile]
    like = format_soql("SELECT Name FROM Account WHERE Name LIKE '{:like}%'", "O'Brien \\")
    assert [r["Name"] for r in sf.query(like)["records"]] == [hostile]


def test_in_and_not_in(sf: SF, subs: list[str]) -> None:
    """IN and NOT IN on an external id; NOT IN also keeps records with null."""
    result = sf.query(
        format_soql(
            "SELECT Stripe_Subscription_Id__c FROM Subscription__c "
            "WHERE Stripe_Subscription_Id__c IN {} ORDER BY Stripe_Subscription_Id__c",
            ["sub_1", "SUB_3", "missing"],
        )
    )
    assert _names(result) == ["sub_1", "sub_3"]
    result = sf.query(
        "SELECT Stripe_Subscription_Id__c FROM Subscription__c WHERE Plan__c NOT IN ('pro') "
        "ORDER BY Stripe_Subscription_Id__c"
    )
    assert _names(result) == ["sub_3", "sub_5"]


def test_boolean_logic_with_parentheses(sf: SF, subs: list[str]) -> None:
    """AND / OR / NOT with parentheses combine as written."""
    result = sf.query(
        "SELECT Stripe_Subscription_Id__c FROM Subscription__c WHERE "
        "(Status__c = 'Active' OR Status__c = 'Trialing') AND NOT (MRR__c < 20) "
        "ORDER BY Stripe_Subscription_Id__c"
    )
    assert _names(result) == ["sub_4", "sub_5"]


def test_mixing_and_or_without_parentheses_is_malformed(sf: SF, subs: list[str]) -> None:
    """SOQL has no AND/OR precedence: mixing them unparenthesised is MALFORMED_QUERY."""
    with pytest.raises(SalesforceMalformedRequest) as info:
        sf.query("SELECT Id FROM Subscription__c WHERE MRR__c > 1 AND MRR__c < 5 OR MRR__c = 9")
    assert body_of(info.value)[0]["errorCode"] == "MALFORMED_QUERY"
    assert "unexpected token: OR" in body_of(info.value)[0]["message"]


def test_comparisons_and_null(sf: SF, subs: list[str]) -> None:
    """<, >=, != and = null behave as in SOQL (!= keeps nulls)."""
    base = "SELECT Stripe_Subscription_Id__c FROM Subscription__c WHERE "
    order = " ORDER BY Stripe_Subscription_Id__c"
    assert _names(sf.query(base + "MRR__c >= 20" + order)) == ["sub_2", "sub_4", "sub_5"]
    assert _names(sf.query(base + "MRR__c = null" + order)) == ["sub_3"]
    assert _names(sf.query(base + "MRR__c != 10" + order)) == ["sub_2", "sub_3", "sub_4", "sub_5"]
    assert _names(sf.query(base + "Status__c <> 'active'" + order)) == ["sub_2", "sub_3", "sub_5"]


def test_like_wildcards_and_escapes(sf: SF, subs: list[str]) -> None:
    """LIKE: % any run, _ one char, \\% and \\_ literal; case-insensitive."""
    base = "SELECT Stripe_Subscription_Id__c FROM Subscription__c WHERE "
    assert _names(sf.query(base + "Plan__c LIKE 'BASIC\\_\\%'")) == ["sub_3"]
    assert _names(sf.query(base + "Plan__c LIKE 'b_sic%'")) == ["sub_3"]
    assert _names(sf.query(base + "Plan__c LIKE 'basic\\_x'")) == []


def test_date_and_datetime_literals(sf: SF, subs: list[str]) -> None:
    """Date fields compare with date literals, datetime fields with datetime literals."""
    base = "SELECT Stripe_Subscription_Id__c FROM Subscription__c WHERE "
    assert _names(sf.query(base + "Start_Date__c > 2026-01-15")) == ["sub_2"]
    assert _names(sf.query(base + "Cancel_At__c >= 2026-03-01T11:00:00+01:00")) == ["sub_4"]
    assert _names(sf.query(base + "Cancel_At__c > 2026-03-01T10:00:00.000Z")) == []
    assert sf.query("SELECT COUNT() FROM Account WHERE CreatedDate = TODAY")["totalSize"] == 2


def test_wrong_literal_type_is_refused(sf: SF, subs: list[str]) -> None:
    """A quoted value for a date field is INVALID_QUERY_FILTER_OPERATOR."""
    with pytest.raises(SalesforceMalformedRequest) as info:
        sf.query("SELECT Id FROM Subscription__c WHERE Start_Date__c > '2026-01-01'")
    assert body_of(info.value)[0]["errorCode"] == "INVALID_QUERY_FILTER_OPERATOR"


def test_order_by_limit_offset(sf: SF, subs: list[str]) -> None:
    """ORDER BY DESC NULLS LAST with LIMIT and OFFSET pages through the ordering."""
    query = (
        "SELECT Stripe_Subscription_Id__c FROM Subscription__c "
        "ORDER BY MRR__c DESC NULLS LAST LIMIT 2 OFFSET 1"
    )
    assert _names(sf.query(query)) == ["sub_4", "sub_2"]
    query = "SELECT Stripe_Subscription_Id__c FROM Subscription__c ORDER BY MRR__c ASC"
    assert _names(sf.query(query))[0] == "sub_3"  # ascending puts nulls first


def test_order_by_two_keys(sf: SF, subs: list[str]) -> None:
    """Later ORDER BY keys break ties of earlier ones."""
    query = (
        "SELECT Stripe_Subscription_Id__c FROM Subscription__c ORDER BY Status__c ASC, MRR__c DESC"
    )
    assert _names(sf.query(query)) == ["sub_4", "sub_1", "sub_3", "sub_2", "sub_5"]


def test_count(sf: SF, subs: list[str]) -> None:
    """COUNT() answers totalSize with no records; COUNT(Id) an AggregateResult."""
    result = sf.query("SELECT COUNT() FROM Subscription__c WHERE Status__c = 'Active'")
    assert (result["totalSize"], result["records"]) == (2, [])
    result = sf.query("SELECT COUNT(Id) n FROM Subscription__c")
    assert result["records"][0]["n"] == 5


def test_query_all_pages_past_2000_rows(sf: SF, sandbox: SalesforceSandbox) -> None:
    """query_all follows nextRecordsUrl (2,000 rows per batch) to every row."""
    seed_accounts(sandbox)
    sandbox.state.load({"Subscription__c": [sub_record(i) for i in range(4500)]})
    first = sf.query("SELECT Id FROM Subscription__c")
    assert (first["totalSize"], first["done"], len(first["records"])) == (4500, False, 2000)
    assert first["nextRecordsUrl"].startswith("/services/data/v59.0/query/01g")
    assert first["nextRecordsUrl"].endswith("-2000")
    every = sf.query_all("SELECT Id, Stripe_Subscription_Id__c FROM Subscription__c")
    assert every["totalSize"] == 4500
    assert len({r["Id"] for r in every["records"]}) == 4500
    assert sandbox.stats.snapshot()["GET query/more"] == 2


def test_batch_size_header(sf: SF, sandbox: SalesforceSandbox) -> None:
    """Sforce-Query-Options: batchSize=500 pages by 500."""
    seed_accounts(sandbox)
    sandbox.state.load({"Subscription__c": [sub_record(i) for i in range(600)]})
    result = sf.query(
        "SELECT Id FROM Subscription__c", headers={"Sforce-Query-Options": "batchSize=500"}
    )
    assert len(result["records"]) == 500
    assert result["nextRecordsUrl"].endswith("-500")


def test_invalid_query_locator(sf: SF) -> None:
    """An unknown locator answers INVALID_QUERY_LOCATOR."""
    with pytest.raises(SalesforceMalformedRequest) as info:
        sf.query_more("01g5g0000000000AAA-2000")
    assert body_of(info.value)[0]["errorCode"] == "INVALID_QUERY_LOCATOR"


def test_injected_cursor_expiry(sf: SF, sandbox: SalesforceSandbox) -> None:
    """The expired_query_locator fault drops the cursor: its next page is refused for good."""
    seed_accounts(sandbox)
    sandbox.state.load({"Subscription__c": [sub_record(i) for i in range(600)]})
    first = sf.query(
        "SELECT Id FROM Subscription__c", headers={"Sforce-Query-Options": "batchSize=200"}
    )
    sandbox.injector.add_rule(FaultRule(kind=FaultKind.EXPIRED_QUERY_LOCATOR, count=1))
    for _ in range(2):  # gone, not a one-off refusal
        with pytest.raises(SalesforceMalformedRequest) as info:
            sf.query_more(first["nextRecordsUrl"], identifier_is_url=True)
        assert body_of(info.value)[0]["errorCode"] == "INVALID_QUERY_LOCATOR"


def test_malformed_query(sf: SF) -> None:
    """Broken SOQL is 400 MALFORMED_QUERY with Salesforce's Row/Column pointer."""
    with pytest.raises(SalesforceMalformedRequest) as info:
        sf.query("SELECT Id FROM Account WHERE")
    error = body_of(info.value)[0]
    assert error["errorCode"] == "MALFORMED_QUERY"
    assert "ERROR at Row:1:Column:29" in error["message"]
    assert error["message"].endswith("unexpected token: <EOF>")


def test_unknown_field_in_query(sf: SF) -> None:
    """An unknown column is INVALID_FIELD naming the entity."""
    with pytest.raises(SalesforceMalformedRequest) as info:
        sf.query("SELECT Id, Colour__c FROM Account")
    error = body_of(info.value)[0]
    assert error["errorCode"] == "INVALID_FIELD"
    assert "No such column 'Colour__c' on entity 'Account'" in error["message"]


def test_unknown_object_in_query(sf: SF) -> None:
    """An unknown object is INVALID_TYPE."""
    with pytest.raises(SalesforceMalformedRequest) as info:
        sf.query("SELECT Id FROM Invoice__c")
    assert body_of(info.value)[0]["errorCode"] == "INVALID_TYPE"


def test_unknown_relationship_in_query(sf: SF) -> None:
    """An unknown relationship name is INVALID_FIELD "Didn't understand relationship"."""
    with pytest.raises(SalesforceMalformedRequest) as info:
        sf.query("SELECT Owner__r.Name FROM Subscription__c")
    assert "Didn't understand relationship 'Owner__r'" in body_of(info.value)[0]["message"]


def test_id_equality_and_in_accept_15_char_ids(sf: SF, subs: list[str]) -> None:
    """Id = / IN match with 15- or 18-char ids (answered from the Id index)."""
    result = sf.query(
        format_soql(
            "SELECT Stripe_Subscription_Id__c FROM Subscription__c WHERE Id IN {}",
            [subs[0][:15], subs[2]],
        )
    )
    assert sorted(_names(result)) == ["sub_1", "sub_3"]
    result = sf.query(format_soql("SELECT Id FROM Subscription__c WHERE Id = {}", subs[1][:15]))
    assert [r["Id"] for r in result["records"]] == [subs[1]]


def test_invalid_id_literal(sf: SF) -> None:
    """A malformed id literal is refused with INVALID_QUERY_FILTER_OPERATOR."""
    with pytest.raises(SalesforceMalformedRequest) as info:
        sf.query("SELECT Id FROM Account WHERE Id = 'nope'")
    assert body_of(info.value)[0]["errorCode"] == "INVALID_QUERY_FILTER_OPERATOR"


def test_uri_longer_than_16384_bytes_is_414(sf: SF) -> None:
    """A query URL over 16,384 bytes answers 414 URI Too Long, as Salesforce does."""
    from simple_salesforce.exceptions import SalesforceGeneralError

    keys = [f"sub_{i:020d}" for i in range(700)]
    with pytest.raises(SalesforceGeneralError) as info:
        sf.query(format_soql("SELECT Id FROM Subscription__c WHERE Id__c IN {}", keys))
    assert info.value.status == 414
