"""Lanes: one thread per target system while a run reads, writes and reads back.

A target's calls go through its lane, so they stay in order and never overlap (adapters
are not built for concurrent calls), while different targets, and the next chunk of the
same target, are read while the connector plans, and the targets are written at once.
Outside an open period a call simply runs where it is called.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, wait
from contextlib import contextmanager
from functools import partial
from typing import TypeVar

from connector.daemon_pool import DaemonPool

T = TypeVar("T")

# Submitted calls remembered before the finished ones are forgotten (see _forget_done). A
# chunk makes only a few calls per target, each answer a whole chunk's records or outcomes:
# a larger bound keeps dozens of chunks' answers alive in a long run.
_PRUNE_AT = 16


class Lanes:
    def __init__(self, systems: Iterable[str]) -> None:
        self._systems = tuple(systems)
        # Made at the first open block and kept for the next ones: a run of a few keys would
        # otherwise spend more on starting threads than on its calls.
        self._lanes: dict[str, DaemonPool] = {}
        self._open = False
        self._submitted: list[Future[object]] = []
        self._prune_at = _PRUNE_AT

    @contextmanager
    def opened(self) -> Iterator[None]:
        """Lanes for the duration of the block; re-entering an open block reuses them.

        On exit the lanes finish the call each one is running and drop what was queued
        behind it (the block ended because planning stopped, so nobody waits for it).
        """
        if self._open:
            yield
            return
        if not self._lanes:
            self._lanes = {system: DaemonPool(1, f"{system}-lane") for system in self._systems}
        self._open = True
        try:
            yield
        finally:
            self._open = False
            submitted, self._submitted = self._submitted, []
            for future in submitted:
                future.cancel()  # only what has not started yet
            wait(submitted)

    def each(self, systems: Iterable[str], call: Callable[[str], T]) -> dict[str, T]:
        """``call(system)`` for every system, each on its lane (side by side while the lanes
        are open; one after the other, here, when they are not or there is one system)."""
        chosen = list(systems)
        if len(chosen) <= 1:
            return {system: call(system) for system in chosen}
        running = {system: self.submit(system, partial(call, system)) for system in chosen}
        return {system: future.result() for system, future in running.items()}

    def submit(self, system: str, call: Callable[[], T]) -> Future[T]:
        """Run ``call`` on the system's lane, or here and now when no lane is open."""
        lane = self._lanes.get(system) if self._open else None
        if lane is not None:
            future = lane.submit(call)
            self._submitted.append(future)  # type: ignore[arg-type]
            if len(self._submitted) >= self._prune_at:
                self._forget_done()
            return future
        done: Future[T] = Future()
        try:
            done.set_result(call())
        except BaseException as exc:  # handed over through the future, like a lane does
            done.set_exception(exc)
        return done

    def _forget_done(self) -> None:
        """Drop the calls that finished: a future keeps its result (a chunk's records), and a
        run of a million subscriptions submits tens of thousands of calls in one block."""
        self._submitted = [future for future in self._submitted if not future.done()]
        self._prune_at = max(_PRUNE_AT, 2 * len(self._submitted))

    @property
    def idle(self) -> bool:
        """No call submitted in an open block is queued or running."""
        return not self._open and all(future.done() for future in self._submitted)

    def close(self) -> None:
        """Stop the lanes' threads (after the calls under way)."""
        lanes, self._lanes = self._lanes, {}
        for lane in lanes.values():
            lane.shutdown(wait=True, cancel_futures=True)
