"""End to end against the Salesforce sandbox: updates in place, and batching by 200.

Round trip, idempotence and lost state are in the adapter contract (tests/contract)."""

from __future__ import annotations

from adapters.memory import MemorySource
from adapters.salesforce import SalesforceTarget
from connector.reconciler import Reconciler
from connector.sandbox.salesforce import SalesforceSandbox
from connector.store import SqliteStore
from tests.adapters.salesforce.helpers import write_all
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
    # 250 keys of each object fit one query each: one to plan; the writes of both objects
    # are read back together, their two queries in one Composite call.
    assert target.calls.by_label["read subscription"] == 1
    assert target.calls.by_label["read account+subscription"] == 1
    assert report.verified == 500
    assert report.cost["salesforce"].planned_writes == 4
    # The adapter's own call count is what the org saw (logins are not API requests).
    # (Subrequests are counted again as "composite ...": they are part of their call.)
    api_calls = {
        k: v
        for k, v in sandbox.stats.snapshot().items()
        if "login" not in k and not k.startswith("composite ")
    }
    assert sum(api_calls.values()) == target.calls.total()


def test_several_objects_are_read_in_one_call(
    target: SalesforceTarget, sandbox: SalesforceSandbox
) -> None:
    subs = [subscription(n) for n in range(3)]
    write_all(target, subs)
    wanted = {
        "account": [s.customer.id for s in subs],
        "subscription": [s.id for s in subs] + ["sub_missing"],
    }
    one_by_one = {name: dict(target.read(name, keys)) for name, keys in wanted.items()}
    before = sandbox.stats.snapshot().get("POST composite", 0)
    calls = target.calls.total()
    together = target.read_objects(wanted)
    assert {name: dict(records) for name, records in together.items()} == one_by_one
    assert sorted(together["subscription"]) == [s.id for s in subs]
    assert target.calls.total() == calls + 1
    assert sandbox.stats.snapshot()["POST composite"] == before + 1
