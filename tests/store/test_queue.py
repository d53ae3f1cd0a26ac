"""The durable work queue, on both backends."""

from __future__ import annotations

import datetime as dt
import random
from pathlib import Path

from connector.queue import QueuePolicy, WorkQueue
from connector.store import SqliteStore, StateStore

T0 = dt.datetime(2026, 11, 1, 12, tzinfo=dt.UTC)


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += dt.timedelta(seconds=seconds)


def _queue(store: StateStore, clock: Clock, **policy: float) -> WorkQueue:
    return WorkQueue(store, QueuePolicy(**policy), clock=clock, rng=random.Random(3))  # type: ignore[arg-type]


def test_a_key_queued_many_times_is_worked_once(store: StateStore) -> None:
    """Five webhooks for one subscription before a worker looks: one work item."""
    queue = _queue(store, Clock())
    for _ in range(5):
        queue.add(["sub_1"], "webhook")
    queue.add(["sub_2", "sub_1"], "poll")
    items = queue.take("w1", limit=10)
    assert sorted(item.key for item in items) == ["sub_1", "sub_2"]
    assert queue.take("w2", limit=10) == []


def test_a_held_key_is_not_given_to_another_worker(store: StateStore) -> None:
    """Leases are exclusive."""
    queue = _queue(store, Clock())
    queue.add([f"sub_{i}" for i in range(10)], "sweep")
    first = {item.key for item in queue.take("w1", limit=6)}
    second = {item.key for item in queue.take("w2", limit=6)}
    assert len(first) == 6
    assert len(second) == 4
    assert not first & second


def test_queued_again_while_held_is_worked_again_after(store: StateStore) -> None:
    """A change arriving during work is not lost: the key comes back once the worker is done."""
    queue = _queue(store, Clock())
    queue.add(["sub_1"], "webhook")
    (item,) = queue.take("w1")
    queue.add(["sub_1"], "webhook")
    assert queue.take("w2") == []  # still held
    assert queue.done(item)
    (again,) = queue.take("w2")
    assert again.key == "sub_1"
    assert queue.done(again)
    assert queue.take("w2") == []


def test_failures_back_off_then_dead_letter(store: StateStore) -> None:
    """A failing key waits longer each time and ends in the dead letters with its last error."""
    clock = Clock()
    queue = _queue(store, clock, max_attempts=3, backoff_base=10, backoff_cap=100)
    queue.add(["sub_9"], "webhook")
    (item,) = queue.take("w1")
    assert not queue.failed(item, "503 from Salesforce")
    assert queue.take("w1") == []  # backing off
    assert queue.stats().delayed == 1
    clock.advance(10)
    (item,) = queue.take("w1")
    assert item.attempts == 1
    assert item.last_error == "503 from Salesforce"
    assert not queue.failed(item, "503 again")
    clock.advance(5)
    assert queue.take("w1") == []  # second backoff is longer
    clock.advance(20)
    (item,) = queue.take("w1")
    assert queue.failed(item, "timeout talking to Odoo", system="odoo")
    assert queue.stats().queued == 0
    (letter,) = store.list_dead_letters()
    assert (letter.key, letter.system, letter.error_code) == ("sub_9", "odoo", "RETRIES_EXHAUSTED")
    assert letter.reason == "timeout talking to Odoo"


def test_non_retryable_failure_dead_letters_at_once(store: StateStore) -> None:
    """A poison key is not retried."""
    queue = _queue(store, Clock())
    queue.add(["sub_bad"], "webhook")
    (item,) = queue.take("w1")
    assert queue.failed(item, "unreadable billing record", retryable=False)
    assert store.list_dead_letters()[0].error_code == "FAILED"


def test_a_crashed_workers_lease_expires(store: StateStore) -> None:
    """A dead worker's key is taken again after its lease; the dead worker cannot finish it."""
    clock = Clock()
    queue = _queue(store, clock, lease_seconds=30)
    queue.add(["sub_1"], "webhook")
    (lost,) = queue.take("w1")
    clock.advance(29)
    assert queue.take("w2") == []
    clock.advance(2)
    (taken,) = queue.take("w2")
    assert taken.attempts == 1  # the crash counts, so a key that kills workers ends dead-lettered
    assert not queue.done(lost)
    assert queue.done(taken)


def test_heartbeat_keeps_a_long_job_leased(store: StateStore) -> None:
    """A worker that extends its lease keeps the key."""
    clock = Clock()
    queue = _queue(store, clock, lease_seconds=30)
    queue.add(["sub_1"], "webhook")
    (_item,) = queue.take("w1")
    clock.advance(25)
    assert queue.heartbeat("w1", ["sub_1"]) == 1
    clock.advance(25)
    assert queue.take("w2") == []


def test_released_keys_go_back_untouched(store: StateStore) -> None:
    """On shutdown a worker gives its keys back without counting a failure."""
    queue = _queue(store, Clock())
    queue.add(["sub_1"], "webhook")
    (item,) = queue.take("w1")
    assert queue.give_back(item)
    (again,) = queue.take("w2")
    assert again.attempts == 0


def test_stats_report_depth_and_oldest(store: StateStore) -> None:
    """Queue depth, held keys and the oldest item's age are visible for metrics."""
    clock = Clock()
    queue = _queue(store, clock)
    queue.add(["a", "b", "c"], "sweep")
    clock.advance(60)
    queue.add(["d"], "webhook")
    queue.take("w1", limit=1)
    stats = queue.stats()
    assert (stats.queued, stats.leased) == (3, 1)
    assert stats.oldest_enqueued_at == T0


def test_webhook_events_are_deduplicated_with_their_enqueue(store: StateStore) -> None:
    """The same event id twice: queued once, the second delivery is recognised."""
    updated = "customer.subscription.updated"
    assert store.accept_webhooks([("evt_1", updated, ["sub_1"])], T0) == {"evt_1"}
    assert store.accept_webhooks([("evt_1", updated, ["sub_1"])], T0) == set()
    both = [("evt_2", updated, ["sub_1"]), ("evt_2", updated, ["sub_1"])]
    assert store.accept_webhooks(both, T0) == {"evt_2"}  # twice in one batch: once
    assert [item.key for item in store.lease("w", 10, T0, 30)] == ["sub_1"]


def test_nothing_queued_is_lost_across_a_restart(tmp_path: Path) -> None:
    """Keys queued, and keys held by a process that stopped, survive reopening the store."""
    clock = Clock()
    first = SqliteStore(tmp_path / "q.db")
    queue = _queue(first, clock, lease_seconds=30)
    queue.add(["sub_1", "sub_2"], "webhook")
    queue.take("w1", limit=1)
    first.close()
    clock.advance(31)
    second = SqliteStore(tmp_path / "q.db")
    keys = {item.key for item in _queue(second, clock).take("w2", limit=10)}
    assert keys == {"sub_1", "sub_2"}
    second.close()
