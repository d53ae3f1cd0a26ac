"""A small synchronous Stripe API client: GET requests, JSON answers, every call resilient.

Only reads are needed by a source. Every request carries ``Authorization: Bearer <key>`` and
the pinned ``Stripe-Version``, goes through :class:`~adapters.resilience.Resilient` (rate gate,
retries judged by :func:`adapters.stripe.judge.judge`) and is counted once in the
:class:`~connector.records.CallCounter` whatever the retries (so costs stay comparable).
"""

from __future__ import annotations

import ssl
import time
from collections.abc import Sequence
from typing import Any

import httpx
import orjson

from adapters.resilience import RateGate, Resilient, RetryPolicy
from adapters.stripe.errors import StripeResponseError, error_from_response
from adapters.stripe.judge import judge
from adapters.stripe.settings import StripeSettings
from connector.logs import get_logger
from connector.records import CallCounter

Params = Sequence[tuple[str, str | int]]
JsonObject = dict[str, Any]

log = get_logger("adapters.stripe.client")

USER_AGENT = "subscription-connector (stripe source adapter)"


class StripeClient:
    """GETs JSON objects from Stripe; raises ``StripeApiError`` for final (4xx) answers."""

    def __init__(
        self,
        settings: StripeSettings,
        *,
        calls: CallCounter | None = None,
        resilient: Resilient | None = None,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.settings = settings
        self.calls = calls if calls is not None else CallCounter()
        self.resilient = resilient or Resilient(
            settings.system,
            judge,
            RetryPolicy(attempts=settings.attempts),
            RateGate(settings.requests_per_second),
        )
        timeout = httpx.Timeout(
            settings.timeout_seconds, connect=min(10.0, settings.timeout_seconds)
        )
        # A private CA (a TLS-intercepting proxy, the emulator's certificate); never "no TLS".
        verify: ssl.SSLContext | bool = (
            ssl.create_default_context(cafile=str(settings.ca_bundle))
            if settings.ca_bundle
            else True
        )
        self._http = httpx.Client(
            base_url=settings.base_url.rstrip("/"),
            timeout=timeout,
            verify=verify,
            transport=transport,
            follow_redirects=False,
            headers={
                "Authorization": f"Bearer {settings.api_key.get_secret_value()}",
                "Stripe-Version": settings.api_version,
                "User-Agent": USER_AGENT,
                "Accept": "application/json",
            },
        )

    def get(self, path: str, params: Params = (), *, label: str) -> JsonObject:
        """``GET path`` with query ``params`` (repeated keys allowed, e.g. ``expand[]``)."""
        self.calls.read(label)
        return self.resilient.call(lambda: self._get_once(path, params))

    def _get_once(self, path: str, params: Params) -> JsonObject:
        started = time.monotonic()
        response = self._http.get(path, params=list(params))
        log.debug(
            "stripe.call",
            path=path,
            status=response.status_code,
            request_id=response.headers.get("Request-Id"),
            ms=round((time.monotonic() - started) * 1000),
        )
        if response.status_code >= 400:
            raise error_from_response(response)
        try:
            body = orjson.loads(response.content)
        except orjson.JSONDecodeError as exc:
            raise StripeResponseError(
                f"GET {path}: HTTP {response.status_code} body is not JSON"
            ) from exc
        if not isinstance(body, dict):
            raise StripeResponseError(f"GET {path}: expected a JSON object")
        return body

    def close(self) -> None:
        self._http.close()
