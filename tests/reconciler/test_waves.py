"""A run's writes in waves: bounded intents, records written once, one audit entry each."""

from __future__ import annotations

import datetime as dt
from collections import Counter

import pytest

from connector import reconciler as reconciler_module
from connector import saving
from connector.planner import RecordAction, RecordPlan, SubscriptionPlan
from connector.store import AuditEntry, AuditIntent, AuditQuery, RunRecord, StateStore
from connector.store.records import values_digest
from connector.waves import waves
from tests.conftest import World

NOW = dt.datetime(2026, 12, 1, 12, tzinfo=dt.UTC)


def _record(system: str, key: str, action: RecordAction = RecordAction.CREATE) -> RecordPlan:
    return RecordPlan(
        system=system,
        object_name="account" if key.startswith("cus") else "subscription",
        key=key,
        action=action,
        writes={},
        diffs=(),
        synced={},
    )


def _plan(key: str, *records: RecordPlan) -> SubscriptionPlan:
    return SubscriptionPlan(key=key, customer_id=None, current=None, records=list(records))


def _keys(cut: list[list[SubscriptionPlan]]) -> list[list[str]]:
    return [[plan.key for plan in wave] for wave in cut]


def test_waves_hold_at_most_so_many_writing_plans_and_keep_order() -> None:
    plans = [_plan(f"s{i}", _record("crm", f"s{i}")) for i in range(5)]
    quiet = _plan("q", _record("crm", "q", RecordAction.NOOP))
    assert _keys(list(waves([*plans[:2], quiet, *plans[2:]], per_wave=2))) == [
        ["s0", "s1", "q"],
        ["s2", "s3"],
        ["s4"],
    ]


def test_plans_that_write_one_record_share_a_wave() -> None:
    # Two subscriptions of one customer both plan its account: written once, in one wave.
    first = _plan("s1", _record("crm", "cus_1"), _record("crm", "s1"))
    other = _plan("s2", _record("crm", "cus_2"), _record("crm", "s2"))
    second = _plan("s3", _record("crm", "cus_1"), _record("crm", "s3"))
    assert _keys(list(waves([first, other, second], per_wave=1))) == [["s1", "s3"], ["s2"]]


def test_nothing_planned_is_still_one_wave() -> None:
    assert list(waves([])) == [[]]


class Killed(BaseException):
    """Stands for the process dying."""


def _entries(store: StateStore) -> Counter[str]:
    return Counter(e.subscription_id for e in store.query_audit(AuditQuery(limit=10_000)))


def test_a_first_load_in_waves_audits_each_subscription_once(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    world.reconciler.writes_per_wave = 10
    report = world.reconciler.reconcile_all()
    assert report.status == "clean"
    assert set(_entries(world.store).values()) == {1}
    assert len(_entries(world.store)) == 40
    assert world.store.orphaned_intents() == []


def test_a_run_killed_in_its_third_wave_keeps_the_first_two_and_settles_the_third(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    world.reconciler.writes_per_wave = 10
    real_save = saving.save
    saved: list[int] = []

    def dies_on_the_third(*args: object, **kwargs: object) -> int:
        if len(saved) == 2:
            raise Killed
        saved.append(1)
        return real_save(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(reconciler_module, "save", dies_on_the_third)
    with pytest.raises(Killed):
        world.reconciler.reconcile_all()
    assert len(_entries(world.store)) == 20  # two waves recorded before the third died
    assert len(world.crm.records["subscription"]) == 30  # the third wave's writes landed
    monkeypatch.setattr(reconciler_module, "save", real_save)
    world.reconciler.clock = lambda: dt.datetime.now(dt.UTC) + dt.timedelta(minutes=10)
    report = world.reconciler.reconcile_all()
    assert report.status == "clean"
    entries = _entries(world.store)
    assert len(entries) == 40
    assert set(entries.values()) == {1}
    settled = [
        e.subscription_id
        for e in world.store.query_audit(AuditQuery(limit=100))
        if e.detail.get("settled_after_crash")
    ]
    assert len(settled) == 10


def test_an_intent_kept_before_digests_is_still_settled(store: StateStore) -> None:
    # A connector upgraded after a crash finds intents that kept the values themselves.
    store.start_run(RunRecord("old", "full", NOW, False, "v1", owner_host="h", owner_pid=1))
    entry = _any_entry()
    old_shape = ("salesforce", "subscription", "sub_1", {"Seats__c": 9, "Name": "x"})
    store.add_intents([AuditIntent("old", "sub_1", entry, None, [old_shape], NOW)])  # type: ignore[list-item]
    store.abort_dead_runs(NOW + dt.timedelta(hours=1), "h", lambda _pid: False, dt.timedelta(1))
    (intent,) = store.orphaned_intents()
    system, object_name, key, fields, digest = intent.records[0]
    assert (system, object_name, key, fields) == (
        "salesforce",
        "subscription",
        "sub_1",
        ["Seats__c", "Name"],
    )
    assert digest == values_digest({"Name": "x", "Seats__c": 9}, fields)
    assert digest != values_digest({"Name": "x", "Seats__c": 5}, fields)


def _any_entry() -> AuditEntry:
    return AuditEntry(
        at=NOW,
        run_id="old",
        correlation_id="old",
        subscription_id="sub_1",
        customer_id=None,
        event_types=("new",),
        outcome="applied",
        dry_run=False,
        mapping_version="v1",
        mrr_before=None,
        mrr_after=None,
        mrr_delta=None,
        currency=None,
        detail={},
    )
