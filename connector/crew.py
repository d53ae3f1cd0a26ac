"""The workers of one process, and how many keys each takes.

A worker that takes every ready key (up to its batch size) makes one long run while the
other workers sit idle, and a change that arrives meanwhile waits behind it. So each worker
takes a fair share of what is ready: the ready keys divided among the workers that are free
right now, at least one and at most the batch size. A quiet queue gives runs of one or two
keys to every free worker at once (the shortest latency); a deep one gives full batches
(the fewest API calls per key).
"""

from __future__ import annotations

import math
import threading
from collections.abc import Iterator
from contextlib import contextmanager


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
        """How many of ``ready`` keys a free worker takes (the asking worker is free)."""
        with self._lock:
            free = max(1, self.size - self._busy)
        return max(1, min(batch, math.ceil(ready / free)))

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
