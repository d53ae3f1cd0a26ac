"""End to end against the Salesforce sandbox: what is written reads back as rendered."""

from __future__ import annotations

import datetime as dt

from adapters.memory import MemorySource
from adapters.salesforce import SalesforceTarget
from connector.reconciler import Reconciler
from connector.sandbox.salesforce import SalesforceSandbox
from connector.schema import IntervalUnit, Subscription, SubscriptionStatus
from connector.store import SqliteStore
from tests.adapters.salesforce.helpers import MakeTarget, write_all
from tests.factories import customer, forever_percent, item, paused, subscription

T1 = dt.datetime(2026, 3, 1, 12, 30, 15, tzinfo=dt.UTC)


def varied() -> list[Subscription]:
    """Subscriptions exercising every field format of the default mapping."""
    return [
        subscription(1),
        subscription(
            2,
            status=SubscriptionStatus.TRIALING,
            trial_end=dt.datetime(2026, 1, 15, tzinfo=dt.UTC),
            metadata={"renewal_owner": "Ada O'Neil"},
        ),
        subscription(
            3,
            items=(item("enterprise", 7, unit=IntervalUnit.YEAR, amount="499.99"),),
            discounts=(forever_percent("12.5"),),
            cancel_at=T1,
            cancel_at_period_end=True,
        ),
        paused(subscription(4), until=dt.datetime(2026, 4, 1, tzinfo=dt.UTC)),
        subscription(
            5,
            status=SubscriptionStatus.CANCELLED,
            cancelled_at=T1,
            customer=customer(5, name='Quote " and \\ backslash', tax_id=None, email=None),
        ),
        subscription(6, items=(item("starter", 3, unit=IntervalUnit.WEEK, count=2),)),
    ]


def test_written_records_read_back_exactly_as_rendered(target: SalesforceTarget) -> None:
    subs = varied()
    write_all(target, subs)
    for obj in target.mapping.ordered():
        rendered = dict(obj.render(sub) for sub in subs)
        found = target.read(obj.name, list(rendered))
        assert set(found) == set(rendered)
        for key, record in found.items():
            assert obj.normalise(record.fields) == rendered[key], key
            assert record.remote_id
            assert record.modstamp


def test_reconcile_twice_plans_no_writes_the_second_time(
    target: SalesforceTarget, sandbox: SalesforceSandbox
) -> None:
    source = MemorySource(varied())
    rec = Reconciler(source, [target], SqliteStore(":memory:"))
    first = rec.reconcile_all()
    assert first.status == "clean", first.summary()
    assert len(sandbox.state.records("Account")) == 6
    assert len(sandbox.state.records("Subscription__c")) == 6
    second = rec.reconcile_all()
    assert second.status == "clean"
    assert second.cost["salesforce"].writes == 0
    assert second.cost["salesforce"].planned_writes == 0


def test_fresh_store_sees_the_org_already_in_line(make_target: MakeTarget) -> None:
    """Without any stored modstamps the full diff runs, and still finds nothing to write."""
    source = MemorySource(varied())
    Reconciler(source, [make_target()], SqliteStore(":memory:")).reconcile_all()
    again = Reconciler(source, [make_target()], SqliteStore(":memory:")).reconcile_all()
    assert again.cost["salesforce"].writes == 0, again.summary()


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
