"""Each worker takes a fair share of the ready keys, so no change waits behind one long run."""

from __future__ import annotations

import datetime as dt

from connector.crew import Crew
from connector.queue import WorkQueue
from connector.store import StateStore
from connector.worker import Worker


def test_a_free_worker_takes_the_ready_keys_divided_among_free_workers() -> None:
    crew = Crew(4)
    assert crew.share(ready=1, batch=50) == 1
    assert crew.share(ready=8, batch=50) == 2
    assert crew.share(ready=1000, batch=50) == 50
    with crew.working(), crew.working():
        assert crew.busy == 2
        assert crew.share(ready=8, batch=50) == 4
    assert crew.busy == 0


class Recording:
    """A reconciler stand-in that records the keys of each run."""

    def __init__(self) -> None:
        self.runs: list[list[str]] = []

    def reconcile(self, keys: list[str], options: object) -> object:
        self.runs.append(list(keys))
        raise RuntimeError("not reconciled here")  # the keys go back with a backoff


def test_two_workers_split_a_queue_instead_of_one_taking_it_all(store: StateStore) -> None:
    now = dt.datetime(2026, 12, 1, tzinfo=dt.UTC)
    queue = WorkQueue(store, clock=lambda: now)
    queue.add([f"sub_{n}" for n in range(6)], "webhook")
    crew = Crew(2)
    recording = Recording()
    first = Worker("w1", queue, recording, batch=50, crew=crew)  # type: ignore[arg-type]
    assert first.run_once() == 3  # half of the six: the other half is the second worker's
    assert WorkQueue(store, clock=lambda: now).ready() == 3
    lone = Worker("w2", queue, recording, batch=50)  # type: ignore[arg-type]
    assert lone.run_once() == 3  # without a crew a worker takes all it may
    assert [len(keys) for keys in recording.runs] == [3, 3]
