"""A Stripe source pointed at a mocked API (respx), with a fake clock instead of sleeping."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import respx

from adapters.resilience import RateGate, Resilient, RetryPolicy
from adapters.stripe import StripeSettings, StripeSource, build_stripe_source
from adapters.stripe.judge import judge
from tests.adapters.stripe import payloads as p

API = "https://api.stripe.test"
# Shaped like a real secret key so that the pattern-based redaction net is exercised too.
API_KEY = "sk_test_51FakeKeyForAdapterTests0123456789"


class FakeTime:
    """Time that only moves when someone sleeps; records every sleep."""

    def __init__(self, start: float = float(p.T0 + 10 * 24 * 3600)) -> None:
        self.now = start
        self.sleeps: list[float] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def settings(**overrides: Any) -> StripeSettings:
    values: dict[str, Any] = {"api_key": API_KEY, "base_url": API, "max_retries": 3}
    values.update(overrides)
    return StripeSettings(**values)


def make_source(fake: FakeTime, **overrides: Any) -> StripeSource:
    config = settings(**overrides)
    resilient = Resilient(
        config.system,
        judge,
        RetryPolicy(attempts=config.attempts),
        RateGate(config.requests_per_second, clock=fake.clock, sleep=fake.sleep),
        sleep=fake.sleep,
    )
    return build_stripe_source(config, resilient=resilient, clock=fake.clock)


@pytest.fixture
def fake_time() -> FakeTime:
    return FakeTime()


@pytest.fixture
def source(fake_time: FakeTime) -> Iterator[StripeSource]:
    with make_source(fake_time) as built:
        yield built


@pytest.fixture
def api() -> Iterator[respx.MockRouter]:
    with respx.mock(base_url=API, assert_all_called=False) as router:
        yield router
