"""Per-endpoint request counters, so tests and benchmarks can count real API calls."""

from __future__ import annotations

import threading
from collections import Counter


class CallStats:
    """Thread-safe counter of requests by ``"METHOD label"``.

    Each emulator chooses the label (for example ``"PATCH composite/sobjects"``), so that a
    test can assert "no write calls" without knowing every URL.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._counts: Counter[str] = Counter()

    def record(self, label: str) -> None:
        with self._lock:
            self._counts[label] += 1

    def snapshot(self) -> dict[str, int]:
        with self._lock:
            return dict(self._counts)

    def reset(self) -> None:
        with self._lock:
            self._counts.clear()
