"""The adapter contract: what every target must do under the real reconciler.

Written once and run for each target (singer-sdk's ``testing/suites.py`` is the model): a
target's module binds a :class:`Rig` to the ``rig`` fixture and subclasses
:class:`TargetContract`. The rig holds the target and the few things only its own system can
do -- count what the system holds without going through the adapter, make it refuse one
record, fail transiently, revoke access -- so that the test bodies below stay shared.

Every rig's target is built with a :class:`CallProbe` around its transport, which tells how
many calls were ever in flight at once.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import ParamSpec, TypeVar

from adapters.base import Target
from adapters.memory import MemorySource
from connector.outcome import Outcome
from connector.reconciler import Reconciler
from connector.report import RunReport
from connector.schema import IntervalUnit, Subscription, SubscriptionStatus
from connector.store import SqliteStore
from tests.factories import customer, forever_percent, item, paused, subscription

P = ParamSpec("P")
R = TypeVar("R")

# Small chunks, so that a full run plans one chunk while the next is read: the overlap the
# "one call at a time" contract is about.
CHUNK = 3


class CallProbe:
    """Counts calls in flight around a target's transport, under a lock."""

    # Held inside each call, so that two overlapping calls are seen as overlapping instead
    # of slipping between each other; it widens the window, nothing waits on it.
    HOLD_SECONDS = 0.001

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._in_flight = 0
        self.calls = 0
        self.most_at_once = 0

    def wrap(self, call: Callable[P, R]) -> Callable[P, R]:
        def probed(*args: P.args, **kwargs: P.kwargs) -> R:
            with self._lock:
                self._in_flight += 1
                self.calls += 1
                self.most_at_once = max(self.most_at_once, self._in_flight)
            try:
                time.sleep(self.HOLD_SECONDS)
                return call(*args, **kwargs)
            finally:
                with self._lock:
                    self._in_flight -= 1

        return probed


@dataclass
class Rig:
    """One target bound to the contract, with the hooks only its system can provide."""

    target: Target
    probe: CallProbe
    # object name -> records the system holds, counted around the adapter (twins show here);
    # a system may add counts of its own (Odoo: the subscription lines), compared as a whole
    held: Callable[[], dict[str, int]]
    # Another adapter on the same system, as a restarted process would build.
    rebuild: Callable[[], Target]
    # The next write of the subscription object refuses its first record (a refusal for
    # good, as a validation rule gives), then the system takes it again.
    refuse_first: Callable[[], None]
    # 5xx / 429 on the next writes; returns a callable telling how many were injected.
    fail_transiently: Callable[[], Callable[[], int]]
    # Access is revoked for writes (reads still answer, so the run reaches its writes).
    revoke: Callable[[], None]
    # Real adapters retry inside the call; the memory target has no transport, so its
    # transient failures come back per record and the work queue retries the key.
    retries_within_a_call: bool = True


T_CANCEL = dt.datetime(2026, 6, 30, tzinfo=dt.UTC)
T1 = dt.datetime(2026, 3, 1, 12, 30, 15, tzinfo=dt.UTC)


def subscriptions() -> list[Subscription]:
    """Subscriptions exercising every field format of the default mappings: statuses,
    discounts on items and on the subscription, several items, other currencies and
    intervals, quoting in names, absent optional values."""
    return [
        subscription(1),
        subscription(2, items=(item("pro", 3, discounts=(forever_percent("10"),)),)),
        paused(subscription(3)),
        subscription(4, status=SubscriptionStatus.CANCELLED, cancel_at=T_CANCEL),
        subscription(
            5,
            currency="USD",
            items=(
                item("starter", 2, unit=IntervalUnit.YEAR, currency="USD", item_id="si_a"),
                item("enterprise", 1, unit=IntervalUnit.YEAR, currency="USD", item_id="si_b"),
            ),
        ),
        subscription(6, status=SubscriptionStatus.TRIALING),
        subscription(
            7,
            status=SubscriptionStatus.TRIALING,
            trial_end=dt.datetime(2026, 1, 15, tzinfo=dt.UTC),
            metadata={"renewal_owner": "Ada O'Neil"},
        ),
        subscription(
            8,
            items=(item("enterprise", 7, unit=IntervalUnit.YEAR, amount="499.99"),),
            discounts=(forever_percent("12.5"),),
            cancel_at=T1,
            cancel_at_period_end=True,
        ),
        paused(subscription(9), until=dt.datetime(2026, 4, 1, tzinfo=dt.UTC)),
        subscription(
            10,
            status=SubscriptionStatus.CANCELLED,
            cancelled_at=T1,
            customer=customer(10, name='Quote " and \\ backslash', tax_id=None, email=None),
        ),
        subscription(11, items=(item("starter", 3, unit=IntervalUnit.WEEK, count=2),)),
    ]


