"""Each worker takes a fair share of the ready keys, so no change waits behind one long run."""

from __future__ import annotations

import datetime as dt

from connector.crew import Crew
from connector.queue import WorkQueue
from connector.store import StateStore
from connector.worker import Worker


def test_one_worker_runs_on_a_quiet_queue_and_more_as_it_deepens() -> None:
    crew = Crew(4)
    assert crew.share(ready=1, batch=50) == 1
    assert crew.share(ready=8, batch=50) == 8  # one run takes the few ready keys
    with crew.working():
        assert crew.share(ready=5, batch=50) == 0  # a second run would only slow the first
        assert crew.share(ready=25, batch=50) == 13  # deeper: a second worker takes half
    with crew.working(), crew.working(), crew.working():
        assert crew.busy == 3
        assert crew.share(ready=200, batch=50) == 50  # a backlog: every worker, full batches
        assert crew.share(ready=30, batch=50) == 30
    assert crew.busy == 0


class Recording:
    """A reconciler stand-in that records the keys of each run."""

    def __init__(self) -> None:
        self.runs: list[list[str]] = []

    def reconcile(self, keys: list[str], options: object) -> object:
        self.runs.append(list(keys))
        raise RuntimeError("not reconciled here")  # the keys go back with a backoff


def test_a_backlog_is_split_between_the_workers(store: StateStore) -> None:
    now = dt.datetime(2026, 12, 1, tzinfo=dt.UTC)
    queue = WorkQueue(store, clock=lambda: now)
    queue.add([f"sub_{n:02d}" for n in range(24)], "webhook")
    crew = Crew(2)
    recording = Recording()
    first = Worker("w1", queue, recording, batch=50, crew=crew)  # type: ignore[arg-type]
    assert first.run_once() == 12  # half of the backlog: the other half is the second's
    assert queue.ready() == 12
    lone = Worker("w2", queue, recording, batch=50)  # type: ignore[arg-type]
    assert lone.run_once() == 12  # without a crew a worker takes all it may
    assert [len(keys) for keys in recording.runs] == [12, 12]
