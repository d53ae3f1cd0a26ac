"""A run's heartbeat: a run that stops beating is taken for dead (see connector.intents)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from connector.intents import RUN_BEAT_SECONDS
from connector.store import StateStore
from connector.ticker import TICKER


@contextmanager
def beating(store: StateStore, run_id: str, clock: Callable[[], dt.datetime]) -> Iterator[None]:
    """Show the run alive while it works (beats on the process's ticker)."""
    with TICKER.every(RUN_BEAT_SECONDS, lambda: store.beat_run(run_id, clock())):
        yield
