"""sObject Collections through sf.restful(), with allOrNone semantics."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from simple_salesforce.api import Salesforce
from simple_salesforce.exceptions import SalesforceMalformedRequest

from connector.sandbox.common import RunningServer, SandboxCertificates
from connector.sandbox.salesforce import SalesforceSandbox
from tests.sandbox.salesforce.helpers import (
    SF,
    body_of,
    seed_accounts,
    sub_record,
    trusting_session,
)

UPSERT_PATH = "composite/sobjects/Subscription__c/Stripe_Subscription_Id__c"


def _typed(record: dict[str, Any], type_name: str = "Subscription__c") -> dict[str, Any]:
    return {"attributes": {"type": type_name}, **record}


def _batch(count: int, bad: int | None = None) -> list[dict[str, Any]]:
    records = [_typed(sub_record(i)) for i in range(count)]
    if bad is not None:
        records[bad]["Status__c"] = "Zombie"
    return records


def test_upsert_collection_partial_success(sf: SF, sandbox: SalesforceSandbox) -> None:
    """allOrNone false: one bad record fails, the other 199 land, results in order."""
    seed_accounts(sandbox)
    results = sf.restful(
        UPSERT_PATH, method="PATCH", json={"allOrNone": False, "records": _batch(200, bad=7)}
    )
    assert len(results) == 200
    assert results[7] == {
        "id": None,
        "success": False,
        "errors": [
            {
                "statusCode": "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST",
                "message": "Status: bad value for restricted picklist field: Zombie",
                "fields": ["Status__c"],
            }
        ],
        "created": False,
    }
    assert all(r["success"] and r["created"] for i, r in enumerate(results) if i != 7)
    assert len(sandbox.state.records("Subscription__c")) == 199


def test_upsert_collection_all_or_none_rolls_back(sf: SF, sandbox: SalesforceSandbox) -> None:
    """allOrNone true: nothing lands and the valid records report the rollback."""
    seed_accounts(sandbox)
    results = sf.restful(
        UPSERT_PATH, method="PATCH", json={"allOrNone": True, "records": _batch(10, bad=3)}
    )
    assert results[3]["errors"][0]["statusCode"] == "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST"
    rolled = [r for i, r in enumerate(results) if i != 3]
    assert all(
        r["success"] is False
        and r["errors"][0]["statusCode"] == "ALL_OR_NONE_OPERATION_ROLLED_BACK"
        for r in rolled
    )
    assert sandbox.state.records("Subscription__c") == []


def test_upsert_collection_updates_existing(sf: SF, sandbox: SalesforceSandbox) -> None:
    """A second upsert of the same external ids updates (created false, same ids)."""
    seed_accounts(sandbox)
    first = sf.restful(UPSERT_PATH, method="PATCH", json={"records": _batch(3)})
    changed = _batch(3)
    for record in changed:
        record["Status__c"] = "Paused"
    second = sf.restful(UPSERT_PATH, method="PATCH", json={"records": changed})
    assert [r["id"] for r in first] == [r["id"] for r in second]
    assert [r["created"] for r in second] == [False, False, False]
    statuses = {r["Status__c"] for r in sandbox.state.records("Subscription__c")}
    assert statuses == {"Paused"}


def test_upsert_collection_duplicate_external_ids(sf: SF, sandbox: SalesforceSandbox) -> None:
    """The same external id twice in one request fails both records."""
    seed_accounts(sandbox)
    records = [_typed(sub_record(1)), _typed(sub_record(1)), _typed(sub_record(2))]
    results = sf.restful(UPSERT_PATH, method="PATCH", json={"records": records})
    codes = [r["errors"][0]["statusCode"] if r["errors"] else None for r in results]
    assert codes == ["DUPLICATE_EXTERNAL_ID", "DUPLICATE_EXTERNAL_ID", None]


def test_more_than_200_records_is_refused(sf: SF, sandbox: SalesforceSandbox) -> None:
    """201 records answer 400 EXCEEDED_ID_LIMIT."""
    with pytest.raises(SalesforceMalformedRequest) as info:
        sf.restful(UPSERT_PATH, method="PATCH", json={"records": _batch(201)})
    assert body_of(info.value)[0]["errorCode"] == "EXCEEDED_ID_LIMIT"


def test_create_update_delete_collections(sf: SF, sandbox: SalesforceSandbox) -> None:
    """POST creates, PATCH updates by Id, DELETE ?ids= deletes; each answers per record."""
    created = sf.restful(
        "composite/sobjects",
        method="POST",
        json={
            "allOrNone": False,
            "records": [_typed({"Name": "A"}, "Account"), _typed({"Name": "B"}, "Account")],
        },
    )
    ids = [r["id"] for r in created]
    assert all(r["success"] for r in created)
    assert "created" not in created[0]
    updated = sf.restful(
        "composite/sobjects",
        method="PATCH",
        json={"records": [_typed({"Id": ids[0], "Name": "A2"}, "Account")]},
    )
    assert updated == [{"id": ids[0], "success": True, "errors": []}]
    fetched = sf.restful(
        "composite/sobjects/Account", params={"ids": ",".join(ids), "fields": "Id,Name"}
    )
    assert [r["Name"] for r in fetched] == ["A2", "B"]
    deleted = sf.restful("composite/sobjects", method="DELETE", params={"ids": ",".join(ids)})
    assert [r["success"] for r in deleted] == [True, True]
    again = sf.restful("composite/sobjects", method="DELETE", params={"ids": ids[0]})
    assert again[0]["errors"][0]["statusCode"] == "ENTITY_IS_DELETED"


def test_update_collection_without_id(sf: SF) -> None:
    """A collection update record without Id fails alone with MISSING_ARGUMENT."""
    results = sf.restful(
        "composite/sobjects", method="PATCH", json={"records": [_typed({"Name": "x"}, "Account")]}
    )
    assert results[0]["errors"][0]["statusCode"] == "MISSING_ARGUMENT"


def test_collection_duplicate_unique_value_within_request(sf: SF) -> None:
    """Two creates claiming one unique value: the second is DUPLICATE_VALUE."""
    records = [
        _typed({"Name": "A", "Stripe_Customer_Id__c": "cus_9"}, "Account"),
        _typed({"Name": "B", "Stripe_Customer_Id__c": "cus_9"}, "Account"),
    ]
    results = sf.restful("composite/sobjects", method="POST", json={"records": records})
    assert results[0]["success"] is True
    assert results[1]["errors"][0]["statusCode"] == "DUPLICATE_VALUE"


def test_collection_stats_labels(sf: SF, sandbox: SalesforceSandbox) -> None:
    """Each collection call counts once under its label."""
    seed_accounts(sandbox)
    sf.restful(UPSERT_PATH, method="PATCH", json={"records": _batch(200)})
    sf.query("SELECT Id FROM Subscription__c WHERE Stripe_Subscription_Id__c = 'sub_1'")
    calls = sandbox.stats.snapshot()
    assert calls["PATCH composite/sobjects/upsert"] == 1
    assert calls["GET query"] == 1


def test_concurrent_upserts_stay_consistent(
    sf: SF, sandbox: SalesforceSandbox, certs: SandboxCertificates, server: RunningServer
) -> None:
    """Parallel collection upserts of overlapping keys leave one record per key."""
    seed_accounts(sandbox)
    failures: list[BaseException] = []

    def worker(offset: int) -> None:
        session = trusting_session(certs.ca_cert)
        client = Salesforce(instance_url=server.base_url, session_id=sf.session_id, session=session)
        try:
            for start in range(0, 400, 100):
                records = [
                    _typed(sub_record(i)) for i in range(start + offset, start + offset + 100)
                ]
                client.restful(UPSERT_PATH, method="PATCH", json={"records": records})
        except BaseException as exc:
            failures.append(exc)
        finally:
            session.close()

    threads = [threading.Thread(target=worker, args=(n * 50,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    keys = [r["Stripe_Subscription_Id__c"] for r in sandbox.state.records("Subscription__c")]
    assert len(keys) == len(set(keys)) == 550
