"""Audit intents: what a run writes is audited once, even when the run dies in between."""

from __future__ import annotations

import datetime as dt
from collections import Counter

import pytest

from connector import reconciler as reconciler_module
from connector.store import AuditQuery, RunRecord, StateStore
from tests.conftest import World

NOW = dt.datetime(2026, 12, 1, 12, tzinfo=dt.UTC)


class Killed(BaseException):
    """Stands for the process dying: nothing after it runs, not even the run's clean-up."""


def _die_before_recording(monkeypatch: pytest.MonkeyPatch) -> None:
    """The process dies after a wave's writes, before the store records them."""

    def killed(*_args: object, **_kwargs: object) -> int:
        raise Killed

    monkeypatch.setattr(reconciler_module, "save", killed)


def _entries(world: World) -> Counter[str]:
    entries = world.store.query_audit(AuditQuery(limit=10_000))
    return Counter(entry.subscription_id for entry in entries)


def test_a_run_that_died_after_writing_is_settled_by_the_next_one(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    _die_before_recording(monkeypatch)
    with pytest.raises(Killed):
        world.reconciler.reconcile(["sub_00001", "sub_00002"])
    assert len(world.crm.records["subscription"]) == 2
    assert _entries(world) == Counter()
    monkeypatch.undo()  # the next process runs the real code
    # The dead run's row says "running" until a run notices its process is gone; here the
    # process lives on (one test process), so it is found by its silence instead.
    world.reconciler.clock = lambda: dt.datetime.now(dt.UTC) + dt.timedelta(minutes=10)
    report = world.reconciler.reconcile(["sub_00001", "sub_00002", "sub_00003"])
    assert report.status == "clean"
    assert _entries(world) == Counter({"sub_00001": 1, "sub_00002": 1, "sub_00003": 1})
    settled = world.store.query_audit(AuditQuery(subscription_id="sub_00001"))
    assert settled[0].detail["settled_after_crash"] is True
    assert settled[0].outcome == "applied"
    assert world.store.recent_runs()[-1].status == "aborted"


def test_writes_that_did_not_land_are_planned_and_audited_again(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    _die_before_recording(monkeypatch)
    with pytest.raises(Killed):
        world.reconciler.reconcile(["sub_00004"])
    world.crm.records["subscription"].pop("sub_00004")  # as if that write never landed
    monkeypatch.undo()
    world.reconciler.clock = lambda: dt.datetime.now(dt.UTC) + dt.timedelta(minutes=10)
    world.reconciler.reconcile(["sub_00004"])
    assert "sub_00004" in world.crm.records["subscription"]
    (entry,) = world.store.query_audit(AuditQuery(subscription_id="sub_00004"))
    assert "settled_after_crash" not in entry.detail


def test_dead_runs_are_told_by_their_process_or_their_silence(store: StateStore) -> None:
    def run(run_id: str, host: str, pid: int) -> None:
        store.start_run(RunRecord(run_id, "full", NOW, False, "v1", owner_host=host, owner_pid=pid))

    run("gone", "here", 101)
    run("alive", "here", 102)
    run("elsewhere", "there", 101)
    store.beat_run("alive", NOW + dt.timedelta(minutes=9))
    later = NOW + dt.timedelta(minutes=10)
    aborted = store.abort_dead_runs(later, "here", lambda pid: pid == 102, dt.timedelta(minutes=5))
    assert sorted(aborted) == ["elsewhere", "gone"]
    runs = {run.id: run for run in store.recent_runs()}
    assert runs["gone"].status == "aborted"
    assert runs["gone"].finished_at == NOW  # its last sign of life
    assert runs["alive"].status == "running"
