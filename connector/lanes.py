"""Lanes: one thread per target system while a run plans.

A target's calls go through its lane, so they stay in order and never overlap (adapters
are not built for concurrent calls), while different targets, and the next chunk of the
same target, are read while the connector plans. Outside an open period a call simply runs
where it is called.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from typing import TypeVar

T = TypeVar("T")


class Lanes:
    def __init__(self, systems: Iterable[str]) -> None:
        self._systems = tuple(systems)
        self._open: dict[str, ThreadPoolExecutor] = {}

    @contextmanager
    def opened(self) -> Iterator[None]:
        """Lanes for the duration of the block; re-entering an open block reuses them.

        On exit the lanes finish the call each one is running and drop what was queued
        behind it (the block ended because planning stopped, so nobody waits for it).
        """
        if self._open:
            yield
            return
        self._open = {
            system: ThreadPoolExecutor(1, thread_name_prefix=f"{system}-reads")
            for system in self._systems
        }
        try:
            yield
        finally:
            lanes, self._open = self._open, {}
            for lane in lanes.values():
                lane.shutdown(wait=True, cancel_futures=True)

    def submit(self, system: str, call: Callable[[], T]) -> Future[T]:
        """Run ``call`` on the system's lane, or here and now when no lane is open."""
        lane = self._open.get(system)
        if lane is not None:
            return lane.submit(call)
        done: Future[T] = Future()
        try:
            done.set_result(call())
        except BaseException as exc:  # handed over through the future, like a lane does
            done.set_exception(exc)
        return done
