"""API usage limits and every injected fault, as the client sees them."""

from __future__ import annotations

import time

import pytest
import requests
from simple_salesforce.exceptions import (
    SalesforceGeneralError,
    SalesforceMalformedRequest,
    SalesforceRefusedRequest,
)

from connector.sandbox.common import FaultKind, FaultRule
from connector.sandbox.salesforce import SalesforceSandbox
from tests.sandbox.salesforce.helpers import SF, body_of, seed_accounts, sub_record

UPSERT_PATH = "composite/sobjects/Subscription__c/Stripe_Subscription_Id__c"


def test_limits_resource(sf: SF, sandbox: SalesforceSandbox) -> None:
    """/limits reports DailyApiRequests Max and Remaining."""
    sf.query("SELECT Id FROM Account")
    limits = sf.limits()
    daily = limits["DailyApiRequests"]
    assert daily["Max"] == sandbox.config.daily_api_limit
    assert daily["Remaining"] == daily["Max"] - 2


def test_limit_info_header_parsed_into_api_usage(sf: SF, sandbox: SalesforceSandbox) -> None:
    """Every answer carries Sforce-Limit-Info, which simple-salesforce exposes as api_usage."""
    sf.query("SELECT Id FROM Account")
    sf.query("SELECT Id FROM Account")
    usage = sf.api_usage["api-usage"]
    assert (usage.used, usage.total) == (2, sandbox.config.daily_api_limit)


def test_daily_limit_exceeded(sf: SF, sandbox: SalesforceSandbox) -> None:
    """Past the daily allowance requests get 403 REQUEST_LIMIT_EXCEEDED."""
    sandbox.state.usage.set_used(sandbox.config.daily_api_limit)
    with pytest.raises(SalesforceRefusedRequest) as info:
        sf.query("SELECT Id FROM Account")
    assert body_of(info.value) == [
        {"message": "TotalRequests Limit exceeded.", "errorCode": "REQUEST_LIMIT_EXCEEDED"}
    ]


@pytest.mark.parametrize(
    ("kind", "message"),
    [
        (
            FaultKind.CONCURRENT_REQUESTS,
            "ConcurrentRequests (Concurrent API Requests) Limit exceeded.",
        ),
        (FaultKind.CONCURRENT_LONG_TXN, "ConcurrentPerOrgLongTxn Limit exceeded."),
        (FaultKind.TOTAL_REQUESTS, "TotalRequests Limit exceeded."),
    ],
)
def test_injected_request_limits(
    sf: SF, sandbox: SalesforceSandbox, kind: FaultKind, message: str
) -> None:
    """Each injected limit is a 403 REQUEST_LIMIT_EXCEEDED with Salesforce's own text."""
    sandbox.injector.add_rule(FaultRule(kind=kind, count=1))
    with pytest.raises(SalesforceRefusedRequest) as info:
        sf.query("SELECT Id FROM Account")
    assert info.value.status == 403
    assert body_of(info.value) == [{"message": message, "errorCode": "REQUEST_LIMIT_EXCEEDED"}]
    assert sf.query("SELECT Id FROM Account")["totalSize"] == 0


def test_injected_500(sf: SF, sandbox: SalesforceSandbox) -> None:
    """An injected 500 is SalesforceGeneralError with an UNKNOWN_EXCEPTION body."""
    sandbox.injector.add_rule(FaultRule(kind=FaultKind.HTTP_500, count=1))
    with pytest.raises(SalesforceGeneralError) as info:
        sf.query("SELECT Id FROM Account")
    assert info.value.status == 500
    assert body_of(info.value)[0]["errorCode"] == "UNKNOWN_EXCEPTION"
    assert sf.query("SELECT Id FROM Account")["totalSize"] == 0


def test_injected_503(sf: SF, sandbox: SalesforceSandbox) -> None:
    """An injected 503 is SalesforceGeneralError with SERVER_UNAVAILABLE and Retry-After."""
    sandbox.injector.add_rule(FaultRule(kind=FaultKind.HTTP_503, count=1, retry_after=3))
    with pytest.raises(SalesforceGeneralError) as info:
        sf.query("SELECT Id FROM Account")
    assert info.value.status == 503
    assert body_of(info.value)[0]["errorCode"] == "SERVER_UNAVAILABLE"


def test_injected_429(sf: SF, sandbox: SalesforceSandbox) -> None:
    """An injected 429 reaches the client as SalesforceGeneralError with status 429."""
    sandbox.injector.add_rule(FaultRule(kind=FaultKind.HTTP_429, count=1))
    with pytest.raises(SalesforceGeneralError) as info:
        sf.query("SELECT Id FROM Account")
    assert info.value.status == 429


