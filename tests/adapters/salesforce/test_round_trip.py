"""End to end against the Salesforce sandbox: updates in place, and batching by 200.

Round trip, idempotence and lost state are in the adapter contract (tests/contract)."""

from __future__ import annotations

from adapters.memory import MemorySource
from adapters.salesforce import SalesforceTarget
from connector.reconciler import Reconciler
from connector.sandbox.salesforce import SalesforceSandbox
from connector.store import SqliteStore
from tests.factories import item, subscription


def test_billing_change_updates_in_place(
    target: SalesforceTarget, sandbox: SalesforceSandbox
) -> None:
    source = MemorySource([subscription(1)])
    rec = Reconciler(source, [target], SqliteStore(":memory:"))
    rec.reconcile_all()
    source.put(subscription(1, items=(item("pro", 5),)))
    report = rec.reconcile(["sub_00001"])
    assert report.status == "clean"
    rows = sandbox.state.records("Subscription__c")
    assert len(rows) == 1
    assert rows[0]["Quantity__c"] == 5


def test_250_records_take_two_write_calls_per_object(
    target: SalesforceTarget, sandbox: SalesforceSandbox
) -> None:
    subs = [subscription(n) for n in range(250)]
    rec = Reconciler(MemorySource(subs), [target], SqliteStore(":memory:"))
    report = rec.reconcile_all()
    assert report.status == "clean", report.summary()
    assert target.calls.by_label["write account"] == 2
    assert target.calls.by_label["write subscription"] == 2
    assert sandbox.stats.snapshot()["PATCH composite/sobjects/upsert"] == 4
    assert len(sandbox.state.records("Subscription__c")) == 250
    # 250 keys of each object fit one query each: one to plan, one to read the writes back.
    assert target.calls.by_label["read subscription"] == 2
    assert report.verified == 500
    assert report.cost["salesforce"].planned_writes == 4
    # The adapter's own call count is what the org saw (logins are not API requests).
    api_calls = {k: v for k, v in sandbox.stats.snapshot().items() if "login" not in k}
    assert sum(api_calls.values()) == target.calls.total()
