"""Applying a reviewed plan: exactly its records, and none whose world moved since."""

from __future__ import annotations

import datetime as dt
import random
from pathlib import Path
from typing import NoReturn

import pytest

from adapters.memory import MemoryTarget
from connector.exit_codes import ExitCode
from connector.mapping import CompiledMapping, compile_mapping
from connector.metrics import Metrics
from connector.plan_apply import PlanRefusedError, apply_plan
from connector.queue import QueuePolicy, WorkQueue
from connector.reconciler import Reconciler
from connector.records import WriteError, WriteRequest
from connector.store import AuditQuery, StateStore
from connector.worker import Worker
from tests.conftest import World, make_world
from tests.factories import MAPPINGS, subscription
from tests.plans.helpers import crm_field, saved_plan, set_seats

T0 = dt.datetime.now(dt.UTC)


def _entries(world: World, run_id: str) -> dict[str, str]:
    """Subscription -> correlation id of the run's audit entries."""
    found = world.store.query_audit(AuditQuery(run_id=run_id, limit=1000))
    return {entry.subscription_id: entry.correlation_id for entry in found}


def test_a_dry_run_with_a_plan_writes_nothing(synced_world: World, tmp_path: Path) -> None:
    """Making a plan reads, and writes nothing to any target."""
    world = synced_world
    set_seats(world, "sub_00003", 4)
    before = world.calls()
    document, _ = saved_plan(world, tmp_path / "plan.json")
    updates = {(r.subscription, r.system) for r in document.records if r.action == "update"}
    assert updates == {("sub_00003", "salesforce"), ("sub_00003", "odoo")}
    assert {system: writes for system, (_, writes) in world.calls().items()} == {
        system: writes for system, (_, writes) in before.items()
    }
    assert crm_field(world, "sub_00003", "Quantity__c") == 1


def test_applying_a_plan_writes_exactly_what_it_planned(
    synced_world: World, tmp_path: Path
) -> None:
    """The plan's changes land; a billing change made after the plan is not written."""
    world = synced_world
    set_seats(world, "sub_00003", 4)
    set_seats(world, "sub_00005", 6)
    document, dry = saved_plan(world, tmp_path / "plan.json")
    set_seats(world, "sub_00007", 9)  # after the review: not part of the plan
    applied = apply_plan(document, world.reconciler)
    assert applied.refused == []
    assert applied.exit_code is ExitCode.CLEAN
    assert crm_field(world, "sub_00003", "Quantity__c") == 4
    assert crm_field(world, "sub_00005", "Quantity__c") == 6
    assert crm_field(world, "sub_00007", "Quantity__c") == 1
    # One audit entry per planned subscription, tied to the reviewed dry run.
    assert _entries(world, applied.report.run_id) == {
        "sub_00003": dry.run_id,
        "sub_00005": dry.run_id,
    }


def test_apply_refuses_what_moved_since_the_plan_and_applies_the_rest(
    synced_world: World, tmp_path: Path
) -> None:
    """Billing moved for one, the target for another: both refused, each saying why."""
    world = synced_world
    for key in ("sub_00003", "sub_00005", "sub_00007"):
        set_seats(world, key, 4)
    document, _ = saved_plan(world, tmp_path / "plan.json")
    set_seats(world, "sub_00003", 8)  # billing moved
    world.crm.edit("subscription", "sub_00005", MRR__c="1.00")  # the target moved
    applied = apply_plan(document, world.reconciler)
    reasons = {r.subscription: r.reason for r in applied.refused}
    assert reasons == {
        "sub_00003": "billing's subscription changed since the plan",
        "sub_00005": "salesforce subscription sub_00005 was changed in the target since the plan",
    }
    assert applied.exit_code is ExitCode.PLAN_MOVED
    assert crm_field(world, "sub_00003", "Quantity__c") == 1  # neither 4 nor 8
    assert crm_field(world, "sub_00005", "Quantity__c") == 1
    assert crm_field(world, "sub_00005", "MRR__c") == "1.00"
    assert crm_field(world, "sub_00007", "Quantity__c") == 4
    assert set(_entries(world, applied.report.run_id)) == {"sub_00007"}


