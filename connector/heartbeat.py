"""A run's heartbeat: a run that stops beating is taken for dead (see connector.intents)."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from connector.intents import RUN_BEAT_SECONDS
from connector.store import StateStore


@contextmanager
def beating(store: StateStore, run_id: str, clock: Callable[[], dt.datetime]) -> Iterator[None]:
    """Show the run alive while it works."""
    done = threading.Event()

    def beat() -> None:
        while not done.wait(RUN_BEAT_SECONDS):
            store.beat_run(run_id, clock())

    thread = threading.Thread(target=beat, name="run-heartbeat", daemon=True)
    thread.start()
    try:
        yield
    finally:
        done.set()
        thread.join(timeout=5)
