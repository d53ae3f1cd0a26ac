"""The safety valve, vanished subscriptions, and owner/non-owner conflicts."""

from __future__ import annotations

import pytest

from connector.exit_codes import ExitCode
from connector.mapping import CompiledMapping
from connector.reconciler import RunOptions
from connector.safety import SafetySettings
from connector.schema import SubscriptionStatus
from connector.store import AuditQuery, StateStore
from tests.conftest import World, make_world


def test_safety_valve_stops_a_mass_cancellation(world: World) -> None:
    """Billing suddenly saying half the base is cancelled stops the run before any write."""
    world.reconciler.reconcile_all()
    for key in world.source.ids()[:25]:
        (sub,) = world.source.get([key]).found.values()
        world.source.put(sub.replace(status=SubscriptionStatus.CANCELLED))
    writes_before = world.crm.calls.writes
    report = world.reconciler.reconcile_all()
    assert report.status == "stopped_by_safety_valve"
    assert report.exit_code is ExitCode.SAFETY_VALVE
    assert report.verdict is not None
    assert report.verdict.cancels == 25
    assert "would cancel 25 of 40" in report.verdict.reasons[0]
    assert world.crm.calls.writes == writes_before
    assert all(
        r.fields["Status__c"] == "Active" for r in world.crm.records["subscription"].values()
    )
    forced = world.reconciler.reconcile_all(RunOptions(kind="full", allow_mass_changes=True))
    assert forced.status == "clean"
    cancelled = [
        r
        for r in world.crm.records["subscription"].values()
        if r.fields["Status__c"] == "Cancelled"
    ]
    assert len(cancelled) == 25


def test_empty_source_does_not_wipe_the_crm(world: World) -> None:
    """An empty billing export trips the valve instead of cancelling everything."""
    world.reconciler.reconcile_all()
    for key in world.source.ids():
        world.source.delete(key)
    report = world.reconciler.reconcile_all()
    assert report.status == "stopped_by_safety_valve"
    assert report.verdict is not None
    assert report.verdict.cancels == 40


def test_vanished_subscription_is_marked_cancelled(world: World) -> None:
    """A subscription deleted from billing is cancelled in the targets, and audited."""
    world.reconciler.reconcile_all()
    world.source.delete("sub_00009")
    report = world.reconciler.reconcile_all()
    assert report.changes["cancelled"] == 1
    assert world.crm.records["subscription"]["sub_00009"].fields["Status__c"] == "Cancelled"
    (entry,) = world.store.query_audit(
        AuditQuery(subscription_id="sub_00009", event_type="cancelled")
    )
    assert entry.detail["source_missing"] is True
    assert world.reconciler.reconcile_all().planned_writes == 0


def test_valve_ignores_small_runs(mappings: dict[str, CompiledMapping], store: StateStore) -> None:
    """Cancelling the only subscription a webhook names is not a mass change."""
    world = make_world(mappings, store, count=3, safety=SafetySettings(min_affected=5))
    world.reconciler.reconcile_all()
    (sub,) = world.source.get(["sub_00001"]).found.values()
    world.source.put(sub.replace(status=SubscriptionStatus.CANCELLED))
    assert world.reconciler.reconcile(["sub_00001"]).status == "clean"


