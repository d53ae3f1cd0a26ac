"""Failures: 429 with Retry-After and 5xx are retried, 401 stops, other 4xx are final."""

from __future__ import annotations

import httpx
import pytest
import respx

from adapters.resilience import DEFAULT_RETRY_AFTER_CAP, Verdict
from adapters.stripe import StripeSource
from adapters.stripe.errors import StripeApiError, StripeResponseError
from adapters.stripe.judge import judge
from connector.errors import FatalAdapterError, RetryableAdapterError
from tests.adapters.stripe import payloads as p
from tests.adapters.stripe.conftest import FakeTime


def stripe_error(
    status: int, error_type: str, code: str | None = None, **headers: str
) -> httpx.Response:
    body = {"error": {"type": error_type, "code": code, "message": f"{error_type} happened"}}
    return httpx.Response(status, json=body, headers=headers)


def ok_listing() -> httpx.Response:
    return httpx.Response(200, json=p.listing([p.subscription()]))


@pytest.fixture(autouse=True)
def products(api: respx.MockRouter) -> None:
    api.get("/v1/products").mock(
        return_value=httpx.Response(200, json=p.listing([p.product()], url="/v1/products"))
    )


def test_429_waits_retry_after_then_succeeds(
    api: respx.MockRouter, source: StripeSource, fake_time: FakeTime
) -> None:
    route = api.get("/v1/subscriptions").mock(
        side_effect=[
            stripe_error(429, "invalid_request_error", "rate_limit", **{"Retry-After": "7"}),
            ok_listing(),
        ]
    )
    (page,) = source.scan()
    assert [s.id for s in page.subscriptions] == ["sub_1"]
    assert route.call_count == 2
    assert [s for s in fake_time.sleeps if s] == [7.0]  # the hint, held by the shared gate
    assert source.client.resilient.retries == 1
    assert source.calls.by_label["list subscriptions"] == 1  # one logical call


def test_429_with_an_http_date_retry_after_waits_for_it(
    api: respx.MockRouter, source: StripeSource, fake_time: FakeTime
) -> None:
    """A Retry-After HTTP-date (from a proxy) is honoured, up to the policy's cap."""
    far = "Fri, 31 Dec 2099 23:59:59 GMT"
    api.get("/v1/subscriptions").mock(
        side_effect=[
            stripe_error(429, "invalid_request_error", "rate_limit", **{"Retry-After": far}),
            ok_listing(),
        ]
    )
    (page,) = source.scan()
    assert len(page.subscriptions) == 1
    assert [s for s in fake_time.sleeps if s] == [DEFAULT_RETRY_AFTER_CAP]


def test_500_and_connection_errors_are_retried(api: respx.MockRouter, source: StripeSource) -> None:
    route = api.get("/v1/subscriptions").mock(
        side_effect=[
            stripe_error(500, "api_error"),
            httpx.ConnectError("connection refused"),
            httpx.ReadTimeout("read timed out"),
            ok_listing(),
        ]
    )
    (page,) = source.scan()
    assert len(page.subscriptions) == 1
    assert route.call_count == 4


def test_retries_run_out(api: respx.MockRouter, source: StripeSource) -> None:
    api.get("/v1/subscriptions").mock(return_value=stripe_error(503, "api_error"))
    with pytest.raises(RetryableAdapterError, match="gave up after 4 attempts"):
        list(source.scan())


def test_401_is_fatal_at_once(api: respx.MockRouter, source: StripeSource) -> None:
    route = api.get("/v1/subscriptions").mock(
        return_value=stripe_error(401, "invalid_request_error", "api_key_invalid")
    )
    with pytest.raises(FatalAdapterError) as caught:
        list(source.scan())
    assert route.call_count == 1
    assert caught.value.code == "api_key_invalid"
    assert caught.value.system == "stripe"


def test_403_is_fatal(api: respx.MockRouter, source: StripeSource) -> None:
    api.get("/v1/subscriptions").mock(return_value=stripe_error(403, "invalid_request_error"))
    with pytest.raises(FatalAdapterError):
        list(source.scan())


def test_400_is_final_and_not_retried(api: respx.MockRouter, source: StripeSource) -> None:
    route = api.get("/v1/subscriptions").mock(
        return_value=stripe_error(400, "invalid_request_error", "parameter_invalid")
    )
    with pytest.raises(StripeApiError) as caught:
        list(source.scan())
    assert route.call_count == 1
    assert caught.value.status == 400
    assert caught.value.code == "parameter_invalid"