@dataclass
class Run:
    """Billing in memory, the rig's target, a fresh state store: what a run needs."""

    source: MemorySource
    rig: Rig
    reconciler: Reconciler

    @property
    def system(self) -> str:
        return self.rig.target.system

    def ids(self) -> list[str]:
        return self.source.ids()

    def all(self) -> RunReport:
        return self.reconciler.reconcile_all()

    def only(self, keys: Sequence[str]) -> RunReport:
        return self.reconciler.reconcile(list(keys))


def new_run(rig: Rig, target: Target | None = None) -> Run:
    source = MemorySource(subscriptions())
    reconciler = Reconciler(
        source, [target or rig.target], SqliteStore(":memory:"), chunk_size=CHUNK
    )
    return Run(source, rig, reconciler)


def read_back(target: Target, sub: Subscription) -> dict[str, object]:
    """Each mapped object of ``sub`` as the target reads it, normalised (None if absent)."""
    out: dict[str, object] = {}
    for obj in target.mapping.ordered():
        key = obj.key_of(sub)
        assert key is not None
        found = target.read(obj.name, [key]).get(key)
        out[obj.name] = obj.normalise(found.fields) if found is not None else None
    return out


def rendered(target: Target, sub: Subscription) -> dict[str, object]:
    return {name: values for name, (_key, values) in target.mapping.render(sub).items()}


def expected_held(target: Target, subs: Sequence[Subscription]) -> dict[str, int]:
    """One record per distinct match key of each mapped object: no twin, nothing missing."""
    return {
        obj.name: len({obj.key_of(sub) for sub in subs} - {None})
        for obj in target.mapping.ordered()
    }


def mapped_held(rig: Rig) -> dict[str, int]:
    """What the system holds of the mapped objects, without the system's own extra counts."""
    objects = rig.target.mapping.objects
    return {name: n for name, n in rig.held().items() if name in objects}


def subscription_object(target: Target) -> str:
    """The mapped object holding the subscription itself: the last one written."""
    return target.mapping.ordered()[-1].name


