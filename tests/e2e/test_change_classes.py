"""Against the three emulators: each kind of billing change, made through Stripe's API and
picked up from Stripe's events as the daemon does, reaches Salesforce and Odoo and is
audited with the right event types and MRR delta."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest

from connector.reconciler import RunOptions
from connector.report import RunReport
from connector.runtime import Runtime
from connector.sandbox.dataset import make_subscription
from connector.schema import IntervalUnit, SubscriptionStatus
from connector.store import AuditQuery
from tests.e2e.conftest import E2E

SUBSCRIPTIONS = 100
UPGRADE_AMOUNT = Decimal("1234.00")  # per seat and month, above every seeded plan's price


@dataclass(frozen=True)
class Picked:
    """A plain subscription to change: active, monthly, no discount, a two-decimal currency."""

    key: str
    item_id: str  # Stripe's id of its only item
    plan: str
    currency: str
    unit: Decimal
    quantity: int

    @property
    def mrr(self) -> Decimal:
        return self.unit * self.quantity


def pick(e2e: E2E) -> Picked:
    for n in range(1, SUBSCRIPTIONS + 1):
        sub = make_subscription(n)
        if len(sub.items) != 1:
            continue  # a plan with an add-on: the scenarios below price one item
        (item,) = sub.items
        assert item.interval is not None
        if (
            sub.status is SubscriptionStatus.ACTIVE
            and item.interval.unit is IntervalUnit.MONTH
            and item.interval.count == 1
            and not sub.discounts
            and not item.discounts
            and sub.currency != "JPY"
            and item.plan_code != "enterprise"
        ):
            raw = e2e.stripe.get(f"/v1/subscriptions/{sub.id}").json()
            (live,) = raw["items"]["data"]
            assert raw["status"] == "active"
            assert item.unit_amount is not None
            assert live["price"]["unit_amount"] == int(item.unit_amount.amount * 100)
            return Picked(
                sub.id,
                live["id"],
                item.plan_code,
                sub.currency,
                item.unit_amount.amount,
                live["quantity"],
            )
    raise AssertionError("the seeded data set has no plain monthly subscription")


# -- changes through Stripe's API --------------------------------------------------------------


def _update(e2e: E2E, key: str, data: dict[str, str]) -> dict[str, Any]:
    response = e2e.stripe.post(f"/v1/subscriptions/{key}", data=data)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def upgrade(e2e: E2E, sub: Picked) -> None:
    price = e2e.stripe.post(
        "/v1/prices",
        data={
            "product": "prod_enterprise",
            "currency": sub.currency.lower(),
            "unit_amount": str(int(UPGRADE_AMOUNT * 100)),
            "recurring[interval]": "month",
        },
    )
    assert price.status_code == 200, price.text
    _update(e2e, sub.key, {"items[0][id]": sub.item_id, "items[0][price]": price.json()["id"]})


def add_seats(e2e: E2E, sub: Picked) -> None:
    _update(
        e2e, sub.key, {"items[0][id]": sub.item_id, "items[0][quantity]": str(sub.quantity + 3)}
    )


def pause(e2e: E2E, sub: Picked) -> None:
    body = _update(e2e, sub.key, {"pause_collection[behavior]": "void"})
    assert body["pause_collection"]["behavior"] == "void"


def resume(e2e: E2E, sub: Picked) -> None:
    body = _update(e2e, sub.key, {"pause_collection": ""})
    assert body["pause_collection"] is None


def schedule_cancellation(e2e: E2E, sub: Picked) -> None:
    body = _update(e2e, sub.key, {"cancel_at_period_end": "true"})
    assert body["cancel_at"] is not None


def undo_cancellation(e2e: E2E, sub: Picked) -> None:
    body = _update(e2e, sub.key, {"cancel_at_period_end": "false"})
    assert body["cancel_at"] is None


def cancel_now(e2e: E2E, sub: Picked) -> None:
    response = e2e.stripe.delete(f"/v1/subscriptions/{sub.key}")
    assert response.status_code == 200, response.text
    assert response.json()["status"] == "canceled"


Step = Callable[[E2E, Picked], None]
Expect = Callable[[Picked], dict[str, Any]]


@dataclass(frozen=True)
class Scenario:
    steps: tuple[Step, ...]  # each followed by one daemon cycle; the last one is checked
    events: frozenset[str]
    delta: Callable[[Picked], Decimal]
    salesforce: Expect  # Subscription__c fields as Salesforce stores them
    odoo: Expect  # stage, description and lines as Odoo stores them


def _active(sub: Picked, plan: str, unit: Decimal, quantity: int) -> dict[str, Any]:
    return {
        "Status__c": "Active",
        "Plan__c": plan,
        "Quantity__c": quantity,
        "Unit_Price__c": unit,
        "MRR__c": unit * quantity,
        "ARR__c": unit * quantity * 12,
        "CurrencyIsoCode": sub.currency,
        "Cancel_At_Period_End__c": False,
    }


def _odoo(stage: str, plan: str, quantity: int, unit: Decimal, status: str) -> dict[str, Any]:
    return {
        "stage": stage,
        "description": f"{plan} x{quantity} ({status})",
        "lines": [(plan, Decimal(quantity), unit)],
    }


SCENARIOS: dict[str, Scenario] = {
    "upgraded": Scenario(
        (upgrade,),
        frozenset({"upgraded", "plan_changed"}),
        lambda s: (UPGRADE_AMOUNT - s.unit) * s.quantity,
        lambda s: _active(s, "enterprise", UPGRADE_AMOUNT, s.quantity),
        lambda s: _odoo("In progress", "enterprise", s.quantity, UPGRADE_AMOUNT, "active"),
    ),
    "quantity_changed": Scenario(
        (add_seats,),
        frozenset({"quantity_changed", "upgraded"}),
        lambda s: s.unit * 3,
        lambda s: _active(s, s.plan, s.unit, s.quantity + 3),
        lambda s: _odoo("In progress", s.plan, s.quantity + 3, s.unit, "active"),
    ),
    "paused": Scenario(
        (pause,),
        frozenset({"paused"}),
        lambda s: -s.mrr,
        lambda s: {
            **_active(s, s.plan, s.unit, s.quantity),
            "Status__c": "Paused",
            "MRR__c": Decimal(0),
            "ARR__c": Decimal(0),
        },
        lambda s: _odoo("Paused", s.plan, s.quantity, s.unit, "paused"),
    ),
    "resumed": Scenario(
        (pause, resume),
        frozenset({"resumed"}),
        lambda s: s.mrr,
        lambda s: _active(s, s.plan, s.unit, s.quantity),
        lambda s: _odoo("In progress", s.plan, s.quantity, s.unit, "active"),
    ),
    "cancellation_scheduled": Scenario(
        (schedule_cancellation,),
        frozenset({"cancellation_scheduled"}),
        lambda s: Decimal(0),
        lambda s: {
            **_active(s, s.plan, s.unit, s.quantity),
            "Cancel_At_Period_End__c": True,
        },
        lambda s: _odoo("In progress", s.plan, s.quantity, s.unit, "active"),
    ),
    "cancellation_withdrawn": Scenario(
        (schedule_cancellation, undo_cancellation),
        frozenset({"cancellation_withdrawn"}),
        lambda s: Decimal(0),
        lambda s: _active(s, s.plan, s.unit, s.quantity),
        lambda s: _odoo("In progress", s.plan, s.quantity, s.unit, "active"),
    ),
    "cancelled": Scenario(
        (cancel_now,),
        frozenset({"cancelled"}),
        lambda s: -s.mrr,
        lambda s: {
            **_active(s, s.plan, s.unit, s.quantity),
            "Status__c": "Cancelled",
            "MRR__c": Decimal(0),
            "ARR__c": Decimal(0),
        },
        lambda s: _odoo("Closed", s.plan, s.quantity, s.unit, "cancelled"),
    ),
}


# -- reading Salesforce and Odoo directly ------------------------------------------------------


def _comparable(value: Any) -> Any:
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    if isinstance(value, int | float):
        return Decimal(str(value))
    return value


def _moment(epoch: int | None) -> dt.datetime | None:
    return None if epoch is None else dt.datetime.fromtimestamp(epoch, dt.UTC)


def _sf_datetime(moment: dt.datetime | None) -> str | None:
    return None if moment is None else moment.strftime("%Y-%m-%dT%H:%M:%S.000+0000")


def salesforce_subscription(e2e: E2E, key: str) -> dict[str, Any]:
    (record,) = [
        r for r in e2e.sf_records("Subscription__c") if r["Stripe_Subscription_Id__c"] == key
    ]
    return record


def odoo_subscription(e2e: E2E, key: str) -> dict[str, Any]:
    odoo = e2e.odoo()
    record_id = e2e.odoo_ids(odoo, "subscription", [key])[key]
    (header,) = odoo.execute_kw(
        "sale.subscription",
        "read",
        [[record_id]],
        {"fields": ["stage_id", "description", "date", "sale_subscription_line_ids"]},
    )
    lines = odoo.execute_kw(
        "sale.subscription.line",
        "read",
        [header["sale_subscription_line_ids"]],
        {"fields": ["product_id", "product_uom_qty", "price_unit"]},
    )
    products = {
        row["id"]: row["default_code"]
        for row in odoo.execute_kw(
            "product.product",
            "read",
            [sorted({line["product_id"][0] for line in lines})],
            {"fields": ["default_code"]},
        )
    }
    return {
        "stage": header["stage_id"][1],
        "description": header["description"],
        "date": header["date"],
        "lines": [
            (
                products[line["product_id"][0]],
                Decimal(str(line["product_uom_qty"])),
                Decimal(str(line["price_unit"])),
            )
            for line in lines
        ],
    }


# -- the daemon's cycle ------------------------------------------------------------------------


def first_cycle(runtime: Runtime) -> str:
    """No cursor yet: Stripe's feed asks for a full scan and gives the cursor to resume from."""
    (page,) = runtime.source.changed_since(None)
    assert page.full_scan_needed
    assert page.cursor is not None
    report = runtime.reconciler.reconcile_all(RunOptions(kind="full", allow_mass_changes=True))
    assert report.status == "clean", report.summary()
    assert report.planned_writes == 0  # the seed left the targets in line
    return page.cursor


