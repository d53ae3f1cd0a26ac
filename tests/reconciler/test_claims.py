"""A run started outside the queue writes only keys it holds, like a worker.

The lost update these tests pin: a full run read billing (5 seats), a worker then applied
billing's newer value (9) and audited it, and the full run wrote its older 5 over it, with a
second audit entry for a change billing made once.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterable, Iterator

from adapters.base import SourcePage, SourceRead
from connector.metrics import Metrics
from connector.queue import QueuePolicy, WorkQueue
from connector.reconciler import Reconciler
from connector.store import AuditQuery, StateStore
from connector.worker import Worker
from tests.conftest import World
from tests.factories import item

KEY = "sub_00002"


def _worker(world: World) -> tuple[WorkQueue, Worker]:
    """A queue worker with a reconciler of its own, as another process has."""
    queue = WorkQueue(world.store, QueuePolicy(), rng=random.Random(1))
    own = Reconciler(world.source, [world.crm, world.erp], world.store, chunk_size=16)
    return queue, Worker("w1", queue, own, batch=20, metrics=Metrics())


def _seats(world: World) -> int:
    quantity = world.crm.records["subscription"][KEY].fields["Quantity__c"]
    assert isinstance(quantity, int)
    return quantity


def _upgrades(world: World) -> int:
    return len(world.store.query_audit(AuditQuery(subscription_id=KEY, event_type="upgraded")))


def test_a_full_run_never_writes_what_a_worker_wrote_after_its_read(
    synced_world: World,
) -> None:
    world = synced_world
    queue, worker = _worker(world)
    (sub,) = world.source.get([KEY]).found.values()
    world.source.put(sub.replace(items=(item("enterprise", 5),)))
    chunks = world.reconciler._chunks

    def worker_between_read_and_write(pages: Iterable[SourcePage]) -> Iterator[SourceRead]:
        for read in chunks(pages):
            if KEY in read.found:
                # The run has read 5 seats; billing moves to 9 and a worker applies it.
                world.source.put(sub.replace(items=(item("enterprise", 9),)))
                queue.add([KEY], "webhook")
                assert worker.run_once() == 1
            yield read

    world.reconciler._chunks = worker_between_read_and_write  # type: ignore[method-assign]
    report = world.reconciler.reconcile_all()
    assert report.deferred == 1
    assert _seats(world) == 9
    while worker.run_once():  # the deferred key, worked again from fresh reads
        pass
    assert _seats(world) == 9
    assert _upgrades(world) == 1


def test_a_key_a_worker_holds_is_left_to_the_queue(synced_world: World) -> None:
    """The run neither waits for nor writes a key another worker holds: it queues it again,
    and the holder's key is worked once more after the holder is done."""
    world = synced_world
    queue, worker = _worker(world)
    queue.add([KEY], "webhook")
    (held,) = queue.take("other-worker", 1)
    (sub,) = world.source.get([KEY]).found.values()
    world.source.put(sub.replace(items=(item("enterprise", 7),)))
    report = world.reconciler.reconcile_all()
    assert report.deferred == 1
    assert _seats(world) != 7
    queue.done(held)  # the other worker finishes: the key is queued again for the run's sake
    assert worker.run_once() == 1
    assert _seats(world) == 7
    assert _upgrades(world) == 1


def test_claims_are_given_back_and_requests_made_meanwhile_are_kept(store: StateStore) -> None:
    now = dt.datetime(2026, 12, 1, tzinfo=dt.UTC)
    store.enqueue(["b"], "webhook", now)
    claimed = store.claim(["a", "b", "c"], "run:1", now, 60)
    assert claimed == {"a", "c"}  # "b" is queued: the queue owns it
    assert store.claim(["a"], "run:2", now, 60) == set()  # held
    later = now + dt.timedelta(seconds=61)
    assert store.claim(["a"], "run:2", later, 60) == {"a"}  # the holder's lease ran out
    store.enqueue(["c"], "webhook", now)  # asked for while the run holds it
    store.release_claims(["a", "c"], "run:1", now)  # "a" is run:2's now: untouched
    stats = store.queue_stats(now)
    assert (stats.queued, stats.leased) == (2, 1)  # b, and c again; a held by run:2


def test_the_audit_mark_tells_keys_written_since(world: World) -> None:
    mark = world.store.audit_mark()
    world.reconciler.reconcile(["sub_00001"])
    assert world.store.audited_since(mark, ["sub_00001", "sub_00002"]) == {"sub_00001"}
    assert world.store.audited_since(world.store.audit_mark(), ["sub_00001"]) == set()