def test_injected_connection_reset(sf: SF, sandbox: SalesforceSandbox) -> None:
    """A connection reset surfaces as a requests connection-level error."""
    sandbox.injector.add_rule(FaultRule(kind=FaultKind.CONNECTION_RESET, count=1))
    with pytest.raises(requests.exceptions.RequestException):
        sf.query("SELECT Id FROM Account")


def test_injected_latency(sf: SF, sandbox: SalesforceSandbox) -> None:
    """Injected latency delays the answer."""
    sandbox.injector.add_rule(FaultRule(kind=FaultKind.LATENCY, count=1, latency_ms=300))
    started = time.perf_counter()
    sf.query("SELECT Id FROM Account")
    assert time.perf_counter() - started >= 0.3


def test_lock_row_on_single_update(sf: SF, sandbox: SalesforceSandbox) -> None:
    """LOCK_ROW on a single update answers 400 UNABLE_TO_LOCK_ROW and changes nothing."""
    record_id = sf.Account.create({"Name": "A"})["id"]
    sandbox.injector.add_rule(FaultRule(kind=FaultKind.LOCK_ROW, count=1, method="PATCH"))
    with pytest.raises(SalesforceMalformedRequest) as info:
        sf.Account.update(record_id, {"Name": "B"})
    assert body_of(info.value)[0]["errorCode"] == "UNABLE_TO_LOCK_ROW"
    assert sf.Account.get(record_id)["Name"] == "A"


def test_lock_row_hits_some_collection_records(sf: SF, sandbox: SalesforceSandbox) -> None:
    """LOCK_ROW in a collection fails only the records it hits (here exactly three)."""
    seed_accounts(sandbox)
    sandbox.injector.add_rule(FaultRule(kind=FaultKind.LOCK_ROW, count=3))
    records = [{"attributes": {"type": "Subscription__c"}, **sub_record(i)} for i in range(20)]
    results = sf.restful(UPSERT_PATH, method="PATCH", json={"records": records})
    failed = [r for r in results if not r["success"]]
    assert len(failed) == 3
    assert {r["errors"][0]["statusCode"] for r in failed} == {"UNABLE_TO_LOCK_ROW"}
    assert len(sandbox.state.records("Subscription__c")) == 17


def test_reject_record_with_configured_message(sf: SF, sandbox: SalesforceSandbox) -> None:
    """REJECT_RECORD fails records with FIELD_CUSTOM_VALIDATION_EXCEPTION and its message."""
    seed_accounts(sandbox)
    sandbox.injector.add_rule(
        FaultRule(kind=FaultKind.REJECT_RECORD, rate=0.5, message="MRR must match plan")
    )
    records = [{"attributes": {"type": "Subscription__c"}, **sub_record(i)} for i in range(100)]
    results = sf.restful(UPSERT_PATH, method="PATCH", json={"records": records})
    failed = [r for r in results if not r["success"]]
    assert 20 < len(failed) < 80
    assert failed[0]["errors"][0] == {
        "statusCode": "FIELD_CUSTOM_VALIDATION_EXCEPTION",
        "message": "MRR must match plan",
        "fields": [],
    }


def test_reject_record_on_single_create(sf: SF, sandbox: SalesforceSandbox) -> None:
    """REJECT_RECORD on a single create is a 400 FIELD_CUSTOM_VALIDATION_EXCEPTION."""
    sandbox.injector.add_rule(FaultRule(kind=FaultKind.REJECT_RECORD, count=1))
    with pytest.raises(SalesforceMalformedRequest) as info:
        sf.Account.create({"Name": "A"})
    assert body_of(info.value)[0]["errorCode"] == "FIELD_CUSTOM_VALIDATION_EXCEPTION"


def test_faults_configured_over_admin_endpoint(
    sf: SF, sandbox: SalesforceSandbox, http: requests.Session
) -> None:
    """POST /__sandbox/faults adds a rule the next API call hits."""
    base = f"https://{sf.sf_instance}"
    before = sandbox.injector.injected.get("http_503", 0)
    response = http.post(
        f"{base}/__sandbox/faults",
        json={"kind": "http_503", "count": 1, "path_prefix": "/services/data"},
    )
    assert response.status_code == 200
    with pytest.raises(SalesforceGeneralError):
        sf.query("SELECT Id FROM Account")
    injected = http.get(f"{base}/__sandbox/stats").json()["faults_injected"]
    assert injected["http_503"] == before + 1
