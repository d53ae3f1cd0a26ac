"""Re-running converges and plans nothing; dry runs write nothing."""

from __future__ import annotations

from connector.reconciler import RunOptions
from connector.store import AuditQuery
from tests.conftest import World


def test_second_run_plans_and_makes_zero_writes(world: World) -> None:
    """After a full sync, an unchanged world needs no write call at all."""
    first = world.reconciler.reconcile_all()
    assert first.planned_writes > 0
    writes_after_first = {s: w for s, (_r, w) in world.calls().items()}
    second = world.reconciler.reconcile_all()
    assert second.planned_writes == 0
    assert second.unchanged == second.subscriptions == 40
    assert {s: w for s, (_r, w) in world.calls().items()} == writes_after_first
    assert all(cost.planned_writes == 0 for cost in second.cost.values())


def test_dry_run_writes_nothing_but_states_its_cost(world: World) -> None:
    """A dry run shows the plan and its API calls, writes nothing, audits it as planned."""
    report = world.reconciler.reconcile_all(RunOptions(dry_run=True, kind="full"))
    assert report.planned_writes == 160  # 40 x (account + subscription) x 2 systems
    assert report.cost["salesforce"].planned_writes == 2  # 40 accounts, 40 subscriptions
    assert report.cost["salesforce"].writes == 0
    assert world.crm.records["subscription"] == {}
    assert world.store.count_known() == 0
    planned = world.store.query_audit(AuditQuery(include_dry_runs=True, limit=1000))
    assert len(planned) == 40
    assert {e.outcome for e in planned} == {"planned"}
    assert world.store.query_audit(AuditQuery(limit=1000)) == []


def test_write_calls_are_batched(world: World) -> None:
    """Creates go out in collections of up to 200, not one call per record."""
    world.reconciler.reconcile_all()
    assert world.crm.calls.writes == 2  # one batch per object
    assert world.erp.calls.writes == 2


def test_replayed_and_out_of_order_triggers_converge(synced_world: World) -> None:
    """Reconciling the same key many times, in any order, ends in the same state."""
    from tests.factories import item

    world = synced_world
    (sub,) = world.source.get(["sub_00002"]).found.values()
    world.source.put(sub.replace(items=(item("enterprise", 3),)))
    for _ in range(3):
        world.reconciler.reconcile(["sub_00005", "sub_00002", "sub_00002"])
    assert world.crm.records["subscription"]["sub_00002"].fields["Quantity__c"] == 3
    upgrades = world.store.query_audit(AuditQuery(event_type="upgraded"))
    assert len(upgrades) == 1
