"""Periodic beats (a run's heartbeat, a worker's leases) on one thread for the process.

A run used to start a thread of its own for each beat, and a worker's run two of them: on a
busy daemon, starting and joining threads for every run of a few keys costs more than the
beats themselves. One long-lived thread calls every registered beat when it is due.
"""

from __future__ import annotations

import heapq
import itertools
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from connector.logs import get_logger
from connector.redaction import redact_text

log = get_logger("connector.ticker")


class Ticker:
    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._due: list[tuple[float, int]] = []  # (when, beat id), a heap
        self._beats: dict[int, tuple[float, Callable[[], object]]] = {}
        self._ids = itertools.count()
        self._changed = threading.Condition()
        self._thread: threading.Thread | None = None

    @contextmanager
    def every(self, seconds: float, beat: Callable[[], object]) -> Iterator[None]:
        """Call ``beat`` every ``seconds`` while the block runs (first after ``seconds``)."""
        beat_id = next(self._ids)
        with self._changed:
            self._beats[beat_id] = (seconds, beat)
            heapq.heappush(self._due, (self._clock() + seconds, beat_id))
            self._start()
            self._changed.notify()
        try:
            yield
        finally:
            with self._changed:
                self._beats.pop(beat_id, None)  # its heap entry is dropped when it comes up

    def _start(self) -> None:
        if self._thread is None or not self._thread.is_alive():
            self._thread = threading.Thread(target=self._run, name="ticker", daemon=True)
            self._thread.start()

    def _run(self) -> None:
        while True:
            with self._changed:
                beat = self._next()
            if beat is not None:
                try:
                    beat()
                except Exception as exc:  # a missed beat is retried at the next one
                    log.warning("ticker.beat_failed", error=redact_text(f"{exc}"))

    def _next(self) -> Callable[[], object] | None:
        """Wait (holding the condition) until a beat is due; reschedule and return it."""
        while True:
            while self._due and self._due[0][1] not in self._beats:
                heapq.heappop(self._due)
            if not self._due:
                self._changed.wait()
                continue
            when, beat_id = self._due[0]
            wait = when - self._clock()
            if wait > 0:
                self._changed.wait(wait)
                continue
            heapq.heappop(self._due)
            seconds, beat = self._beats[beat_id]
            heapq.heappush(self._due, (self._clock() + seconds, beat_id))
            return beat


#: The process's ticker.
TICKER = Ticker()
