"""Periodic beats share one thread; a beat stops when its block ends, and a failing beat does
not stop the others."""

from __future__ import annotations

import threading

from connector.ticker import Ticker


def test_beats_run_while_their_block_runs_and_stop_after() -> None:
    ticker = Ticker()
    fast = threading.Semaphore(0)
    slow: list[int] = []
    threads: set[str] = set()

    def beat_fast() -> None:
        threads.add(threading.current_thread().name)
        fast.release()

    with ticker.every(0.01, beat_fast), ticker.every(0.02, lambda: slow.append(1)):
        for _ in range(5):
            assert fast.acquire(timeout=10)
        while not slow:
            assert fast.acquire(timeout=10)
    assert threads == {"ticker"}
    # Once the block is over the beat is not called again (a call under way may finish).
    with ticker.every(0.01, fast.release):
        assert fast.acquire(timeout=10)
        after = len(slow)
        for _ in range(5):
            assert fast.acquire(timeout=10)
    assert len(slow) == after


def test_a_failing_beat_does_not_stop_the_others() -> None:
    ticker = Ticker()
    done = threading.Semaphore(0)

    def broken() -> None:
        raise RuntimeError("store unavailable")

    with ticker.every(0.01, broken), ticker.every(0.01, done.release):
        for _ in range(3):
            assert done.acquire(timeout=10)