class TargetContract:
    """The shared tests; a target's module subclasses this and provides ``rig``."""

    def test_round_trip_reads_back_as_rendered(self, rig: Rig) -> None:
        """Every record a run writes reads back exactly as the mapping rendered it."""
        run = new_run(rig)
        report = run.all()
        assert report.status == "clean", report.summary()
        expected = expected_held(rig.target, subscriptions())
        assert report.applied[f"{run.system}.ok"] == sum(expected.values())
        assert mapped_held(rig) == expected
        for sub in subscriptions():
            assert read_back(rig.target, sub) == rendered(rig.target, sub), sub.id
        for obj in rig.target.mapping.ordered():
            for record in rig.target.read(obj.name, list(rendered_keys(rig, obj.name))).values():
                assert record.remote_id, (obj.name, record.key)
                assert record.modstamp, (obj.name, record.key)

    def test_second_run_makes_no_write_call(self, rig: Rig) -> None:
        """Once in line, neither a full run nor a run by key plans or makes a write call."""
        run = new_run(rig)
        assert run.all().status == "clean"
        writes, held = rig.target.calls.writes, rig.held()
        for again in (run.all(), run.only(run.ids())):
            assert again.status == "clean", again.summary()
            assert not again.actions, again.summary()
            assert again.planned_writes == 0
            assert again.cost[run.system].planned_writes == 0
            assert again.cost[run.system].writes == 0
        assert rig.target.calls.writes == writes
        assert rig.held() == held
        assert mapped_held(rig) == expected_held(rig.target, subscriptions())

    def test_lost_state_finds_the_records_and_makes_no_twin(self, rig: Rig) -> None:
        """With a new empty store, the same adapter or a restarted one finds the records by
        their external ids: it creates nothing and writes nothing."""
        assert new_run(rig).all().status == "clean"
        held = rig.held()
        # By key (a webhook's path) with the adapter that wrote, then after a restart by key
        # and in full (the sweep).
        for target, full in ((rig.target, False), (rig.rebuild(), False), (rig.rebuild(), True)):
            lost = new_run(rig, target)
            writes = target.calls.writes
            report = lost.all() if full else lost.only(lost.ids())
            assert report.status == "clean", report.summary()
            assert f"{lost.system}.create" not in report.actions, report.summary()
            assert report.cost[lost.system].writes == 0
            assert target.calls.writes == writes
        assert rig.held() == held
        assert mapped_held(rig) == expected_held(rig.target, subscriptions())

    def test_a_refused_record_fails_alone(self, rig: Rig) -> None:
        """One record the target refuses is dead-lettered as terminal while the rest lands;
        once the target takes it, the next run writes it and the letter closes."""
        run = new_run(rig)
        rig.refuse_first()
        report = run.all()
        letters = run.reconciler.store.list_dead_letters()
        assert [letter.system for letter in letters] == [run.system]
        refused = letters[0].key
        assert report.dead_letters == 1
        assert not letters[0].retryable
        assert report.decision(refused).outcome is Outcome.TERMINAL
        held = expected_held(rig.target, subscriptions())
        held[subscription_object(rig.target)] -= 1
        assert mapped_held(rig) == held
        for sub in subscriptions():
            if sub.id != refused:
                assert report.decision(sub.id).outcome is Outcome.DONE, sub.id
                assert read_back(rig.target, sub) == rendered(rig.target, sub), sub.id
        again = run.all()
        assert again.status == "clean", again.summary()
        assert run.reconciler.store.list_dead_letters() == []
        assert mapped_held(rig) == expected_held(rig.target, subscriptions())

    def test_transient_faults_are_retried_until_everything_is_written(self, rig: Rig) -> None:
        """Injected 5xx and 429 answers end with every record written, once."""
        run = new_run(rig)
        injected = rig.fail_transiently()
        first = report = run.all()
        for _ in range(2):  # what the work queue does with the keys it is told to retry
            again = [k for k in run.ids() if report.decision(k).outcome is Outcome.RETRY]
            if not again:
                break
            report = run.only(again)
        assert injected() > 0
        if rig.retries_within_a_call:
            assert first.status == "clean", first.summary()
        assert report.status == "clean", report.summary()
        assert run.reconciler.store.list_dead_letters() == []
        assert mapped_held(rig) == expected_held(rig.target, subscriptions())
        for sub in subscriptions():
            assert read_back(rig.target, sub) == rendered(rig.target, sub), sub.id

    def test_revoked_access_reports_the_system_down_without_dead_letters(self, rig: Rig) -> None:
        """A fatal error pauses the system for every key and files no dead letter."""
        run = new_run(rig)
        rig.revoke()
        report = run.all()
        assert run.system in report.systems_down, report.summary()
        assert report.systems_down[run.system]
        for key in run.ids():
            assert report.decision(key).outcome is Outcome.SYSTEM_DOWN, key
        assert run.reconciler.store.list_dead_letters() == []
        assert report.dead_letters == 0

    def test_no_two_calls_to_the_target_at_once(self, rig: Rig) -> None:
        """Reads, prefetches, stamp scans, writes and read-backs never overlap on a target."""
        run = new_run(rig)
        run.all()
        for sub in subscriptions():  # every record changes: the next runs read and write all
            run.source.put(sub.replace(items=(item("pro", 5, currency=sub.currency),)))
        for report in (run.all(), run.only(run.ids())):
            assert report.status == "clean", report.summary()
        assert rig.probe.calls > len(subscriptions()) // CHUNK
        assert rig.probe.most_at_once == 1


def rendered_keys(rig: Rig, object_name: str) -> set[str]:
    obj = rig.target.mapping.objects[object_name]
    return {key for sub in subscriptions() if (key := obj.key_of(sub)) is not None}
