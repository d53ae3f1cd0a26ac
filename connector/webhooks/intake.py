"""Group commit of accepted webhooks.

Committing each webhook on its own costs a transaction (and, on PostgreSQL, several round
trips) per request. One writer thread instead takes every event waiting, records them and
queues their keys in a single transaction, and then answers all their requests. A request is
still answered only after its event is committed, so a crash before the answer is safe:
Stripe delivers the event again.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass

from connector.logs import get_logger
from connector.store import StateStore, utcnow
from connector.webhooks.stripe_events import EventRef

MAX_BATCH = 256


@dataclass
class _Pending:
    ref: EventRef
    answer: Future[tuple[bool, int]]


class WebhookIntake:
    def __init__(
        self,
        store: StateStore,
        max_batch: int = MAX_BATCH,
        on_queued: Callable[[], None] | None = None,
    ) -> None:
        self._store = store
        self._on_queued = on_queued
        self._max_batch = max_batch
        self._pending: queue.Queue[_Pending | None] = queue.Queue()
        self._thread = threading.Thread(target=self._run, name="webhook-intake", daemon=True)
        self._log = get_logger("connector.webhooks")
        self._thread.start()

    def submit(self, ref: EventRef) -> Future[tuple[bool, int]]:
        """Queue an event for the next commit; the future says (new?, keys queued)."""
        answer: Future[tuple[bool, int]] = Future()
        self._pending.put(_Pending(ref, answer))
        return answer

    def close(self) -> None:
        self._pending.put(None)
        self._thread.join(timeout=10)

    def _run(self) -> None:
        while True:
            first = self._pending.get()
            if first is None:
                return
            batch = [first]
            stop = False
            while len(batch) < self._max_batch:
                try:
                    item = self._pending.get_nowait()
                except queue.Empty:
                    break
                if item is None:
                    stop = True
                    break
                batch.append(item)
            self._commit(batch)
            if stop:
                return

    def _commit(self, batch: list[_Pending]) -> None:
        try:
            events = []
            for pending in batch:
                ref = pending.ref
                keys = list(ref.keys)
                if ref.customer is not None:
                    keys = self._store.keys_for_customer(ref.customer)
                events.append((ref.id, ref.type, keys))
            fresh = self._store.accept_webhooks(events, utcnow())
        except Exception as exc:  # every request of the batch gets the failure: 503, retried
            for pending in batch:
                pending.answer.set_exception(exc)
            return
        if fresh and self._on_queued is not None:
            self._on_queued()
        answered: set[str] = set()
        for pending, (event_id, _type, keys) in zip(batch, events, strict=True):
            new = event_id in fresh and event_id not in answered
            answered.add(event_id)
            pending.answer.set_result((new, len(keys)))
