"""Retry decisions, backoff with Retry-After, and the shared rate gate."""

from __future__ import annotations

import datetime as dt
import random

import pytest

from adapters.resilience import (
    RETRY_AFTER_CEILING,
    Failure,
    RateGate,
    Resilient,
    RetryPolicy,
    Verdict,
    parse_retry_after,
)
from connector.errors import FatalAdapterError, RetryableAdapterError


class Flaky(Exception):
    def __init__(self, status: int, retry_after: float | None = None) -> None:
        super().__init__(f"HTTP {status}")
        self.status = status
        self.retry_after = retry_after


def judge(exc: BaseException) -> Failure:
    if isinstance(exc, Flaky):
        if exc.status in (429, 503):
            return Failure(Verdict.RETRY, str(exc.status), str(exc), exc.retry_after)
        if exc.status == 401:
            return Failure(Verdict.FATAL, "INVALID_SESSION_ID", "session expired")
    return Failure(Verdict.FINAL, "BAD_REQUEST", str(exc))


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def _resilient(clock: FakeClock, attempts: int = 4) -> Resilient:
    gate = RateGate(clock=clock, sleep=clock.sleep)
    return Resilient(
        "crm", judge, RetryPolicy(attempts=attempts), gate, sleep=clock.sleep, rng=random.Random(1)
    )


def test_transient_failures_are_retried_until_success() -> None:
    """Two 503s then an answer: the caller gets the answer."""
    clock = FakeClock()
    answers: list[object] = [Flaky(503), Flaky(503), "ok"]

    def call() -> str:
        answer = answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return str(answer)

    resilient = _resilient(clock)
    assert resilient.call(call) == "ok"
    assert resilient.retries == 2


def test_retry_after_pauses_the_whole_adapter() -> None:
    """A 429 with Retry-After: 7 holds the next call (and any other caller) 7 seconds."""
    clock = FakeClock()
    answers: list[object] = [Flaky(429, retry_after=7), "ok"]

    def call() -> str:
        answer = answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return str(answer)

    resilient = _resilient(clock)
    assert resilient.call(call) == "ok"
    assert clock.now == pytest.approx(7.0)
    clock.sleeps.clear()
    resilient.gate.pause_for(3)
    resilient.gate.acquire()
    assert clock.sleeps == [pytest.approx(3.0)]


def test_validation_errors_are_not_retried() -> None:
    """A 400 is raised at once: retrying cannot fix the request."""
    clock = FakeClock()
    calls = []

    def call() -> str:
        calls.append(1)
        raise Flaky(400)

    with pytest.raises(Flaky):
        _resilient(clock).call(call)
    assert len(calls) == 1


def test_fatal_failures_stop_the_system() -> None:
    """An authentication failure becomes a FatalAdapterError carrying its code."""
    with pytest.raises(FatalAdapterError) as caught:
        _resilient(FakeClock()).call(lambda: (_ for _ in ()).throw(Flaky(401)))
    assert caught.value.code == "INVALID_SESSION_ID"


def test_exhausted_retries_are_reported_as_retryable() -> None:
    """After the last attempt the error says so and stays retryable for the queue."""
    clock = FakeClock()

    def call() -> str:
        raise Flaky(503)

    with pytest.raises(RetryableAdapterError, match="gave up after 3 attempts"):
        _resilient(clock, attempts=3).call(call)
    assert len(clock.sleeps) == 2
    assert all(0 <= s <= 30 for s in clock.sleeps)


def test_rate_gate_spaces_calls() -> None:
    """At 4 calls per second, the fifth call waits a quarter second after the fourth."""
    clock = FakeClock()
    gate = RateGate(4, clock=clock, sleep=clock.sleep)
    for _ in range(5):
        gate.acquire()
    assert clock.now == pytest.approx(1.0)


NOW = dt.datetime(2026, 10, 21, 7, 27, 30, tzinfo=dt.UTC)


@pytest.mark.parametrize(
    ("value", "seconds"),
    [
        ("7", 7.0),
        (" 2.5 ", 2.5),
        ("-3", 0.0),
        ("Wed, 21 Oct 2026 07:28:00 GMT", 30.0),
        ("Wed, 21 Oct 2026 07:28:00 -0000", 30.0),
        ("Wed, 21 Oct 2015 07:28:00 GMT", 0.0),
        ("Fri, 31 Dec 2099 23:59:59 GMT", RETRY_AFTER_CEILING),
        ("86400", RETRY_AFTER_CEILING),
        ("soon", None),
        ("inf", None),
        ("", None),
        (None, None),
    ],
)
def test_retry_after_is_read_as_seconds_or_an_http_date(
    value: str | None, seconds: float | None
) -> None:
    """Retry-After is delay-seconds or an RFC 9110 HTTP-date; past is 0, far future capped."""
    assert parse_retry_after(value, now=lambda: NOW) == seconds
