"""Each change class reaches both targets, with the right audit events and MRR delta."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal

import pytest

from connector.schema import Subscription, SubscriptionStatus
from connector.store import AuditQuery, utcnow
from tests.conftest import World
from tests.factories import forever_percent, item, paused

FEB = dt.datetime(2026, 2, 1, tzinfo=dt.UTC)
MAR = dt.datetime(2026, 3, 1, tzinfo=dt.UTC)

Change = Callable[[Subscription], Subscription]

SCENARIOS: list[tuple[str, Change, set[str], str, dict[str, object], dict[str, object]]] = [
    # name, change, audit events, MRR delta, Salesforce fields, Odoo fields
    (
        "upgraded",
        lambda s: s.replace(items=(item("enterprise"),)),
        {"upgraded", "plan_changed"},
        "400.00",
        {"Plan__c": "enterprise", "MRR__c": "499"},
        {"description": "enterprise x1 (active)"},
    ),
    (
        "downgraded",
        lambda s: s.replace(items=(item("starter"),)),
        {"downgraded", "plan_changed"},
        "-70.00",
        {"Plan__c": "starter", "MRR__c": "29"},
        {"description": "starter x1 (active)"},
    ),
    (
        "quantity",
        lambda s: s.replace(items=(item("pro", 4),)),
        {"upgraded", "quantity_changed"},
        "297.00",
        {"Quantity__c": 4, "MRR__c": "396"},
        {"description": "pro x4 (active)"},
    ),
    (
        "discount",
        lambda s: s.replace(discounts=(forever_percent("50"),)),
        {"discount_added", "downgraded"},
        "-49.50",
        {"MRR__c": "49.5", "Discount__c": "50% off", "Discount_Percent__c": "50"},
        {},
    ),
    (
        "paused",
        lambda s: paused(s, until=MAR),
        {"paused"},
        "-99.00",
        {"Status__c": "Paused", "MRR__c": "0", "Paused_Until__c": "2026-03-01"},
        {"stage_id": {"lookup": "sale.subscription.stage", "by": "name", "value": "Paused"}},
    ),
    (
        "cancellation scheduled",
        lambda s: s.replace(cancel_at_period_end=True, cancel_at=FEB),
        {"cancellation_scheduled"},
        "0.00",
        {"Cancel_At_Period_End__c": True, "Cancel_At__c": "2026-02-01T00:00:00Z"},
        {"date": "2026-02-01"},
    ),
    (
        "cancelled",
        lambda s: s.replace(status=SubscriptionStatus.CANCELLED, cancelled_at=FEB, ended_at=FEB),
        {"cancelled"},
        "-99.00",
        {"Status__c": "Cancelled", "MRR__c": "0", "Cancelled_At__c": "2026-02-01T00:00:00Z"},
        {"stage_id": {"lookup": "sale.subscription.stage", "by": "name", "value": "Closed"}},
    ),
    (
        "renewed",
        lambda s: s.replace(current_period_start=FEB, current_period_end=MAR),
        {"renewed"},
        "0.00",
        {"Current_Period_End__c": "2026-03-01"},
        {"recurring_next_date": "2026-03-01"},
    ),
]


@pytest.mark.parametrize(
    ("change", "events", "delta", "crm_fields", "erp_fields"),
    [s[1:] for s in SCENARIOS],
    ids=[s[0] for s in SCENARIOS],
)
def test_change_reaches_both_targets_and_is_audited(
    synced_world: World,
    change: Change,
    events: set[str],
    delta: str,
    crm_fields: dict[str, object],
    erp_fields: dict[str, object],
) -> None:
    """A billing change is written to Salesforce and Odoo and audited with its MRR delta."""
    world = synced_world
    key = "sub_00007"
    (before,) = world.source.get([key]).found.values()
    world.source.put(change(before))
    report = world.reconciler.reconcile([key])
    assert report.status == "clean"
    crm = world.crm.records["subscription"][key].fields
    for name, value in crm_fields.items():
        assert crm[name] == value, name
    erp = world.erp.records["subscription"][key].fields
    for name, value in erp_fields.items():
        assert erp[name] == value, name
    (entry,) = world.store.query_audit(AuditQuery(subscription_id=key, run_id=report.run_id))
    assert set(entry.event_types) == events
    assert entry.outcome == "applied"
    assert Decimal(entry.mrr_delta or "0") == Decimal(delta)
    systems = set(entry.detail["targets"])
    assert "salesforce" in systems
    if erp_fields:
        assert "odoo" in systems


def _lifecycle(world: World, key: str, *steps: tuple[Change, str]) -> None:
    for change, expected in steps:
        (current,) = world.source.get([key]).found.values()
        world.source.put(change(current))
        report = world.reconciler.reconcile([key])
        (entry,) = world.store.query_audit(AuditQuery(subscription_id=key, run_id=report.run_id))
        assert expected in entry.event_types, (expected, entry.event_types)


def test_trial_conversion_resume_and_reactivation(synced_world: World) -> None:
    """Trial -> active, pause -> resume and cancel -> reactivate are each named."""
    world = synced_world
    key = "sub_00011"
    _lifecycle(
        world,
        key,
        # A billing change, never a target's drift; no revenue movement name of its own.
        (lambda s: s.replace(status=SubscriptionStatus.TRIALING), "status_changed"),
        (lambda s: s.replace(status=SubscriptionStatus.ACTIVE), "trial_converted"),
        (lambda s: paused(s), "paused"),
        (lambda s: s.replace(status=SubscriptionStatus.ACTIVE, pause=None), "resumed"),
        (lambda s: s.replace(status=SubscriptionStatus.CANCELLED, cancelled_at=FEB), "cancelled"),
        (lambda s: s.replace(status=SubscriptionStatus.ACTIVE, cancelled_at=None), "reactivated"),
    )
    assert world.crm.records["subscription"][key].fields["Status__c"] == "Active"


def test_new_subscription_is_created_in_both_targets(synced_world: World) -> None:
    """A subscription billing just created appears in the CRM and ERP as created."""
    from tests.factories import subscription

    world = synced_world
    world.source.put(subscription(900, created=utcnow()))
    report = world.reconciler.reconcile(["sub_00900"])
    assert report.changes["created"] == 1
    assert "sub_00900" in world.crm.records["subscription"]
    assert "cus_00900" in world.crm.records["account"]
    assert "sub_00900" in world.erp.records["subscription"]
    record = world.crm.records["subscription"]["sub_00900"].fields
    assert record["Account__c"] == {"ref": "account", "key": "cus_00900"}


def test_target_drift_is_corrected_and_audited(synced_world: World) -> None:
    """A hand edit of a billing-owned field is put back and audited as drift corrected."""
    world = synced_world
    world.crm.edit("subscription", "sub_00003", MRR__c="5", Plan__c="free")
    report = world.reconciler.reconcile_all()
    assert report.changes == {"drift_corrected": 1}
    fields = world.crm.records["subscription"]["sub_00003"].fields
    assert (fields["MRR__c"], fields["Plan__c"]) == ("99", "pro")
    (entry,) = world.store.query_audit(AuditQuery(event_type="drift_corrected"))
    diffs = {d["field"]: d for d in entry.detail["targets"]["salesforce"][0]["diffs"]}
    assert diffs["MRR__c"]["before"] == "5"
    assert diffs["MRR__c"]["after"] == "99"
