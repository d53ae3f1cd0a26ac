"""Background delivery of events to webhook endpoints, with retries.

Each (event, endpoint) pair is one delivery, POSTed as JSON with a ``Stripe-Signature`` header.
A non-2xx answer or a connection error schedules a retry after the next delay of the configured
schedule (Stripe retries with exponential back-off for up to three days in live mode; the
sandbox schedule is configurable). Like Stripe, the emulator does not guarantee delivery order
(https://docs.stripe.com/webhooks#event-ordering): every delivery waits a small random jitter
and a few deliveries run in parallel.
"""

from __future__ import annotations

import heapq
import itertools
import random
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from typing import Any

import httpx

from connector.sandbox.stripe.signature import signature_header

#: (url, secret, payload) of a delivery, or None when the event/endpoint no longer exists.
Resolver = Callable[[str, str], tuple[str, str, bytes] | None]


@dataclass
class DeliveryAttempt:
    """One POST to an endpoint, as shown by ``GET /__sandbox/webhook_attempts``."""

    event_id: str
    endpoint_id: str
    url: str
    attempt: int
    at: float
    status_code: int | None
    error: str | None
    delivered: bool
    will_retry: bool

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


class WebhookDispatcher:
    def __init__(
        self,
        resolve: Resolver,
        on_delivered: Callable[[str], None],
        retry_schedule: list[float],
        max_jitter: float,
        timeout: float,
        seed: int = 0,
        workers: int = 4,
    ) -> None:
        self._resolve = resolve
        self._on_delivered = on_delivered
        self._schedule = list(retry_schedule)
        self._max_jitter = max_jitter
        self._random = random.Random(seed)
        self._queue: list[tuple[float, int, str, str, int, int]] = []
        self._generation = 0
        """Bumped by :meth:`clear`; deliveries of an older generation are dropped."""
        self._sequence = itertools.count()
        self._cond = threading.Condition()
        self._attempts: list[DeliveryAttempt] = []
        self._attempts_lock = threading.Lock()
        self._in_flight = 0
        self._stopped = False
        self._client = httpx.Client(timeout=timeout)
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="stripe-webhook")
        self._thread = threading.Thread(target=self._run, name="stripe-webhooks", daemon=True)
        self._thread.start()

    def enqueue(
        self,
        event_id: str,
        endpoint_id: str,
        attempt: int = 1,
        delay: float = 0.0,
        generation: int | None = None,
    ) -> None:
        with self._cond:
            if generation is not None and generation != self._generation:
                return
            jitter = self._random.uniform(0, self._max_jitter) if self._max_jitter else 0.0
            due = time.monotonic() + delay + jitter
            entry = (due, next(self._sequence), event_id, endpoint_id, attempt, self._generation)
            heapq.heappush(self._queue, entry)
            self._cond.notify()

    def attempts(self) -> list[DeliveryAttempt]:
        with self._attempts_lock:
            return list(self._attempts)

    def clear(self) -> None:
        with self._cond:
            self._queue.clear()
            self._generation += 1
        with self._attempts_lock:
            self._attempts.clear()

    def pending(self) -> int:
        with self._cond:
            return len(self._queue) + self._in_flight

    def wait_idle(self, timeout: float = 10.0) -> bool:
        """Block until nothing is queued or in flight (for tests and demos)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.pending() == 0:
                return True
            time.sleep(0.01)
        return False

    def stop(self) -> None:
        with self._cond:
            self._stopped = True
            self._cond.notify_all()
        self._thread.join(timeout=5)
        self._pool.shutdown(wait=False, cancel_futures=True)
        self._client.close()

    def _run(self) -> None:
        while True:
            with self._cond:
                while not self._stopped:
                    if self._queue:
                        wait = self._queue[0][0] - time.monotonic()
                        if wait <= 0:
                            break
                        self._cond.wait(timeout=wait)
                    else:
                        self._cond.wait()
                if self._stopped:
                    return
                _, _, event_id, endpoint_id, attempt, generation = heapq.heappop(self._queue)
                self._in_flight += 1
            try:
                self._pool.submit(self._deliver, event_id, endpoint_id, attempt, generation)
            except RuntimeError:
                return

    def _deliver(self, event_id: str, endpoint_id: str, attempt: int, generation: int) -> None:
        try:
            target = self._resolve(event_id, endpoint_id)
            if target is None:
                return
            url, secret, payload = target
            status: int | None = None
            error: str | None = None
            timestamp = int(time.time())  # real time: receivers check it against their clock
            headers = {
                "Content-Type": "application/json; charset=utf-8",
                "User-Agent": "Stripe/1.0 (+https://stripe.com/docs/webhooks)",
                "Stripe-Signature": signature_header(payload, secret, timestamp),
            }
            try:
                response = self._client.post(url, content=payload, headers=headers)
                status = response.status_code
            except httpx.HTTPError as exc:
                error = f"{type(exc).__name__}: {exc}"
            delivered = status is not None and 200 <= status < 300
            will_retry = not delivered and attempt <= len(self._schedule)
            if generation != self._generation:
                return
            with self._attempts_lock:
                self._attempts.append(
                    DeliveryAttempt(
                        event_id,
                        endpoint_id,
                        url,
                        attempt,
                        time.time(),
                        status,
                        error,
                        delivered,
                        will_retry,
                    )
                )
            if delivered:
                self._on_delivered(event_id)
            elif will_retry:
                delay = self._schedule[attempt - 1]
                self.enqueue(event_id, endpoint_id, attempt + 1, delay, generation)
        finally:
            with self._cond:
                self._in_flight -= 1
