"""Injected faults look to the client as Stripe's would."""

from __future__ import annotations

import datetime as dt
from email.utils import parsedate_to_datetime

import httpx
import pytest

from tests.sandbox.stripe.helpers import ok


def _fault(client: httpx.Client, **rule: object) -> None:
    ok(client.post("/__sandbox/faults", json={"count": 1, **rule}))


def test_429_has_retry_after_and_stripe_body(client: httpx.Client) -> None:
    """An injected 429 carries Retry-After and a rate_limit error."""
    _fault(client, kind="http_429", retry_after=2)
    response = client.get("/v1/customers")
    assert response.status_code == 429
    assert response.headers["retry-after"] == "2"
    error = response.json()["error"]
    assert (error["type"], error["code"]) == ("invalid_request_error", "rate_limit")
    assert client.get("/v1/customers").status_code == 200


def test_retry_after_can_be_an_http_date(client: httpx.Client) -> None:
    """An injected 429 can carry Retry-After as an HTTP-date, as proxies send it."""
    _fault(client, kind="http_429", retry_after=30, retry_after_format="http-date")
    response = client.get("/v1/customers")
    assert response.status_code == 429
    when = parsedate_to_datetime(response.headers["retry-after"])
    assert when.tzinfo is not None
    assert when > dt.datetime.now(dt.UTC)


def test_503_is_api_error(client: httpx.Client) -> None:
    """An injected 503 is an api_error body."""
    _fault(client, kind="http_503")
    response = client.get("/v1/subscriptions")
    assert response.status_code == 503
    assert response.json()["error"]["type"] == "api_error"


def test_500_only_on_matching_path(client: httpx.Client) -> None:
    """A fault limited to a path prefix spares other paths."""
    _fault(client, kind="http_500", path_prefix="/v1/subscriptions")
    assert client.get("/v1/customers").status_code == 200
    assert client.get("/v1/subscriptions").status_code == 500


def test_connection_reset_is_a_transport_error(client: httpx.Client) -> None:
    """An injected reset surfaces as an httpx transport error."""
    _fault(client, kind="connection_reset")
    with pytest.raises(httpx.TransportError):
        client.get("/v1/customers")
    assert client.get("/v1/customers").status_code == 200


def test_reject_record_is_card_declined(client: httpx.Client) -> None:
    """The reject_record fault answers POSTs with a 402 card_error."""
    _fault(client, kind="reject_record")
    response = client.post("/v1/customers", data={"name": "x"})
    assert response.status_code == 402
    error = response.json()["error"]
    assert (error["type"], error["code"]) == ("card_error", "card_declined")


def test_lock_row_is_409_lock_timeout(client: httpx.Client) -> None:
    """The lock_row fault answers with Stripe's 409 lock_timeout, marked safe to retry."""
    _fault(client, kind="lock_row")
    response = client.get("/v1/customers")
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "lock_timeout"
    assert response.headers["stripe-should-retry"] == "true"


def test_latency_is_added(client: httpx.Client) -> None:
    """A latency fault delays the response."""
    _fault(client, kind="latency", latency_ms=200)
    response = client.get("/v1/customers")
    assert response.status_code == 200
    assert response.elapsed.total_seconds() >= 0.19
