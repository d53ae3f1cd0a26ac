"""Retries, backoff and a shared rate budget for every call an adapter makes.

One place decides, for each failure, whether it is retryable (429, 5xx, timeouts, connection
resets, Salesforce ``UNABLE_TO_LOCK_ROW``, Odoo serialization failures), fatal for the whole
system (authentication, permissions, exhausted quota) or final for one record only (validation
errors: those are not retried but dead-lettered with the target's message).

Backoff is capped exponential with full jitter; a ``Retry-After`` hint from the server wins
(capped) and slows down the *whole adapter*, not just the call that got it, because a 429 is
about the client's overall rate.
"""

from __future__ import annotations

import datetime as dt
import math
import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from enum import Enum
from typing import TypeVar

from tenacity import RetryCallState, Retrying, retry_if_exception, stop_after_attempt

from connector.errors import FatalAdapterError, RetryableAdapterError

T = TypeVar("T")

DEFAULT_ATTEMPTS = 5
DEFAULT_BASE_DELAY = 0.5
DEFAULT_MAX_DELAY = 30.0
DEFAULT_RETRY_AFTER_CAP = 120.0
# A hint further out than this is a server's or a clock's mistake, not advice worth a day's
# wait; the policy's own (smaller) cap applies after it anyway.
RETRY_AFTER_CEILING = 3600.0


class Verdict(Enum):
    RETRY = "retry"  # transient: try again after a delay
    FATAL = "fatal"  # the system cannot be used now: stop calling it
    FINAL = "final"  # this request will never succeed as it is: do not retry


@dataclass(frozen=True)
class Failure:
    """How an adapter judges one exception."""

    verdict: Verdict
    code: str
    message: str
    retry_after: float | None = None


Judge = Callable[[BaseException], Failure]


def _utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def parse_retry_after(
    value: str | None, *, now: Callable[[], dt.datetime] = _utc_now
) -> float | None:
    """Seconds to wait from a ``Retry-After`` value, None when there is no usable one.

    RFC 9110 section 10.2.3 allows delay-seconds *or* an HTTP-date (``Wed, 21 Oct 2026
    07:28:00 GMT``); proxies and load balancers in front of an API send the date form. A
    date already past means "now" (0); both forms are capped at :data:`RETRY_AFTER_CEILING`.
    """
    if value is None or not value.strip():
        return None
    text = value.strip()
    seconds: float | None
    try:
        seconds = float(text)
    except ValueError:
        seconds = _seconds_until(text, now())
    if seconds is None or not math.isfinite(seconds):
        return None
    return min(max(seconds, 0.0), RETRY_AFTER_CEILING)


def _seconds_until(http_date: str, now: dt.datetime) -> float | None:
    try:
        when = parsedate_to_datetime(http_date)
    except (ValueError, TypeError):
        return None
    if when.tzinfo is None:  # "-0000" parses naive; HTTP dates are always UTC
        when = when.replace(tzinfo=dt.UTC)
    return (when - now).total_seconds()


@dataclass(frozen=True)
class RetryPolicy:
    attempts: int = DEFAULT_ATTEMPTS
    base_delay: float = DEFAULT_BASE_DELAY
    max_delay: float = DEFAULT_MAX_DELAY
    retry_after_cap: float = DEFAULT_RETRY_AFTER_CAP

    def backoff(self, attempt: int, rng: random.Random) -> float:
        """Full-jitter exponential backoff for the ``attempt``-th retry (1-based)."""
        ceiling = min(self.max_delay, self.base_delay * 2 ** (attempt - 1))
        return rng.uniform(0, ceiling)


class RateGate:
    """A shared budget of calls per second for one system, with a pause for Retry-After.

    ``rate`` None means unlimited; the pause still applies. Thread-safe.
    """

    def __init__(
        self,
        rate: float | None = None,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.rate = rate
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.Lock()
        self._next_slot = 0.0
        self._paused_until = 0.0

    def pause_for(self, seconds: float) -> None:
        """Hold every caller for ``seconds`` from now (e.g. a 429's Retry-After)."""
        with self._lock:
            self._paused_until = max(self._paused_until, self._clock() + seconds)

    def acquire(self) -> None:
        with self._lock:
            now = self._clock()
            start = max(now, self._paused_until, self._next_slot)
            if self.rate:
                self._next_slot = start + 1.0 / self.rate
        delay = start - now
        if delay > 0:
            self._sleep(delay)


class Resilient:
    """Runs calls of one system through its rate gate, with retries decided by ``judge``."""

    def __init__(
        self,
        system: str,
        judge: Judge,
        policy: RetryPolicy | None = None,
        gate: RateGate | None = None,
        *,
        sleep: Callable[[float], None] = time.sleep,
        rng: random.Random | None = None,
    ) -> None:
        self.system = system
        self.judge = judge
        self.policy = policy or RetryPolicy()
        self.gate = gate or RateGate(sleep=sleep)
        self._sleep = sleep
        self._rng = rng or random.Random()
        self.retries = 0

    def _wait(self, state: RetryCallState) -> float:
        outcome = state.outcome
        failure = self.judge(outcome.exception()) if outcome and outcome.failed else None  # type: ignore[arg-type]
        if failure is not None and failure.retry_after is not None:
            hint = min(failure.retry_after, self.policy.retry_after_cap)
            self.gate.pause_for(hint)
            return 0.0  # the gate holds this caller and every other one
        return self.policy.backoff(state.attempt_number, self._rng)

    def _retryable(self, exc: BaseException) -> bool:
        return self.judge(exc).verdict is Verdict.RETRY

    def _count(self, _state: RetryCallState) -> None:
        self.retries += 1

    def call(self, fn: Callable[[], T]) -> T:
        """Call ``fn`` until it succeeds, a failure is not retryable, or attempts run out.

        Raises :class:`FatalAdapterError` for fatal failures, :class:`RetryableAdapterError`
        when retries are exhausted, and re-raises final (per-request) failures unchanged.
        """

        def attempt() -> T:
            self.gate.acquire()
            return fn()

        retrying = Retrying(
            stop=stop_after_attempt(self.policy.attempts),
            wait=self._wait,
            retry=retry_if_exception(self._retryable),
            sleep=self._sleep,
            before_sleep=self._count,
            reraise=True,
        )
        try:
            return retrying(attempt)
        except (FatalAdapterError, RetryableAdapterError):
            raise
        except Exception as exc:
            failure = self.judge(exc)
            if failure.verdict is Verdict.FATAL:
                raise FatalAdapterError(self.system, failure.message, failure.code) from exc
            if failure.verdict is Verdict.RETRY:
                raise RetryableAdapterError(
                    self.system,
                    f"gave up after {self.policy.attempts} attempts: {failure.message}",
                    failure.code,
                ) from exc
            raise