def test_small_runs_do_not_count_the_book(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    """A webhook's run of a few keys cannot trip the valve: the store's population (a count
    over every known subscription) is not read for it; a run that could trip reads it."""
    world.reconciler.reconcile_all()
    world.reconciler.reconcile_all()  # from here on the ledger is known to be open
    counted: list[int] = []
    count_known = world.store.count_known

    def counting() -> int:
        counted.append(1)
        return count_known()

    monkeypatch.setattr(world.store, "count_known", counting)
    (sub,) = world.source.get(["sub_00001"]).found.values()
    world.source.put(sub.replace(status=SubscriptionStatus.CANCELLED))
    assert world.reconciler.reconcile(["sub_00001"]).status == "clean"
    assert counted == []
    for key in world.source.ids()[1:25]:
        (sub,) = world.source.get([key]).found.values()
        world.source.put(sub.replace(status=SubscriptionStatus.CANCELLED))
    assert world.reconciler.reconcile_all().status == "stopped_by_safety_valve"
    assert counted


def test_conflict_resolved_by_ownership_and_audited(world: World) -> None:
    """Billing and a CRM user both changed fields: each resolves as the mapping says."""
    world.reconciler.reconcile_all()
    key = "sub_00021"
    (sub,) = world.source.get([key]).found.values()
    # Billing changes the plan and the renewal owner; a sales rep edited both in Salesforce,
    # and renamed the account (a field the CRM owns).
    world.source.put(
        sub.replace(
            metadata={"renewal_owner": "finance-bot"},
            customer=sub.customer.replace(name="Customer 21 GmbH"),
            items=(sub.items[0].replace(quantity=2),),
        )
    )
    world.crm.edit("subscription", key, Renewal_Owner__c="alice", Quantity__c=9)
    world.crm.edit("account", "cus_00021", Name="Customer 21 (strategic)")
    report = world.reconciler.reconcile([key])
    record = world.crm.records["subscription"][key].fields
    assert record["Quantity__c"] == 2  # billing owns quantity: billing wins
    assert record["Renewal_Owner__c"] == "alice"  # report-only: left for a person
    assert world.crm.records["account"]["cus_00021"].fields["Name"] == "Customer 21 (strategic)"
    assert report.conflicts >= 1
    (entry,) = world.store.query_audit(AuditQuery(subscription_id=key, run_id=report.run_id))
    diffs = {
        d["field"]: d for r in entry.detail["targets"]["salesforce"] for d in r.get("diffs", [])
    }
    assert diffs["Quantity__c"]["reason"] == "conflict"
    assert diffs["Quantity__c"]["resolution"] == "write"
    assert (diffs["Quantity__c"]["before"], diffs["Quantity__c"]["after"]) == (9, 2)
    assert diffs["Renewal_Owner__c"]["resolution"] == "report"
    assert diffs["Name"]["reason"] == "target_owned"
    # The report-only conflict stays visible on the next run, without writes.
    again = world.reconciler.reconcile([key])
    assert again.planned_writes == 0
    assert again.conflicts == 1


def test_cancelled_before_created_follows_policy(
    mappings: dict[str, CompiledMapping], store: StateStore
) -> None:
    """A subscription first seen already cancelled is created as cancelled, or skipped."""
    from connector.planner import PlanPolicy
    from connector.reconciler import Reconciler

    world = make_world(mappings, store, count=2)
    (sub,) = world.source.get(["sub_00002"]).found.values()
    world.source.put(sub.replace(status=SubscriptionStatus.CANCELLED))
    skipping = Reconciler(
        world.source, [world.crm, world.erp], store, policy=PlanPolicy(create_cancelled=False)
    )
    skipping.reconcile_all()
    assert "sub_00002" not in world.crm.records["subscription"]
    world.reconciler.reconcile_all()
    assert world.crm.records["subscription"]["sub_00002"].fields["Status__c"] == "Cancelled"


def test_a_target_schema_that_no_longer_fits_stops_the_run_before_writing(
    mappings: dict[str, CompiledMapping], store: StateStore
) -> None:
    """A field renamed in the CRM stops the run at start with the problem named."""
    import pytest

    from adapters.memory import MemorySource, MemoryTarget
    from connector.errors import MappingContractError
    from connector.reconciler import Reconciler
    from tests.factories import subscription

    class DriftedOrg(MemoryTarget):
        def describe_contract(self, mapping: CompiledMapping | None = None) -> list[str]:
            return ["Subscription__c.Plan__c: no such field"]

    crm = DriftedOrg(mappings["salesforce"])
    reconciler = Reconciler(MemorySource([subscription(1)]), [crm], store)
    with pytest.raises(MappingContractError, match=r"salesforce: Subscription__c\.Plan__c"):
        reconciler.reconcile_all()
    assert crm.calls.total() == 0
    assert store.recent_runs(1)[0].status == "failed"


def test_a_field_left_to_a_person_does_not_fail_the_read_back_of_a_billing_change(
    synced_world: World,
) -> None:
    """A report-only field edited in the CRM is not written, so the read-back of the record's
    other changes must not expect billing's value there (it used to file VERIFY_MISMATCH)."""
    world = synced_world
    key = "sub_00021"
    world.crm.edit("subscription", key, Renewal_Owner__c="alice")
    (sub,) = world.source.get([key]).found.values()
    world.source.put(
        sub.replace(
            metadata={"renewal_owner": "finance-bot"},
            items=(sub.items[0].replace(quantity=2),),
        )
    )
    report = world.reconciler.reconcile([key])
    assert report.dead_letters == 0, report.summary()
    assert report.status == "clean"
    record = world.crm.records["subscription"][key].fields
    assert record["Quantity__c"] == 2
    assert record["Renewal_Owner__c"] == "alice"
    assert world.store.list_dead_letters() == []
