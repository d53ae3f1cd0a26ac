"""How the adapter judges a failed Stripe call: retry it, stop using Stripe, or give up on it.

Stripe's guidance (https://docs.stripe.com/error-low-level and /rate-limits): 409 conflicts
(``lock_timeout``), 429 and 5xx are worth retrying, with the ``Retry-After`` hint when sent;
401/403 mean the key is wrong or lacks a permission, which no retry fixes; other 4xx are about
the request itself. Stripe's own advice, the ``Stripe-Should-Retry`` header, wins over the
status either way.
"""

from __future__ import annotations

import ssl

import httpx

from adapters.resilience import Failure, Verdict
from adapters.stripe.errors import StripeApiError, StripeResponseError
from connector.redaction import redact_text


def judge(exc: BaseException) -> Failure:
    if isinstance(exc, StripeApiError):
        code = exc.code or exc.error_type or f"http_{exc.status}"
        if exc.status in (401, 403):
            return Failure(Verdict.FATAL, code, exc.describe())
        if _worth_retrying(exc):
            return Failure(Verdict.RETRY, code, exc.describe(), exc.retry_after)
        return Failure(Verdict.FINAL, code, exc.describe())
    if _untrusted_certificate(exc):
        # Not transient: the server's certificate is not trusted (a private CA needs
        # ``ca_bundle``); retrying would only delay the same answer.
        return Failure(Verdict.FATAL, "tls_certificate", redact_text(str(exc)))
    if isinstance(exc, httpx.TimeoutException | httpx.NetworkError | httpx.RemoteProtocolError):
        return Failure(Verdict.RETRY, type(exc).__name__, redact_text(str(exc) or repr(exc)))
    if isinstance(exc, StripeResponseError):
        return Failure(Verdict.RETRY, "invalid_response", redact_text(str(exc)))
    return Failure(Verdict.FINAL, type(exc).__name__, redact_text(str(exc)))


def _worth_retrying(exc: StripeApiError) -> bool:
    """The rule of Stripe's own client, ``HTTPClient._should_retry`` in stripe-python's
    ``stripe/_http_client.py``: ``Stripe-Should-Retry`` decides when present (``false`` even
    on a 5xx: Stripe knows a repeat would be a no-op or harmful), then 409 and 5xx retry.
    A 409 is usually ``lock_timeout``: another request holds the object for a moment. We add
    429, which stripe-python leaves to the header, because the rate-limit docs ask for it."""
    if exc.should_retry is not None:
        return exc.should_retry
    return exc.status in (409, 429) or exc.status >= 500


def _untrusted_certificate(exc: BaseException) -> bool:
    seen: BaseException | None = exc
    for _ in range(5):  # the cause chain is short: httpx -> httpcore -> ssl
        if seen is None:
            return False
        if isinstance(seen, ssl.SSLCertVerificationError):
            return True
        seen = seen.__cause__ or seen.__context__
    return False
