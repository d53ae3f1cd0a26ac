"""How the adapter judges a failed Stripe call: retry it, stop using Stripe, or give up on it.

Stripe's guidance (https://docs.stripe.com/error-low-level and /rate-limits): 429 and 5xx are
safe to retry for reads, with the ``Retry-After`` hint when sent; 401/403 mean the key is wrong
or lacks a permission, which no retry fixes; other 4xx are about the request itself.
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
        if exc.status == 429 or exc.status >= 500 or exc.should_retry:
            # Reads are idempotent, so a 5xx is retried even if Stripe advises against it.
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


def _untrusted_certificate(exc: BaseException) -> bool:
    seen: BaseException | None = exc
    for _ in range(5):  # the cause chain is short: httpx -> httpcore -> ssl
        if seen is None:
            return False
        if isinstance(seen, ssl.SSLCertVerificationError):
            return True
        seen = seen.__cause__ or seen.__context__
    return False
