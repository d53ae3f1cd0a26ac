"""Reverting a run: its before-values put back, through the path every run takes."""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

import pytest

from connector.queue import QueuePolicy, WorkQueue
from connector.reconciler import RunOptions
from connector.records import WriteError
from connector.revert import RevertError, revert_run
from connector.store import AuditQuery
from connector.waves import waves
from tests.conftest import World
from tests.plans.helpers import crm_field, set_seats

CHANGED = ("sub_00003", "sub_00005")


def _erp(world: World, key: str) -> dict[str, Any]:
    obj = world.erp.mapping.objects["subscription"]
    return dict(obj.normalise(world.erp.records["subscription"][key].fields))


def _bad_run(world: World) -> str:
    """A run that changed two subscriptions in both targets; its id."""
    for key in CHANGED:
        set_seats(world, key, 4)
    report = world.reconciler.reconcile_all()
    assert report.status == "clean"
    assert crm_field(world, "sub_00003", "Quantity__c") == 4
    return report.run_id


def test_revert_puts_back_the_values_before_the_run(synced_world: World) -> None:
    """CRM fields and the ERP's lines hold again what they held before the run."""
    world = synced_world
    erp_before = _erp(world, "sub_00003")
    mrr_before = crm_field(world, "sub_00003", "MRR__c")
    run_id = _bad_run(world)
    assert _erp(world, "sub_00003") != erp_before
    done = revert_run(world.reconciler, run_id)
    assert done.exit_code == 0
    assert done.plan.skipped == []
    assert crm_field(world, "sub_00003", "Quantity__c") == 1
    assert crm_field(world, "sub_00003", "MRR__c") == mrr_before
    assert crm_field(world, "sub_00005", "Quantity__c") == 1
    assert _erp(world, "sub_00003") == erp_before


def test_fields_changed_again_since_the_run_are_skipped_and_listed(synced_world: World) -> None:
    world = synced_world
    run_id = _bad_run(world)
    world.crm.edit("subscription", "sub_00005", MRR__c="7.00")
    done = revert_run(world.reconciler, run_id)
    assert [s.line() for s in done.plan.skipped] == [
        "sub_00005: salesforce subscription sub_00005 MRR__c: changed again since that run "
        '(now "7", the run wrote "396")'
    ]
    assert crm_field(world, "sub_00005", "MRR__c") == "7.00"
    assert crm_field(world, "sub_00005", "Quantity__c") == 1  # the rest of it went back


def test_a_dry_run_revert_writes_nothing(synced_world: World) -> None:
    """It reads and shows; no target write, no audit entry, no run recorded."""
    world = synced_world
    run_id = _bad_run(world)
    writes = {system: w for system, (_, w) in world.calls().items()}
    entries = len(world.store.query_audit(AuditQuery(limit=1000)))
    runs = len(world.store.recent_runs(100))
    done = revert_run(world.reconciler, run_id, dry_run=True)
    assert done.plan.field_count > 4
    assert {system: w for system, (_, w) in world.calls().items()} == writes
    assert len(world.store.query_audit(AuditQuery(limit=1000))) == entries
    assert len(world.store.recent_runs(100)) == runs
    assert crm_field(world, "sub_00003", "Quantity__c") == 4


def test_each_revert_write_is_audited_once_naming_the_run(synced_world: World) -> None:
    world = synced_world
    run_id = _bad_run(world)
    done = revert_run(world.reconciler, run_id)
    assert done.report is not None
    entries = world.store.query_audit(AuditQuery(run_id=done.report.run_id, limit=100))
    assert sorted(e.subscription_id for e in entries) == sorted(CHANGED)
    assert {e.event_types for e in entries} == {("reverted",)}
    assert {e.correlation_id for e in entries} == {run_id}
    assert {e.detail["reverts_run"] for e in entries} == {run_id}
    audited = [
        (system, record["key"], diff["field"])
        for e in entries
        for system, records in e.detail["targets"].items()
        for record in records
        for diff in record["diffs"]
    ]
    assert len(audited) == len(set(audited)) == done.plan.field_count
    # Reverting again finds everything back already: no write, no second entry.
    again = revert_run(world.reconciler, run_id)
    assert again.plan.field_count == 0
    assert again.report is not None
    assert world.store.query_audit(AuditQuery(run_id=again.report.run_id)) == []


def test_the_next_reconcile_puts_billings_truth_back(synced_world: World) -> None:
    """A revert does not overrule billing."""
    world = synced_world
    run_id = _bad_run(world)
    revert_run(world.reconciler, run_id)
    assert crm_field(world, "sub_00003", "Quantity__c") == 1
    report = world.reconciler.reconcile_all()
    assert report.status == "clean"
    assert crm_field(world, "sub_00003", "Quantity__c") == 4
    assert crm_field(world, "sub_00005", "Quantity__c") == 4


def test_records_the_run_created_are_listed_and_left(world: World) -> None:
    report = world.reconciler.reconcile_all()
    done = revert_run(world.reconciler, report.run_id)
    assert len(done.writes.created) == 4 * 40  # accounts and subscriptions, in both targets
    assert done.plan.plans == []
    assert len(world.crm.records["subscription"]) == 40