def test_a_record_created_in_the_target_since_the_plan_is_refused(
    world: World, tmp_path: Path
) -> None:
    """A first load's plan creates; a record someone created meanwhile is not overwritten."""
    document, _ = saved_plan(world, tmp_path / "plan.json")
    world.crm.write(
        "subscription",
        [WriteRequest("subscription", "sub_00002", "create", {"Quantity__c": 3})],
    )
    applied = apply_plan(document, world.reconciler)
    reasons = {r.subscription: r.reason for r in applied.refused}
    assert reasons == {
        "sub_00002": "salesforce subscription sub_00002 was created in the target since the plan"
    }
    assert crm_field(world, "sub_00002", "Quantity__c") == 3
    assert len(world.crm.records["subscription"]) == 40


def test_a_key_another_worker_holds_is_refused(synced_world: World, tmp_path: Path) -> None:
    """Apply writes only keys whose lease it holds, like any run."""
    world = synced_world
    set_seats(world, "sub_00003", 4)
    set_seats(world, "sub_00005", 4)
    document, _ = saved_plan(world, tmp_path / "plan.json")
    queue = WorkQueue(world.store, QueuePolicy(), rng=random.Random(1))
    queue.add(["sub_00005"], "webhook")
    assert [item.key for item in queue.take("other-worker", 1)] == ["sub_00005"]
    applied = apply_plan(document, world.reconciler)
    reasons = {r.subscription: r.reason for r in applied.refused}
    assert reasons == {
        "sub_00005": "another writer holds it or wrote it since the plan; left to the queue"
    }
    assert crm_field(world, "sub_00003", "Quantity__c") == 4
    assert crm_field(world, "sub_00005", "Quantity__c") == 1


def test_a_subscription_a_worker_synced_since_the_plan_is_not_written_again(
    synced_world: World, tmp_path: Path
) -> None:
    """The change went out through the queue meanwhile: nothing left to apply, no second
    audit entry."""
    world = synced_world
    set_seats(world, "sub_00003", 4)
    document, _ = saved_plan(world, tmp_path / "plan.json")
    queue = WorkQueue(world.store, QueuePolicy(), rng=random.Random(1))
    queue.add(["sub_00003"], "webhook")
    own = Reconciler(world.source, [world.crm, world.erp], world.store)
    assert Worker("w1", queue, own, batch=5, metrics=Metrics()).run_once() == 1
    applied = apply_plan(document, world.reconciler)
    assert [r.subscription for r in applied.refused] == ["sub_00003"]
    assert "nothing to write any more" in applied.refused[0].reason
    upgrades = world.store.query_audit(
        AuditQuery(subscription_id="sub_00003", event_type="upgraded")
    )
    assert len(upgrades) == 1


def test_a_plan_made_with_other_mappings_is_refused_whole(
    synced_world: World, tmp_path: Path
) -> None:
    """A mapping changed after the review: nothing is applied, the systems are named."""
    world = synced_world
    set_seats(world, "sub_00003", 4)
    document, _ = saved_plan(world, tmp_path / "plan.json")
    text = (MAPPINGS / "salesforce.yaml").read_text(encoding="utf-8")
    changed = tmp_path / "salesforce.yaml"
    changed.write_text(text.replace("max_length: 40", "max_length: 30"), encoding="utf-8")
    crm = MemoryTarget(compile_mapping(changed))
    crm.records = world.crm.records
    other = Reconciler(world.source, [crm, world.erp], world.store)
    with pytest.raises(PlanRefusedError, match=r"other mappings .*\(changed: salesforce\)"):
        apply_plan(document, other)
    assert crm.calls.writes == 0
    assert crm_field(world, "sub_00003", "Quantity__c") == 1