def test_a_garbled_200_is_retried(api: respx.MockRouter, source: StripeSource) -> None:
    route = api.get("/v1/subscriptions").mock(
        side_effect=[httpx.Response(200, text="<html>proxy</html>"), ok_listing()]
    )
    assert len(next(iter(source.scan())).subscriptions) == 1
    assert route.call_count == 2


@pytest.mark.parametrize(
    ("exc", "verdict"),
    [
        (StripeApiError(429, "slow down", retry_after=2.0), Verdict.RETRY),
        (StripeApiError(502, "bad gateway"), Verdict.RETRY),
        (StripeApiError(401, "bad key"), Verdict.FATAL),
        (StripeApiError(403, "no permission"), Verdict.FATAL),
        (StripeApiError(404, "no such subscription", code="resource_missing"), Verdict.FINAL),
        (StripeApiError(402, "card declined"), Verdict.FINAL),
        (StripeApiError(409, "object locked", code="lock_timeout"), Verdict.RETRY),
        (StripeApiError(409, "locked", code="lock_timeout", should_retry=False), Verdict.FINAL),
        (StripeApiError(503, "no point", should_retry=False), Verdict.FINAL),
        (StripeApiError(400, "try again", should_retry=True), Verdict.RETRY),
        (httpx.ConnectTimeout("t"), Verdict.RETRY),
        (httpx.RemoteProtocolError("r"), Verdict.RETRY),
        (StripeResponseError("not json"), Verdict.RETRY),
        (KeyError("bug"), Verdict.FINAL),
    ],
)
def test_judge(exc: BaseException, verdict: Verdict) -> None:
    assert judge(exc).verdict is verdict


def test_judge_passes_retry_after() -> None:
    assert judge(StripeApiError(429, "slow down", retry_after=2.0)).retry_after == 2.0


def test_error_without_a_stripe_body() -> None:
    from adapters.stripe.errors import error_from_response

    error = error_from_response(httpx.Response(502, text="Bad Gateway"))
    assert (error.status, error.message, error.code) == (502, "Bad Gateway", None)


def test_stripe_should_retry_header_makes_a_409_retryable(
    api: respx.MockRouter, source: StripeSource
) -> None:
    route = api.get("/v1/subscriptions").mock(
        side_effect=[
            stripe_error(
                409, "invalid_request_error", "lock_timeout", **{"Stripe-Should-Retry": "true"}
            ),
            ok_listing(),
        ]
    )
    assert len(next(iter(source.scan())).subscriptions) == 1
    assert route.call_count == 2


def test_a_409_lock_timeout_is_retried_without_the_header(
    api: respx.MockRouter, source: StripeSource
) -> None:
    """A 409 lock_timeout is retried as stripe-python retries it, header or not."""
    route = api.get("/v1/subscriptions").mock(
        side_effect=[stripe_error(409, "invalid_request_error", "lock_timeout"), ok_listing()]
    )
    assert len(next(iter(source.scan())).subscriptions) == 1
    assert route.call_count == 2


def test_lasting_lock_timeouts_end_as_a_retryable_adapter_error(
    api: respx.MockRouter, source: StripeSource
) -> None:
    """Locks that outlast the retries end the run with an adapter error, not a traceback."""
    api.get("/v1/subscriptions").mock(
        return_value=stripe_error(409, "invalid_request_error", "lock_timeout")
    )
    with pytest.raises(RetryableAdapterError) as caught:
        list(source.scan())
    assert caught.value.code == "lock_timeout"


def test_stripe_should_retry_false_is_never_retried(
    api: respx.MockRouter, source: StripeSource
) -> None:
    """Stripe-Should-Retry: false stops retries even on a 5xx."""
    route = api.get("/v1/subscriptions").mock(
        return_value=stripe_error(500, "api_error", **{"Stripe-Should-Retry": "false"})
    )
    with pytest.raises(StripeApiError):
        list(source.scan())
    assert route.call_count == 1


def test_a_page_without_ids_cannot_be_paged_on(api: respx.MockRouter, source: StripeSource) -> None:
    api.get("/v1/subscriptions").mock(
        return_value=httpx.Response(
            200, json=p.listing([{"object": "subscription"}], has_more=True)
        )
    )
    pages = source.scan()
    first = next(pages)
    assert [e.key for e in first.errors] == ["(no id)"]
    with pytest.raises(RetryableAdapterError, match="no usable id"):
        next(pages)
