"""The poller: turns the billing system's change feed into queued keys.

The cursor advances only after the keys it covers are durably queued, so a crash between the
two re-reads a page (harmless: the queue de-duplicates) and never skips one. When the cursor
is older than the source's history (Stripe keeps events 30 days), the poller queues a full
sweep instead and says so. On a slower schedule it queues a full drift sweep of the targets.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable

from adapters.base import Source
from connector.logs import get_logger
from connector.queue import WorkQueue
from connector.store import StateStore
from connector.worker import SWEEP_KEY

DEFAULT_POLL_SECONDS = 30.0
DEFAULT_SWEEP_SECONDS = 24 * 3600.0


class Poller:
    def __init__(
        self,
        source: Source,
        queue: WorkQueue,
        store: StateStore,
        *,
        interval: float = DEFAULT_POLL_SECONDS,
        sweep_interval: float | None = DEFAULT_SWEEP_SECONDS,
        stop: threading.Event | None = None,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.source = source
        self.queue = queue
        self.store = store
        self.interval = interval
        self.sweep_interval = sweep_interval
        self.stop = stop or threading.Event()
        self.cursor_name = f"{source.system}.changes"
        self._monotonic = monotonic
        self._next_sweep: float | None = None
        self._rng = random.Random()
        self.log = get_logger("connector.poller")

    def poll_once(self) -> int:
        """Queue the keys changed since the cursor; return how many were queued."""
        cursor = self.store.get_cursor(self.cursor_name)
        queued = 0
        for page in self.source.changed_since(cursor):
            if page.full_scan_needed:
                self.log.warning(
                    "poller.cursor_expired",
                    cursor=cursor,
                    action="the change feed no longer covers the cursor: full sweep queued",
                )
                self.queue.add([SWEEP_KEY], "cursor_expired")
            elif page.keys:
                self.queue.add(list(page.keys), "poll")
                queued += len(page.keys)
            if page.cursor is not None:
                self.store.set_cursor(self.cursor_name, page.cursor)
        return queued

    def due_sweep(self) -> bool:
        if self.sweep_interval is None:
            return False
        now = self._monotonic()
        if self._next_sweep is None:
            # Jitter the first sweep so replicas started together do not sweep together.
            self._next_sweep = now + self._rng.uniform(0.5, 1.0) * self.sweep_interval
            return False
        if now >= self._next_sweep:
            self._next_sweep = now + self.sweep_interval
            return True
        return False

    def run(self) -> None:
        self.log.info("poller.started", interval=self.interval)
        while not self.stop.is_set():
            try:
                count = self.poll_once()
                if count:
                    self.log.info("poller.queued", keys=count)
                if self.due_sweep():
                    self.queue.add([SWEEP_KEY], "sweep")
                    self.log.info("poller.sweep_queued")
            except Exception as exc:  # a failed poll is retried at the next interval
                self.log.warning("poller.failed", error=f"{type(exc).__name__}: {exc}")
            self.stop.wait(self.interval * self._rng.uniform(0.9, 1.1))
        self.log.info("poller.stopped")