def cycle(runtime: Runtime, cursor: str) -> tuple[list[str], str, RunReport]:
    """Keys changed since ``cursor``, reconciled; the next cursor and the run's report."""
    pages = list(runtime.source.changed_since(cursor))
    assert pages
    assert not any(page.full_scan_needed for page in pages)
    keys = [key for page in pages for key in page.keys]
    report = runtime.reconciler.reconcile(keys, RunOptions(kind="poll"))
    last = pages[-1].cursor
    assert last is not None
    return keys, last, report


@pytest.mark.parametrize("name", list(SCENARIOS))
def test_change_reaches_both_targets_with_audit_events(e2e: E2E, name: str) -> None:
    """A change made in Stripe lands in Salesforce and Odoo, audited with its events and MRR."""
    scenario = SCENARIOS[name]
    e2e.seed(SUBSCRIPTIONS)
    sub = pick(e2e)
    with e2e.runtime() as runtime:
        cursor = first_cycle(runtime)
        for step in scenario.steps:
            step(e2e, sub)
            keys, cursor, report = cycle(runtime, cursor)
            assert set(keys) == {sub.key}
            assert report.status == "clean", report.summary()
        (entry,) = runtime.store.query_audit(
            AuditQuery(subscription_id=sub.key, run_id=report.run_id)
        )
    assert set(entry.event_types) == scenario.events
    assert entry.outcome == "applied"
    assert entry.currency == sub.currency
    assert Decimal(entry.mrr_delta or "nan") == scenario.delta(sub)
    assert set(entry.detail["targets"]) == {"salesforce", "odoo"}

    # Cancellation dates are Stripe's own: cancel_at (the period end once scheduled) and
    # canceled_at (when the cancellation was requested, Stripe sets it on scheduling too).
    stripe = e2e.stripe.get(f"/v1/subscriptions/{sub.key}").json()
    cancel_at, canceled_at = _moment(stripe["cancel_at"]), _moment(stripe["canceled_at"])
    expected_crm = {
        **scenario.salesforce(sub),
        "Cancel_At__c": _sf_datetime(cancel_at),
        "Cancelled_At__c": _sf_datetime(canceled_at),
    }
    expected_erp = {
        **scenario.odoo(sub),
        "date": cancel_at.date().isoformat() if cancel_at else False,
    }
    crm = salesforce_subscription(e2e, sub.key)
    assert {f: _comparable(crm.get(f)) for f in expected_crm} == expected_crm
    assert odoo_subscription(e2e, sub.key) == expected_erp
