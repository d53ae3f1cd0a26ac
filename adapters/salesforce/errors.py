"""Salesforce failures in one shape, and the judge that sorts them for the retry machinery.

simple-salesforce raises one exception class per HTTP status, with the decoded body in
``content`` and the URL (and so the query text) in its message; it keeps no headers. The
session turns every such exception into an :class:`ApiCallError` carrying the status, the
Salesforce ``errorCode``, a redacted message and the ``Retry-After`` hint, so the judge
decides on data, not on exception classes and text.
"""

from __future__ import annotations

from typing import Any

import requests
from simple_salesforce.exceptions import SalesforceAuthenticationFailed, SalesforceError

from adapters.resilience import Failure, Verdict
from connector.redaction import redact_text

# Codes of work rolled back because *another* part of the same all-or-none transaction failed
# (REST API Developer Guide, "Composite" and "sObject Collections"): nothing of it was written,
# and it will go through once sent without the part that failed.
ROLLED_BACK_CODES = frozenset({"PROCESSING_HALTED", "ALL_OR_NONE_OPERATION_ROLLED_BACK"})
# Record- and request-level codes that mean "the same request will work a bit later".
RETRYABLE_CODES = (
    frozenset({"UNABLE_TO_LOCK_ROW", "SERVER_UNAVAILABLE", "REQUEST_RUNNING_TOO_LONG"})
    | ROLLED_BACK_CODES
)
QUOTA_CODE = "REQUEST_LIMIT_EXCEEDED"
# One 403 REQUEST_LIMIT_EXCEEDED code, three limits told apart only by the message (Salesforce
# Developer Limits, "API Request Limits and Allocations"): "TotalRequests Limit exceeded." is
# the org's rolling 24-hour allocation; "ConcurrentRequests (Concurrent API Requests) Limit
# exceeded." and "ConcurrentPerOrgLongTxn Limit exceeded." mean too many long-running (20 s+)
# requests in the org at once, which clears as soon as some of them finish.
_CONCURRENCY_MARKERS = ("concurrentrequests", "concurrentperorglongtxn")
# Long-running requests take tens of seconds: a short pause of the whole adapter (our own
# other threads count against the same limit) before trying again.
CONCURRENCY_BACKOFF_SECONDS = 2.0
_MESSAGE_LIMIT = 500


class ApiCallError(Exception):
    """One failed Salesforce API call (the status is 0 when no HTTP answer came)."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        *,
        retry_after: float | None = None,
        fields: tuple[str, ...] = (),
    ) -> None:
        super().__init__(f"{status} {code}: {message}")
        self.status = status
        self.code = code
        self.message = message
        self.retry_after = retry_after
        self.fields = fields


def _first_error(content: Any) -> tuple[str | None, str | None, tuple[str, ...]]:
    """errorCode, message and fields of Salesforce's ``[{"errorCode", "message"}]`` body."""
    entry = content[0] if isinstance(content, list) and content else content
    if isinstance(entry, dict):
        code = entry.get("errorCode") or entry.get("error")
        message = entry.get("message") or entry.get("error_description")
        fields = entry.get("fields")
        names = tuple(str(f) for f in fields) if isinstance(fields, list) else ()
        return (
            str(code) if code is not None else None,
            str(message) if message is not None else None,
            names,
        )
    return None, None, ()


def _short(text: str) -> str:
    text = redact_text(text)
    return text if len(text) <= _MESSAGE_LIMIT else text[: _MESSAGE_LIMIT - 1] + "…"


def from_salesforce_error(exc: SalesforceError, retry_after: float | None) -> ApiCallError:
    """The call error for an exception simple-salesforce raised."""
    if isinstance(exc, SalesforceAuthenticationFailed):
        if isinstance(exc.code, int) and (exc.code == 429 or exc.code >= 500):
            # The login endpoint itself was unavailable: that is transient, not a refusal.
            return ApiCallError(exc.code, f"HTTP_{exc.code}", _short(exc.auth_message))
        return ApiCallError(
            401, f"AUTH_FAILED:{exc.code}", _short(f"login refused: {exc.auth_message}")
        )
    content: Any = exc.content  # typed bytes, but holds the decoded JSON body when there is one
    code, message, fields = _first_error(content)
    if message is None:
        raw = content.decode("utf-8", "replace") if isinstance(content, bytes) else str(content)
        message = raw or f"HTTP {exc.status}"
    return ApiCallError(
        exc.status,
        code or f"HTTP_{exc.status}",
        _short(message),
        retry_after=retry_after,
        fields=fields,
    )


def from_transport_error(exc: requests.RequestException) -> ApiCallError:
    """Timeouts, resets and refused connections: no answer from Salesforce at all."""
    kind = "TIMEOUT" if isinstance(exc, requests.Timeout) else "CONNECTION_ERROR"
    return ApiCallError(0, kind, _short(f"{type(exc).__name__}: {exc}"))


def is_concurrency_limit(error: ApiCallError) -> bool:
    """Too many long-running requests in the org right now: transient."""
    if error.code != QUOTA_CODE:
        return False
    message = error.message.lower()
    return any(marker in message for marker in _CONCURRENCY_MARKERS)


def is_daily_quota(error: ApiCallError) -> bool:
    """The org's daily API allocation is used up (any other 403 REQUEST_LIMIT_EXCEEDED)."""
    return error.status == 403 and error.code == QUOTA_CODE and not is_concurrency_limit(error)


def judge(exc: BaseException) -> Failure:
    """RETRY, FATAL or FINAL for one failed call (see :mod:`adapters.resilience`)."""
    if isinstance(exc, ApiCallError):
        status, code = exc.status, exc.code
        if status == 0 or status == 429 or status >= 500 or code in RETRYABLE_CODES:
            return Failure(Verdict.RETRY, code, exc.message, exc.retry_after)
        if is_concurrency_limit(exc):
            pause = exc.retry_after if exc.retry_after is not None else CONCURRENCY_BACKOFF_SECONDS
            return Failure(Verdict.RETRY, code, exc.message, pause)
        if status == 401:
            # The session layer already logged in again once: the credentials are the problem.
            return Failure(Verdict.FATAL, code, exc.message)
        if status == 403:
            # The daily quota (stop until the window rolls) or a missing permission.
            return Failure(Verdict.FATAL, code, exc.message)
        return Failure(Verdict.FINAL, code, exc.message)
    if isinstance(exc, requests.RequestException):
        return judge(from_transport_error(exc))
    return Failure(Verdict.FINAL, type(exc).__name__, _short(str(exc)))
