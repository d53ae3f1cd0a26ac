"""Runs whose memory does not grow with the book: plans held on disk beyond a bound, runs
the valve cannot stop applied chunk by chunk, reports that keep counters, not every plan."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import Any

import pytest

from connector import reconciler as reconciler_module
from connector.apply import apply_plans
from connector.reconciler import EXAMPLES, RunOptions
from connector.schema import SubscriptionStatus
from connector.store import AuditQuery, StateStore
from tests.conftest import World


def _entries(store: StateStore) -> Counter[str]:
    return Counter(e.subscription_id for e in store.query_audit(AuditQuery(limit=10_000)))


def _spilling(world: World) -> World:
    world.reconciler.held_in_memory = 5  # 40 subscriptions: the hold goes to disk
    world.reconciler.writes_per_wave = 7
    return world


def test_a_first_load_held_on_disk_lands_whole_and_audits_each_subscription_once(
    world: World,
) -> None:
    report = _spilling(world).reconciler.reconcile_all(RunOptions(kind="full", keep_plans=False))
    assert report.status == "clean"
    assert report.plans == []
    assert report.changed == 40
    assert report.applied["salesforce.ok"] == 80  # 40 accounts, 40 subscriptions
    assert len(world.crm.records["subscription"]) == 40
    assert len(world.erp.records["subscription"]) == 40
    assert set(_entries(world.store).values()) == {1}
    assert len(_entries(world.store)) == 40
    assert world.store.orphaned_intents() == []
    assert world.reconciler.reconcile_all().planned_writes == 0


def test_a_run_held_on_disk_stops_on_the_valve_before_any_write(world: World) -> None:
    world.reconciler.reconcile_all()
    for key in world.source.ids()[:25]:
        (sub,) = world.source.get([key]).found.values()
        world.source.put(sub.replace(status=SubscriptionStatus.CANCELLED))
    writes_before = (world.crm.calls.writes, world.erp.calls.writes)
    audited_before = sum(_entries(world.store).values())
    report = _spilling(world).reconciler.reconcile_all(RunOptions(kind="full", keep_plans=False))
    assert report.status == "stopped_by_safety_valve"
    assert report.verdict is not None
    assert report.verdict.cancels == 25
    assert "would cancel 25 of 40" in report.verdict.reasons[0]
    assert (world.crm.calls.writes, world.erp.calls.writes) == writes_before
    stopped = world.store.query_audit(AuditQuery(limit=100, outcome="stopped"))
    assert len(stopped) == 25
    assert sum(_entries(world.store).values()) == audited_before + 25


def _order_of_work(world: World, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    world.source._page_size = 8  # 40 subscriptions in chunks of 16: three chunks
    done: list[str] = []
    plan_prepared = world.reconciler._plan_prepared

    def planning(*args: Any) -> Any:
        done.append("plan")
        return plan_prepared(*args)

    def applying(*args: Any, **kwargs: Any) -> Any:
        done.append("apply")
        return apply_plans(*args, **kwargs)

    monkeypatch.setattr(world.reconciler, "_plan_prepared", planning)
    monkeypatch.setattr(reconciler_module, "apply_plans", applying)
    return done


def test_a_run_the_valve_can_stop_writes_only_once_everything_is_planned(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    done = _order_of_work(_spilling(world), monkeypatch)
    world.reconciler.reconcile_all(RunOptions(kind="full", keep_plans=False))
    assert done[:3] == ["plan", "plan", "plan"]  # 40 subscriptions in chunks of 16
    assert set(done[3:]) == {"apply"}


def test_a_run_with_mass_changes_allowed_writes_each_chunk_as_it_is_planned(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    done = _order_of_work(world, monkeypatch)

    class NoHold:
        def __init__(self, *args: object) -> None:
            raise AssertionError("a run the valve cannot stop holds no plans")

    monkeypatch.setattr(reconciler_module, "PlanHold", NoHold)
    report = world.reconciler.reconcile_all(
        RunOptions(kind="full", allow_mass_changes=True, keep_plans=False)
    )
    assert report.status == "clean"
    assert done == ["plan", "apply", "plan", "apply", "plan", "apply"]
    assert len(world.crm.records["subscription"]) == 40
    assert set(_entries(world.store).values()) == {1}


def test_a_report_without_its_plans_counts_the_same_and_keeps_examples(world: World) -> None:
    kept = world.reconciler.reconcile_all(RunOptions(kind="full", dry_run=True))
    counted = world.reconciler.reconcile_all(
        RunOptions(kind="full", dry_run=True, keep_plans=False)
    )
    assert len(kept.plans) == 40
    assert counted.plans == []
    assert [p.key for p in counted.examples] == [p.key for p in kept.plans][:EXAMPLES]
    assert counted.planned_writes == kept.planned_writes == 160
    drop = ("run_id",)
    assert {k: v for k, v in counted.summary().items() if k not in drop} == {
        k: v for k, v in kept.summary().items() if k not in drop
    }


def test_a_streamed_run_gives_each_chunks_leases_back_once_it_is_recorded(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    world.source._page_size = 8  # three chunks of at most 16
    first_chunk = world.source.ids()[:16]
    claimable: list[bool] = []

    def applying(*args: Any, **kwargs: Any) -> Any:
        now = dt.datetime.now(dt.UTC)
        got = world.store.claim(first_chunk[:1], "someone-else", now, 60)
        world.store.release_claims(list(got), "someone-else", now)
        claimable.append(bool(got))
        return apply_plans(*args, **kwargs)

    monkeypatch.setattr(reconciler_module, "apply_plans", applying)
    report = world.reconciler.reconcile_all(RunOptions(kind="full", allow_mass_changes=True))
    assert report.status == "clean"
    # Held while its own chunk is written; given back before the next chunk is.
    assert claimable == [False, True, True]
