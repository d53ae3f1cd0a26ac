"""The pool behind lanes and side-by-side retrieves: results, errors, cancels, no stragglers."""

from __future__ import annotations

import gc
import threading

import pytest

from connector.daemon_pool import DaemonPool


def test_results_errors_and_concurrency() -> None:
    pool = DaemonPool(3, "test-pool")
    together = threading.Barrier(3, timeout=10)

    def meet(n: int) -> int:
        together.wait()  # three calls must run at once
        return n * 2

    assert list(pool.map(meet, range(6))) == [0, 2, 4, 6, 8, 10]
    failing = pool.submit(lambda: 1 / 0)
    with pytest.raises(ZeroDivisionError):
        failing.result(timeout=10)
    assert all(t.daemon for t in threading.enumerate() if t.name.startswith("test-pool"))
    pool.shutdown()
    assert not [t for t in threading.enumerate() if t.name.startswith("test-pool")]


def test_queued_work_is_cancelled_and_a_forgotten_pool_ends_its_threads() -> None:
    pool = DaemonPool(1, "test-forgotten")
    release = threading.Event()
    running = pool.submit(release.wait, 10)
    queued = pool.submit(lambda: "never")
    pool.shutdown(wait=False, cancel_futures=True)
    assert queued.cancelled()
    release.set()
    assert running.result(timeout=10) is True
    other = DaemonPool(2, "test-gone")
    assert other.submit(lambda: 1).result(timeout=10) == 1
    threads = [t for t in threading.enumerate() if t.name.startswith("test-gone")]
    del other
    gc.collect()
    for thread in threads:
        thread.join(timeout=10)
        assert not thread.is_alive()
