"""Re-running converges and plans nothing; dry runs write nothing."""

from __future__ import annotations

from pathlib import Path

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


def test_settled_records_skip_the_diff_but_drift_is_still_caught(world: World) -> None:
    """Once records agree, later runs skip them, until the target touches one again."""
    world.reconciler.reconcile_all()
    world.reconciler.reconcile_all()  # sees agreement, remembers the targets' modstamps
    agreed = world.store.load_agreements("salesforce", "subscription", ["sub_00004"])
    assert agreed["sub_00004"][0] == world.crm.records["subscription"]["sub_00004"].modstamp
    world.crm.edit("subscription", "sub_00004", MRR__c="0")
    report = world.reconciler.reconcile_all()
    assert report.changes == {"drift_corrected": 1}
    assert world.crm.records["subscription"]["sub_00004"].fields["MRR__c"] == "99"


def test_a_changed_mapping_re_renders_settled_records(world: World, tmp_path: Path) -> None:
    """Records that agreed under the old mapping are diffed again under a new one."""
    from adapters.memory import MemoryTarget
    from connector.mapping import compile_mapping
    from connector.reconciler import Reconciler
    from tests.factories import MAPPINGS

    world.reconciler.reconcile_all()
    world.reconciler.reconcile_all()
    changed = tmp_path / "salesforce.yaml"
    changed.write_text(
        (MAPPINGS / "salesforce.yaml")
        .read_text()
        .replace("Past Due", "Overdue")
        .replace("past_due: Past Due", "past_due: Overdue")
        .replace(
            "{target: Plan__c, source: plan_code,",
            "{target: Plan__c, source: plan_code, case: upper,",
        )
    )
    crm = MemoryTarget(compile_mapping(changed))
    crm.records = world.crm.records
    reconciler = Reconciler(world.source, [crm, world.erp], world.store)
    report = reconciler.reconcile_all(RunOptions(kind="full", allow_mass_changes=True))
    assert report.actions["salesforce.update"] == 40
    assert crm.records["subscription"]["sub_00001"].fields["Plan__c"] == "PRO"


def test_full_run_reads_settled_targets_by_stamp_scan_only(world: World) -> None:
    """A full run learns modstamps in large pages and reads whole records only for drift."""
    world.reconciler.reconcile_all()
    world.crm.edit("subscription", "sub_00006", MRR__c="0")
    before = dict(world.crm.calls.by_label)
    report = world.reconciler.reconcile_all()
    assert report.changes == {"drift_corrected": 1}
    spent = {k: n for k, v in world.crm.calls.by_label.items() if (n := v - before.get(k, 0))}
    # one scan page per object (40 records each), then the drifted subscription's two
    # records, then reading the written record back
    assert spent == {
        "scan account": 1,
        "scan subscription": 1,
        "read account": 1,
        "read subscription": 2,
        "write subscription": 1,
    }
