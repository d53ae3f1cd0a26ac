"""The API key never shows in an exception, a log line, or the settings' repr."""

from __future__ import annotations

from collections.abc import Iterator
from io import StringIO

import httpx
import pytest
import respx

from adapters.stripe.errors import StripeApiError
from connector.errors import FatalAdapterError, RetryableAdapterError
from connector.logs import configure_logging, get_logger
from tests.adapters.stripe import payloads as p
from tests.adapters.stripe.conftest import API_KEY, FakeTime, make_source, settings

# Not shaped like any known credential: only the exact-value registry can catch it.
PLAIN_KEY = "opaque-secret-for-a-proxy-7f3a9c"


@pytest.fixture
def logs() -> Iterator[StringIO]:
    stream = StringIO()
    configure_logging("json", "DEBUG", stream=stream)
    yield stream
    configure_logging("json", "WARNING")


def echoing(status: int, key: str) -> httpx.Response:
    body = {"error": {"type": "invalid_request_error", "message": f"Invalid API Key: {key}"}}
    return httpx.Response(status, json=body)


@pytest.mark.parametrize("key", [API_KEY, PLAIN_KEY])
def test_key_is_masked_everywhere(
    key: str, api: respx.MockRouter, fake_time: FakeTime, logs: StringIO
) -> None:
    api.get("/v1/products").mock(
        return_value=httpx.Response(200, json=p.listing([p.product()], url="/v1/products"))
    )
    bad_item = p.item(price_obj=p.price(unit_amount=None, unit_amount_decimal=key))
    api.get("/v1/subscriptions").mock(
        side_effect=[
            httpx.Response(200, json=p.listing([p.subscription(items=[bad_item])])),
            echoing(401, key),
            httpx.ConnectError(f"proxy refused Authorization: Bearer {key}"),
        ]
    )
    api.get("/v1/subscriptions/sub_x").mock(return_value=echoing(400, key))
    log = get_logger("test")
    texts: list[str] = []
    with make_source(fake_time, api_key=key, max_retries=0) as source:
        texts.append(repr(source.client.settings))
        (page,) = source.scan()  # a record error quoting the value
        texts.append(page.errors[0].reason)
        with pytest.raises(FatalAdapterError) as fatal:
            list(source.scan())
        texts += [str(fatal.value), str(fatal.value.__cause__), fatal.value.message]
        with pytest.raises(RetryableAdapterError) as retry:
            list(source.scan())
        texts += [str(retry.value), retry.value.message]
        read = source.get(["sub_x"])
        texts.append(read.errors["sub_x"].reason)
        for exc in (fatal.value, retry.value):
            log.error("run.failed", error=str(exc), cause=str(exc.__cause__))
    texts.append(logs.getvalue())
    assert logs.getvalue()  # something was logged
    for text in texts:
        assert key not in text, text
    assert "[REDACTED]" in str(fatal.value)


def test_stripe_api_error_redacts_its_message() -> None:
    settings(api_key=PLAIN_KEY)  # loading the settings registers the key
    error = StripeApiError(400, f"bad {PLAIN_KEY}")
    assert PLAIN_KEY not in str(error)
    assert PLAIN_KEY not in error.message
