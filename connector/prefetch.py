"""Reading ahead: an iterator's next items are fetched in a thread while the caller works.

A full run reads billing pages, the targets' stamps, and then the targets' records of each
chunk. All of them wait on the network; reading the next billing pages while the current
chunk is planned lets the systems answer while the connector computes.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterable, Iterator
from types import TracebackType
from typing import Generic, TypeVar

T = TypeVar("T")

_POLL_SECONDS = 0.1


class _Done:
    """Put after the last item; carries the producer's exception, if any."""

    def __init__(self, error: BaseException | None) -> None:
        self.error = error


class Prefetch(Generic[T]):
    """Iterate ``items`` in order while a thread keeps up to ``depth`` of them fetched ahead.

    Use as a context manager: the thread starts on entry, so the first items arrive while
    the caller does other work, and stops on exit, whether the caller read everything,
    stopped early or failed. The producer's exception is raised where it happened in the
    stream. ``items`` is only ever touched by the producer thread.
    """

    def __init__(self, items: Iterable[T], depth: int, name: str = "prefetch") -> None:
        if depth < 1:
            raise ValueError("depth must be at least 1")
        self._items = items
        self._ahead: queue.Queue[T | _Done] = queue.Queue(maxsize=depth)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._produce, name=name, daemon=True)
        self._finished = False
        self._started = False

    def __enter__(self) -> Prefetch[T]:
        self._started = True
        self._thread.start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self._stop.set()
        self._thread.join()

    def __iter__(self) -> Iterator[T]:
        if not self._started:
            raise RuntimeError("Prefetch is iterated inside its `with` block")
        while not self._finished:
            item = self._ahead.get()
            if isinstance(item, _Done):
                self._finished = True
                if item.error is not None:
                    raise item.error
                return
            yield item

    def _offer(self, item: T | _Done) -> bool:
        while not self._stop.is_set():
            try:
                self._ahead.put(item, timeout=_POLL_SECONDS)
                return True
            except queue.Full:
                continue
        return False

    def _produce(self) -> None:
        source = iter(self._items)
        error: BaseException | None = None
        try:
            for item in source:
                if not self._offer(item):
                    return
        except BaseException as exc:  # handed to the consumer, which raises it
            error = exc
        finally:
            # A generator must be closed by the thread that ran it.
            close = getattr(source, "close", None)
            if close is not None:
                close()
        self._offer(_Done(error))
