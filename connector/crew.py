"""The workers of one process, and how many keys each takes.

How many workers run is decided by the queue's depth: one while few keys are ready, one
more for every ``KEYS_PER_WORKER`` ready keys, up to the crew's size. Runs in one process
share one interpreter: on a quiet queue a second run at the same time slows both more than
waiting for the first one (measured with ``bench/webhook_latency``), while a backlog (a
renewal storm) is worked by every worker at once.

A worker that runs takes a fair share of what is ready: the ready keys divided among the
workers that may run, at least one and at most the batch size, so that a change is not left
behind one worker's long run while another could take it.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Iterator
from contextlib import contextmanager

# Ready keys that justify one more worker running at the same time.
KEYS_PER_WORKER = 10


class Crew:
    def __init__(self, size: int) -> None:
        self.size = max(1, size)
        self._busy = 0
        self._lock = threading.Lock()

    @property
    def busy(self) -> int:
        with self._lock:
            return self._busy

    def share(self, ready: int, batch: int) -> int:
        """How many of ``ready`` keys a free worker takes now (the asking worker is free):
        0 while as many workers run as the queue's depth calls for."""
        wanted = min(self.size, 1 + ready // KEYS_PER_WORKER)
        with self._lock:
            busy = self._busy
        if busy >= wanted:
            return 0
        return max(1, min(batch, math.ceil(ready / (wanted - busy))))

    @contextmanager
    def working(self) -> Iterator[None]:
        """Count this worker as busy for the block."""
        with self._lock:
            self._busy += 1
        try:
            yield
        finally:
            with self._lock:
                self._busy -= 1
