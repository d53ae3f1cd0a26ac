"""The SOQL engine without HTTP: index plans agree with full scans; parser details."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from simple_salesforce.format import format_soql

from connector.sandbox.salesforce import SalesforceSandbox
from connector.sandbox.salesforce.soql_eval import QueryError, compile_query, execute
from connector.sandbox.salesforce.soql_lexer import decode_string
from tests.sandbox.salesforce.helpers import seed_accounts, sub_record

QUERIES = [
    "SELECT Id FROM Subscription__c WHERE Stripe_Subscription_Id__c = 'SUB_7'",
    "SELECT Id FROM Subscription__c WHERE Stripe_Subscription_Id__c IN ('sub_1','sub_2','x')",
    "SELECT Id FROM Subscription__c WHERE Stripe_Subscription_Id__c IN ('sub_3') "
    "AND Status__c = 'Paused'",
    "SELECT Id FROM Subscription__c WHERE Status__c = 'Active' AND "
    "Stripe_Subscription_Id__c IN ('sub_4','sub_5','sub_6') ORDER BY MRR__c DESC LIMIT 2",
    "SELECT Id FROM Account WHERE Stripe_Customer_Id__c IN ('cus_0','CUS_1')",
]


def test_index_plan_agrees_with_full_scan(sandbox: SalesforceSandbox) -> None:
    """Every indexed query returns exactly what scanning every record returns."""
    state = sandbox.state
    seed_accounts(sandbox, 2)
    state.load(
        {
            "Subscription__c": [
                sub_record(i, Status__c="Paused" if i % 3 else "Active", MRR__c=i)
                for i in range(300)
            ]
        }
    )
    for text in QUERIES:
        compiled = compile_query(text, state.schema, state.store)
        assert compiled.index_plan is not None, text
        indexed = [r["Id"] for r in execute(compiled, state.store, False)]
        compiled.index_plan = None
        scanned = [r["Id"] for r in execute(compiled, state.store, False)]
        assert indexed == scanned, text


def test_keywords_are_case_insensitive(sandbox: SalesforceSandbox) -> None:
    """select/from/where/order by may be written in any case, as may field names."""
    state = sandbox.state
    seed_accounts(sandbox, 3)
    compiled = compile_query(
        "select name from ACCOUNT where stripe_customer_id__c != 'cus_1' order by NAME desc",
        state.schema,
        state.store,
    )
    rows = execute(compiled, state.store, False)
    assert [r["Name"] for r in rows] == ["Customer 2", "Customer 0"]


def test_string_escapes_decode() -> None:
    """SOQL escapes \\' \\" \\\\ \\n \\t decode to their characters."""
    assert decode_string("a\\'b\\\"c\\\\d\\ne\\tf", 0) == "a'b\"c\\d\ne\tf"


def test_unknown_escape_is_malformed(sandbox: SalesforceSandbox) -> None:
    """An unknown escape such as \\q is MALFORMED_QUERY."""
    state = sandbox.state
    with pytest.raises(QueryError) as info:
        compile_query("SELECT Id FROM Account WHERE Name = 'a\\qb'", state.schema, state.store)
    assert info.value.code == "MALFORMED_QUERY"


def test_offset_above_2000_is_refused(sandbox: SalesforceSandbox) -> None:
    """OFFSET beyond 2,000 is NUMBER_OUTSIDE_VALID_RANGE."""
    state = sandbox.state
    with pytest.raises(QueryError) as info:
        compile_query("SELECT Id FROM Account LIMIT 5 OFFSET 2001", state.schema, state.store)
    assert info.value.code == "NUMBER_OUTSIDE_VALID_RANGE"


def test_unterminated_string(sandbox: SalesforceSandbox) -> None:
    """An unterminated string literal is MALFORMED_QUERY."""
    state = sandbox.state
    with pytest.raises(QueryError) as info:
        compile_query("SELECT Id FROM Account WHERE Name = 'abc", state.schema, state.store)
    assert info.value.code == "MALFORMED_QUERY"


def test_boolean_null_means_false(sandbox: SalesforceSandbox) -> None:
    """A boolean compared with null behaves as false, as the SOQL reference says."""
    state = sandbox.state
    seed_accounts(sandbox)
    state.load({"Subscription__c": [sub_record(1), sub_record(2, Cancel_At_Period_End__c=True)]})
    compiled = compile_query(
        "SELECT Stripe_Subscription_Id__c FROM Subscription__c "
        "WHERE Cancel_At_Period_End__c = null",
        state.schema,
        state.store,
    )
    rows = execute(compiled, state.store, False)
    assert [r["Stripe_Subscription_Id__c"] for r in rows] == ["sub_1"]


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(value=st.text(alphabet=st.characters(exclude_categories=["Cs"]), min_size=1, max_size=40))
def test_format_soql_round_trips_any_text(sandbox: SalesforceSandbox, value: str) -> None:
    """Any string quoted by format_soql finds exactly the record holding it."""
    state = sandbox.state
    state.reset()
    state.load({"Account": [{"Name": value[:255]}, {"Name": "decoy"}]})
    text = format_soql("SELECT Name FROM Account WHERE Name = {}", value[:255])
    rows = execute(compile_query(text, state.schema, state.store), state.store, False)
    names = [r["Name"] for r in rows]
    assert value[:255] in names
    assert all(n.lower() == value[:255].lower() for n in names)
