"""A thread pool whose threads never hold up the end of the process.

``concurrent.futures.ThreadPoolExecutor`` joins its threads when the interpreter exits, so a
call stuck on a system that does not answer would keep a stopping daemon alive after its
second SIGTERM (which must exit at once). Long-lived pools (a run's lanes, the retrieves of
several Stripe subscriptions) use this one: daemon threads, made when first needed, that end
when the pool is shut down or forgotten.
"""

from __future__ import annotations

import queue
import threading
import weakref
from collections.abc import Callable
from concurrent.futures import Executor, Future
from typing import Any, ParamSpec, TypeVar

P = ParamSpec("P")
T = TypeVar("T")

_Work = tuple[Future[Any], Callable[[], Any]] | None


class _Shared:
    """What the pool and its threads share (the threads hold no reference to the pool)."""

    def __init__(self) -> None:
        self.work: queue.SimpleQueue[_Work] = queue.SimpleQueue()
        self.lock = threading.Lock()
        self.threads: list[threading.Thread] = []


def _serve(shared: _Shared) -> None:
    while True:
        work = shared.work.get()
        if work is None:
            return
        future, call = work
        if future.set_running_or_notify_cancel():
            try:
                future.set_result(call())
            except BaseException as exc:  # handed to whoever waits on the future
                future.set_exception(exc)


def _stop(shared: _Shared) -> None:
    with shared.lock:
        count = len(shared.threads)
    for _ in range(count):
        shared.work.put(None)


class DaemonPool(Executor):
    def __init__(self, workers: int, name: str) -> None:
        self._workers = max(1, workers)
        self._name = name
        self._shared = _Shared()
        self._closed = False
        weakref.finalize(self, _stop, self._shared)

    def submit(self, fn: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs) -> Future[T]:
        future: Future[T] = Future()
        shared = self._shared
        with shared.lock:
            if self._closed:
                raise RuntimeError(f"{self._name}: the pool is shut down")
            shared.work.put((future, lambda: fn(*args, **kwargs)))
            # Threads are made as work comes, up to the pool's size, and then kept.
            if len(shared.threads) < self._workers:
                thread = threading.Thread(
                    target=_serve,
                    args=(shared,),
                    name=f"{self._name}_{len(shared.threads)}",
                    daemon=True,
                )
                shared.threads.append(thread)
                thread.start()
        return future

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        shared = self._shared
        with shared.lock:
            self._closed = True
            threads = list(shared.threads)
        if cancel_futures:
            while True:
                try:
                    work = shared.work.get_nowait()
                except queue.Empty:
                    break
                if work is not None:
                    work[0].cancel()
        _stop(shared)
        if wait:
            for thread in threads:
                thread.join()