def test_the_safety_valve_guards_an_applied_plan(synced_world: World, tmp_path: Path) -> None:
    """A reviewed mass change still needs --allow-mass-changes to be applied."""
    world = synced_world
    for n in range(1, 31):
        set_seats(world, f"sub_{n:05d}", 2)
        world.crm.edit("subscription", f"sub_{n:05d}", Plan__c="starter")
    world.reconciler.reconcile_all()  # the edits are put right, the seats written
    for n in range(1, 31):
        world.crm.edit("subscription", f"sub_{n:05d}", Plan__c="starter")
    document, dry = saved_plan(world, tmp_path / "plan.json")
    assert dry.status == "stopped_by_safety_valve"
    stopped = apply_plan(document, world.reconciler)
    assert stopped.exit_code is ExitCode.SAFETY_VALVE
    assert crm_field(world, "sub_00001", "Plan__c") == "starter"
    applied = apply_plan(document, world.reconciler, allow_mass_changes=True)
    assert applied.exit_code is ExitCode.CLEAN
    assert crm_field(world, "sub_00001", "Plan__c") == "pro"


def test_a_cancellation_of_a_subscription_gone_from_billing_says_how_to_write_it(
    synced_world: World, tmp_path: Path
) -> None:
    """Its cancellation is dated when written: a plan cannot hold that date."""
    world = synced_world
    world.source.delete("sub_00003")
    world.reconciler.clock = lambda: T0
    document, _ = saved_plan(world, tmp_path / "plan.json")
    world.reconciler.clock = lambda: T0 + dt.timedelta(minutes=5)
    applied = apply_plan(document, world.reconciler)
    assert [r.line() for r in applied.refused] == [
        "sub_00003: billing no longer has it, and its cancellation is dated when it is "
        "written, not as planned: write it with `connector reconcile --subscription sub_00003`"
    ]
    assert crm_field(world, "sub_00003", "Status__c") == "Active"


def test_a_first_load_plan_is_applied_over_a_scan(
    mappings: dict[str, CompiledMapping], store: StateStore, tmp_path: Path
) -> None:
    """Billing read a page at a time, not a call per key; still exactly the plan."""
    world = make_world(mappings, store, count=250)
    document, _ = saved_plan(world, tmp_path / "plan.json")
    set_seats(world, "sub_00007", 5)  # billing moved
    world.source.delete("sub_00009")  # gone since the plan
    world.source.put(subscription(251))  # new since the plan: not in it

    def keyed(*_args: object, **_kwargs: object) -> NoReturn:
        raise AssertionError("a plan of 250 subscriptions read key by key")

    world.reconciler.reconcile = keyed  # type: ignore[method-assign]
    applied = apply_plan(document, world.reconciler)
    assert [r.line() for r in applied.refused] == [
        "sub_00007: billing's subscription changed since the plan",
        "sub_00009: nothing to write any more: billing no longer has it, or it agrees already",
    ]
    assert len(world.crm.records["subscription"]) == 248
    assert "sub_00251" not in world.crm.records["subscription"]
    assert applied.report.status == "clean"


def test_a_record_the_target_refuses_is_dead_lettered(synced_world: World, tmp_path: Path) -> None:
    """Applying a plan files dead letters like any run; the rest lands."""
    world = synced_world
    set_seats(world, "sub_00003", 4)
    set_seats(world, "sub_00005", 4)
    document, _ = saved_plan(world, tmp_path / "plan.json")
    world.crm.rejecter = lambda request: (
        WriteError("FIELD_CUSTOM_VALIDATION_EXCEPTION", "no upgrades on Fridays")
        if request.key == "sub_00005"
        else None
    )
    applied = apply_plan(document, world.reconciler)
    assert applied.exit_code is ExitCode.DEAD_LETTERS
    (letter,) = world.store.list_dead_letters("open")
    assert (letter.key, letter.system) == ("sub_00005", "salesforce")
    assert "no upgrades on Fridays" in letter.reason
    assert crm_field(world, "sub_00003", "Quantity__c") == 4