def test_a_key_another_worker_holds_is_left_alone(synced_world: World) -> None:
    world = synced_world
    run_id = _bad_run(world)
    queue = WorkQueue(world.store, QueuePolicy(), rng=random.Random(1))
    queue.add(["sub_00005"], "webhook")
    assert [item.key for item in queue.take("other-worker", 1)] == ["sub_00005"]
    done = revert_run(world.reconciler, run_id)
    assert done.deferred == ["sub_00005"]
    assert crm_field(world, "sub_00005", "Quantity__c") == 4
    assert crm_field(world, "sub_00003", "Quantity__c") == 1


def test_the_safety_valve_stops_a_mass_revert(synced_world: World) -> None:
    world = synced_world
    for n in range(1, 31):
        set_seats(world, f"sub_{n:05d}", 2)
    run_id = world.reconciler.reconcile_all(RunOptions(kind="full", allow_mass_changes=True)).run_id
    stopped = revert_run(world.reconciler, run_id)
    assert stopped.exit_code == 4
    assert crm_field(world, "sub_00001", "Quantity__c") == 2
    done = revert_run(world.reconciler, run_id, allow_mass_changes=True)
    assert done.exit_code == 0
    assert crm_field(world, "sub_00001", "Quantity__c") == 1


def test_a_run_that_wrote_nothing_cannot_be_reverted(synced_world: World) -> None:
    world = synced_world
    with pytest.raises(RevertError, match="no audit entries for run run_nope"):
        revert_run(world.reconciler, "run_nope")
    set_seats(world, "sub_00003", 4)
    dry = world.reconciler.reconcile_all(RunOptions(dry_run=True))
    with pytest.raises(RevertError, match="was a dry run"):
        revert_run(world.reconciler, dry.run_id)


class Killed(BaseException):
    """Stands for the process dying: nothing after it runs, not even the run's clean-up."""


def test_a_revert_that_died_after_writing_is_audited_once_by_the_next_run(
    synced_world: World,
) -> None:
    """Its intents are settled like a run's: one entry per subscription, never two."""
    world = synced_world
    run_id = _bad_run(world)

    def killed(*_args: object, **_kwargs: object) -> None:
        raise Killed

    world.reconciler.audit.record = killed  # type: ignore[method-assign]
    with pytest.raises(Killed):
        revert_run(world.reconciler, run_id)
    assert crm_field(world, "sub_00003", "Quantity__c") == 1  # the writes landed
    del world.reconciler.audit.record  # the next process runs the real code
    world.reconciler.clock = lambda: dt.datetime.now(dt.UTC) + dt.timedelta(minutes=10)
    world.reconciler.reconcile_all()
    entries = world.store.query_audit(AuditQuery(event_type="reverted", limit=100))
    assert sorted(e.subscription_id for e in entries) == sorted(CHANGED)
    assert all(e.detail["settled_after_crash"] for e in entries)
    assert {e.detail["reverts_run"] for e in entries} == {run_id}


def test_a_revert_can_be_reverted(synced_world: World) -> None:
    world = synced_world
    run_id = _bad_run(world)
    done = revert_run(world.reconciler, run_id)
    assert done.report is not None
    assert crm_field(world, "sub_00003", "Quantity__c") == 1
    again = revert_run(world.reconciler, done.report.run_id)
    assert again.plan.skipped == []
    assert crm_field(world, "sub_00003", "Quantity__c") == 4


def test_only_what_the_run_wrote_is_put_back(synced_world: World) -> None:
    """A record the target refused in that run was not written: nothing to put back there."""
    world = synced_world
    world.erp.rejecter = lambda request: (
        WriteError("ValidationError", "closed period") if request.key == "sub_00005" else None
    )
    for key in CHANGED:
        set_seats(world, key, 4)
    run_id = world.reconciler.reconcile_all().run_id
    world.erp.rejecter = None
    done = revert_run(world.reconciler, run_id)
    put_back = {(system, key) for system, _, key in done.plan.fields}
    assert put_back == {
        ("salesforce", "sub_00003"),
        ("odoo", "sub_00003"),
        ("salesforce", "sub_00005"),
    }
    assert crm_field(world, "sub_00005", "Quantity__c") == 1


def test_a_revert_writes_in_waves(synced_world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    """Wave by wave like a run: every wave's writes land and are audited once."""
    world = synced_world
    run_id = _bad_run(world)
    monkeypatch.setattr("connector.revert.waves", lambda plans: waves(plans, per_wave=1))
    done = revert_run(world.reconciler, run_id)
    assert done.report is not None
    assert done.report.verified == 4  # two subscriptions, in both targets, read back
    entries = world.store.query_audit(AuditQuery(run_id=done.report.run_id))
    assert sorted(e.subscription_id for e in entries) == sorted(CHANGED)
    assert world.store.orphaned_intents() == []
    assert crm_field(world, "sub_00005", "Quantity__c") == 1


def test_a_value_the_audit_kept_as_an_excerpt_is_never_written_back() -> None:
    """An over-long value is audited as an excerpt; putting the excerpt back would write a
    truncated text with a length note into the target."""
    from connector.redaction import excerpt
    from connector.revert_plan import _why_skip
    from connector.revert_writes import FieldWrite

    long_name = "N" * 5_000
    cut = FieldWrite("Name", excerpt(long_name), "Short")
    assert _why_skip(cut, "Short") == (
        "the audit trail kept an excerpt of an over-long value, not the value itself"
    )
    in_lines = FieldWrite("lines", [{"name": excerpt(long_name)}], [{"name": "x"}])
    assert _why_skip(in_lines, [{"name": "x"}]) is not None
    assert _why_skip(FieldWrite("Name", "Old", "Short"), "Short") is None
