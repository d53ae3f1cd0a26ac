"""Stripe's error responses as an exception the adapter can judge.

Stripe answers errors with ``{"error": {"type", "code", "message", "param", ...}}`` and an HTTP
status that says what kind of failure it is: https://docs.stripe.com/api/errors
"""

from __future__ import annotations

from typing import Any

import httpx

from adapters.resilience import parse_retry_after
from connector.redaction import redact_text

_MAX_BODY_EXCERPT = 300


class StripeApiError(Exception):
    """A non-2xx answer from Stripe; the message is redacted, never holds the API key."""

    def __init__(
        self,
        status: int,
        message: str,
        *,
        error_type: str | None = None,
        code: str | None = None,
        param: str | None = None,
        request_id: str | None = None,
        retry_after: float | None = None,
        should_retry: bool | None = None,
    ) -> None:
        self.status = status
        self.message = redact_text(message)
        self.error_type = error_type
        self.code = code
        self.param = param
        self.request_id = request_id
        self.retry_after = retry_after
        self.should_retry = should_retry
        super().__init__(self.describe())

    def describe(self) -> str:
        parts = [f"HTTP {self.status}"]
        if self.error_type:
            parts.append(self.error_type)
        if self.code:
            parts.append(self.code)
        text = f"{' '.join(parts)}: {self.message}"
        if self.param:
            text += f" (param {self.param})"
        if self.request_id:
            text += f" [request {self.request_id}]"
        return text

    @property
    def resource_missing(self) -> bool:
        return self.status == 404 or self.code == "resource_missing"


class StripeResponseError(Exception):
    """A 2xx answer whose body is not the JSON object Stripe promises (a proxy page, a cut)."""


def retry_after_seconds(response: httpx.Response) -> float | None:
    """The ``Retry-After`` header in seconds (delay-seconds or an HTTP-date), if usable."""
    raw: str | None = response.headers.get("Retry-After")
    return parse_retry_after(raw)


def error_from_response(response: httpx.Response) -> StripeApiError:
    """Build the exception from an error response, whatever shape its body has."""
    body: Any
    try:
        body = response.json()
    except ValueError:
        body = None
    details = body.get("error") if isinstance(body, dict) else None
    if isinstance(details, dict):
        message = str(details.get("message") or "no message")
        error_type = _text(details.get("type"))
        code = _text(details.get("code"))
        param = _text(details.get("param"))
    else:
        message = response.text[:_MAX_BODY_EXCERPT] or response.reason_phrase or "no body"
        error_type = code = param = None
    return StripeApiError(
        response.status_code,
        message,
        error_type=error_type,
        code=code,
        param=param,
        request_id=response.headers.get("Request-Id"),
        retry_after=retry_after_seconds(response),
        should_retry=_should_retry(response),
    )


def _should_retry(response: httpx.Response) -> bool | None:
    """Stripe's own advice, ``Stripe-Should-Retry: true|false``, when it gives one:
    https://docs.stripe.com/error-low-level#server-errors (e.g. ``true`` on a 409 lock_timeout).
    """
    raw: str | None = response.headers.get("Stripe-Should-Retry")
    if raw is None:
        return None
    return raw.strip().lower() == "true"


def _text(value: Any) -> str | None:
    return str(value) if value is not None else None
