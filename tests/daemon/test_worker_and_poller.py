"""Workers drain the queue through reconcile(key); the poller feeds it from the change feed."""

from __future__ import annotations

import random
from collections.abc import Iterator

from connector.metrics import Metrics
from connector.planning import PlannedChunk
from connector.poller import Poller
from connector.queue import QueuePolicy, WorkQueue
from connector.records import WriteError, WriteRequest
from connector.report import RunReport
from connector.schema import SubscriptionStatus
from connector.store import AuditQuery
from connector.worker import SWEEP_KEY, Worker
from tests.conftest import World
from tests.factories import item


def _queue(world: World, **policy: float) -> WorkQueue:
    return WorkQueue(world.store, QueuePolicy(**policy), rng=random.Random(1))  # type: ignore[arg-type]


def _worker(world: World, queue: WorkQueue) -> Worker:
    return Worker("w1", queue, world.reconciler, batch=20, metrics=Metrics())


def test_worker_reconciles_queued_keys(world: World) -> None:
    """Queued keys reach both targets and leave the queue."""
    queue = _queue(world)
    queue.add(["sub_00001", "sub_00002", "sub_00001"], "webhook")
    worker = _worker(world, queue)
    assert worker.run_once() == 2
    assert set(world.crm.records["subscription"]) == {"sub_00001", "sub_00002"}
    assert queue.stats().queued == 0
    assert worker.run_once() == 0


def test_transient_failures_go_back_with_backoff(world: World) -> None:
    """A batch that fails because a system is down is retried later, not dropped."""
    queue = _queue(world, backoff_base=60)

    def down(*_args: object) -> list[object]:
        raise ConnectionError("connection refused")

    world.erp.write = down  # type: ignore[method-assign,assignment]
    queue.add(["sub_00003"], "webhook")
    worker = _worker(world, queue)
    worker.run_once()
    stats = queue.stats()
    assert (stats.queued, stats.delayed) == (1, 1)
    assert world.store.list_dead_letters()[0].retryable


def test_validation_failures_are_done_and_dead_lettered(world: World) -> None:
    """A record a target refuses for good is not retried by the queue; it waits for a person."""
    queue = _queue(world)

    def refuse(request: WriteRequest) -> WriteError | None:
        return WriteError("FIELD_CUSTOM_VALIDATION_EXCEPTION", "no", retryable=False)

    world.crm.rejecter = refuse
    queue.add(["sub_00004"], "webhook")
    _worker(world, queue).run_once()
    assert queue.stats().queued == 0
    (letter,) = world.store.list_dead_letters()
    assert letter.error_code == "FIELD_CUSTOM_VALIDATION_EXCEPTION"


def _drain(worker: Worker) -> None:
    while worker.run_once():
        pass


def test_a_sweep_enqueues_what_needs_work_and_workers_apply_it(world: World) -> None:
    """The sweep writes nothing itself: its planning pass queues the keys with something to
    do, and workers apply them under their leases. A sweep over agreeing systems queues
    nothing."""
    queue = _queue(world)
    worker = _worker(world, queue)
    queue.add([SWEEP_KEY], "sweep")
    worker.run_once()
    assert world.crm.records["subscription"] == {}
    assert queue.stats().queued == 40
    _drain(worker)
    assert len(world.crm.records["subscription"]) == 40
    queue.add([SWEEP_KEY], "sweep")
    worker.run_once()
    assert queue.stats().queued == 0


def test_a_sweep_never_writes_older_values_over_a_worker(world: World) -> None:
    """Billing changes while the sweep plans: the worker applies the newer value first, and
    the sweep's key, worked again from fresh reads, neither writes the older value back nor
    audits the change twice."""
    queue = _queue(world)
    worker = _worker(world, queue)
    queue.add([f"sub_{i:05d}" for i in range(1, 41)], "initial")
    _drain(worker)
    key = "sub_00002"
    (sub,) = world.source.get([key]).found.values()
    world.source.put(sub.replace(items=(item("enterprise", 5),)))
    planning = world.reconciler._plan_everything

    def plan_then_billing_moves_on(report: RunReport) -> Iterator[PlannedChunk]:
        chunks = list(planning(report))  # the sweep planned 5 seats
        world.source.put(sub.replace(items=(item("enterprise", 9),)))
        queue.add([key], "webhook")
        worker.run_once()  # a worker applies 9 while the sweep is still running
        return iter(chunks)

    world.reconciler._plan_everything = plan_then_billing_moves_on  # type: ignore[method-assign]
    queue.add([SWEEP_KEY], "sweep")
    worker.run_once()
    assert world.crm.records["subscription"][key].fields["Quantity__c"] == 9
    _drain(worker)
    assert world.crm.records["subscription"][key].fields["Quantity__c"] == 9
    audited = world.store.query_audit(AuditQuery(subscription_id=key))
    applied = [entry.event_types for entry in audited if entry.outcome == "applied"]
    assert len(applied) == 2, applied  # the first sync, then one upgrade
    assert sum("upgraded" in events for events in applied) == 1


def test_poller_queues_changed_keys_and_advances_the_cursor(world: World) -> None:
    """Changes in billing become queued keys; the cursor then moves past them."""
    queue = _queue(world)
    poller = Poller(world.source, queue, world.store, sweep_interval=None)
    assert poller.poll_once() == 40  # the initial load of the change feed
    worker = _worker(world, queue)
    while worker.run_once():
        pass
    (sub,) = world.source.get(["sub_00005"]).found.values()
    world.source.put(sub.replace(items=(item("enterprise"),)))
    world.source.put(sub.replace(status=SubscriptionStatus.CANCELLED))
    assert poller.poll_once() == 1
    assert poller.poll_once() == 0
    worker.run_once()
    assert world.crm.records["subscription"]["sub_00005"].fields["Status__c"] == "Cancelled"
    assert world.store.cursors()["billing.changes"]


def test_poller_falls_back_to_a_sweep_when_the_feed_expired(world: World) -> None:
    """A cursor older than the feed's history queues a full sweep and says so."""

    from adapters.base import ChangePage

    def expired(cursor: str | None) -> Iterator[ChangePage]:
        yield ChangePage([], "evt_latest", full_scan_needed=True)

    world.source.changed_since = expired  # type: ignore[method-assign]
    queue = _queue(world)
    Poller(world.source, queue, world.store, sweep_interval=None).poll_once()
    assert [i.key for i in queue.take("w", 10)] == [SWEEP_KEY]
    assert world.store.get_cursor("billing.changes") == "evt_latest"


def test_doorbell_wakes_an_idle_worker_at_once(world: World) -> None:
    """A key queued by this process's webhook receiver is taken without waiting the idle time."""
    import threading
    import time

    from connector.worker import Doorbell

    queue = _queue(world)
    doorbell = Doorbell()
    stop = threading.Event()
    worker = Worker(
        "w1", queue, world.reconciler, idle_seconds=30, metrics=Metrics(), stop=stop,
        doorbell=doorbell,
    )  # fmt: skip
    thread = threading.Thread(target=worker.run)
    thread.start()
    try:
        time.sleep(0.2)  # idle now, for up to 30 s
        queue.add(["sub_00002"], "webhook")
        doorbell.ring()
        deadline = time.monotonic() + 10
        while "sub_00002" not in world.crm.records["subscription"]:
            assert time.monotonic() < deadline, "the worker did not wake up"
            time.sleep(0.02)
    finally:
        stop.set()
        doorbell.ring()
        thread.join(timeout=10)
    assert not thread.is_alive()
