"""POST /composite: several GET subrequests in one call, with Salesforce's limits."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from connector.sandbox.common import FaultKind, FaultRule
from connector.sandbox.salesforce import SalesforceSandbox
from tests.sandbox.salesforce.helpers import SF, seed_accounts

VERSION = "59.0"


def _query(ref: str, soql: str) -> dict[str, Any]:
    return {
        "method": "GET",
        "url": f"/services/data/v{VERSION}/query/?q={quote(soql, safe='')}",
        "referenceId": ref,
    }


def _composite(sf: SF, subrequests: list[dict[str, Any]]) -> Any:
    return sf.restful("composite", method="POST", json={"compositeRequest": subrequests})


def test_queries_are_answered_in_order_and_count_as_one_call(
    sf: SF, sandbox: SalesforceSandbox
) -> None:
    seed_accounts(sandbox, 3)
    used_before = sandbox.state.usage.used
    answer = _composite(
        sf,
        [
            _query("first", "SELECT Stripe_Customer_Id__c FROM Account WHERE Name = 'Customer 0'"),
            _query("rest", "SELECT Id FROM Account WHERE Name != 'Customer 0'"),
        ],
    )
    first, rest = answer["compositeResponse"]
    assert (first["referenceId"], first["httpStatusCode"]) == ("first", 200)
    assert [r["Stripe_Customer_Id__c"] for r in first["body"]["records"]] == ["cus_0"]
    assert (rest["referenceId"], rest["body"]["totalSize"], rest["body"]["done"]) == (
        "rest",
        2,
        True,
    )
    assert sandbox.state.usage.used == used_before + 1
    stats = sandbox.stats.snapshot()
    assert stats["POST composite"] == 1
    assert stats["composite GET query"] == 2


def test_a_failing_subrequest_answers_its_own_error_and_the_others_still_run(sf: SF) -> None:
    answer = _composite(
        sf,
        [
            _query("bad", "SELECT NoSuchField__c FROM Account"),
            _query("good", "SELECT Id FROM Account"),
        ],
    )
    bad, good = answer["compositeResponse"]
    assert bad["httpStatusCode"] == 400
    assert bad["body"][0]["errorCode"] == "INVALID_FIELD"
    assert good["httpStatusCode"] == 200


def test_more_than_25_subrequests_or_5_queries_are_refused_as_salesforce_does(sf: SF) -> None:
    describe = {
        "method": "GET",
        "url": f"/services/data/v{VERSION}/sobjects/Account/describe",
        "referenceId": "d",
    }
    many = [{**describe, "referenceId": f"d{n}"} for n in range(26)]
    (only,) = _composite(sf, many)["compositeResponse"]
    assert only["referenceId"] is None
    assert only["httpStatusCode"] == 400
    assert only["body"][0]["errorCode"] == "LIMIT_EXCEEDED"
    assert "25 operations" in only["body"][0]["message"]

    queries = [_query(f"q{n}", "SELECT Id FROM Account") for n in range(6)]
    (only,) = _composite(sf, queries)["compositeResponse"]
    assert only["body"][0]["errorCode"] == "LIMIT_EXCEEDED"


def test_an_injected_rollback_halts_every_other_subrequest(
    sf: SF, sandbox: SalesforceSandbox
) -> None:
    """composite_rollback: the first subrequest fails, the others answer PROCESSING_HALTED."""
    sandbox.injector.add_rule(FaultRule(kind=FaultKind.COMPOSITE_ROLLBACK, count=1))
    subrequests = [_query(f"q{n}", "SELECT Id FROM Account") for n in range(3)]
    first, *others = _composite(sf, subrequests)["compositeResponse"]
    assert (first["httpStatusCode"], first["body"][0]["errorCode"]) == (400, "UNABLE_TO_LOCK_ROW")
    assert [o["body"][0]["errorCode"] for o in others] == ["PROCESSING_HALTED"] * 2
    assert all(o["httpStatusCode"] == 400 for o in others)
    again = _composite(sf, subrequests)["compositeResponse"]
    assert [a["httpStatusCode"] for a in again] == [200] * 3


def test_write_subrequests_are_not_emulated_and_say_so(sf: SF) -> None:
    write = {
        "method": "POST",
        "url": f"/services/data/v{VERSION}/sobjects/Account",
        "referenceId": "w",
        "body": {"Name": "x"},
    }
    (entry,) = _composite(sf, [write])["compositeResponse"]
    assert entry["httpStatusCode"] == 400
    assert entry["body"][0]["errorCode"] == "NOT_SUPPORTED_BY_SANDBOX"
