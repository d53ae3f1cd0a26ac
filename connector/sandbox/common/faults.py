"""Fault injection shared by the emulators.

A rule says which fault to inject, how often (``rate``, a probability) and optionally how many
times (``count``, so that a test can ask for "exactly two 503s" and stay deterministic), and on
which requests (``method`` and a ``path_prefix``). Generic faults (latency, 429, 5xx,
connection reset) are applied by :class:`FaultMiddleware` before the emulator sees the request;
system-specific ones (expired session, ``UNABLE_TO_LOCK_ROW``, serialization failure, record
rejected by validation, Salesforce's request limits) are asked for by the emulator itself
through :meth:`FaultInjector.take`, so each can answer in its own service's error shape.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import random
import threading
from email.utils import format_datetime
from enum import StrEnum
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field
from starlette.types import ASGIApp, Receive, Scope, Send


class FaultKind(StrEnum):
    LATENCY = "latency"
    HTTP_429 = "http_429"
    HTTP_500 = "http_500"
    HTTP_503 = "http_503"
    CONNECTION_RESET = "connection_reset"
    EXPIRED_SESSION = "expired_session"
    LOCK_ROW = "lock_row"
    SERIALIZATION_FAILURE = "serialization_failure"
    REJECT_RECORD = "reject_record"
    # Salesforce's three 403 REQUEST_LIMIT_EXCEEDED answers (see the Salesforce sandbox).
    CONCURRENT_REQUESTS = "concurrent_requests"
    CONCURRENT_LONG_TXN = "concurrent_long_txn"
    TOTAL_REQUESTS = "total_requests"
    # Salesforce drops a query cursor (idle, or too many open): INVALID_QUERY_LOCATOR.
    EXPIRED_QUERY_LOCATOR = "expired_query_locator"
    # Salesforce Composite with allOrNone: one subrequest fails, the others are rolled back.
    COMPOSITE_ROLLBACK = "composite_rollback"
    # Odoo: the user lacks the create/write right on the model (an AccessError per record).
    MISSING_ACCESS_RIGHT = "missing_access_right"


GENERIC_FAULTS = frozenset(
    {
        FaultKind.LATENCY,
        FaultKind.HTTP_429,
        FaultKind.HTTP_500,
        FaultKind.HTTP_503,
        FaultKind.CONNECTION_RESET,
    }
)


class FaultRule(BaseModel):
    """One fault to inject; see the module docstring."""

    model_config = ConfigDict(extra="forbid")

    kind: FaultKind
    rate: float = Field(default=1.0, ge=0.0, le=1.0)
    count: int | None = Field(default=None, ge=0)
    method: str | None = None
    path_prefix: str = ""
    latency_ms: int = Field(default=0, ge=0)
    retry_after: int = Field(default=1, ge=0)
    # RFC 9110 allows Retry-After as delay-seconds or as an HTTP-date (which proxies send).
    retry_after_format: Literal["seconds", "http-date"] = "seconds"
    message: str | None = None

    def retry_after_header(self) -> bytes:
        """The ``Retry-After`` value this rule answers with, in its format."""
        if self.retry_after_format == "seconds":
            return str(self.retry_after).encode()
        when = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=self.retry_after)
        return format_datetime(when, usegmt=True).encode()

    def matches(self, method: str, path: str) -> bool:
        if self.method is not None and self.method.upper() != method.upper():
            return False
        return path.startswith(self.path_prefix)


class FaultInjector:
    """Holds the active rules of one emulator; safe to use from several threads."""

    def __init__(self, rules: list[FaultRule] | None = None, seed: int = 0) -> None:
        self._lock = threading.Lock()
        self._rules: list[FaultRule] = list(rules or [])
        self._random = random.Random(seed)
        self.injected: dict[str, int] = {}

    def set_rules(self, rules: list[FaultRule]) -> None:
        with self._lock:
            self._rules = list(rules)

    def add_rule(self, rule: FaultRule) -> None:
        with self._lock:
            self._rules.append(rule)

    def clear(self) -> None:
        self.set_rules([])

    def rules(self) -> list[FaultRule]:
        with self._lock:
            return list(self._rules)

    def take(self, kind: FaultKind, method: str, path: str) -> FaultRule | None:
        """Return the rule that fires for this request, consuming one of its ``count``."""
        with self._lock:
            for index, rule in enumerate(self._rules):
                if rule.kind != kind or not rule.matches(method, path):
                    continue
                if rule.count == 0:
                    continue
                if rule.rate < 1.0 and self._random.random() >= rule.rate:
                    continue
                if rule.count is not None:
                    self._rules[index] = rule.model_copy(update={"count": rule.count - 1})
                self.injected[kind.value] = self.injected.get(kind.value, 0) + 1
                return rule
        return None


ADMIN_PREFIX = "/__sandbox/"


async def _send_json(
    send: Send, status: int, body: Any, headers: list[tuple[bytes, bytes]]
) -> None:
    payload = json.dumps(body).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(payload)).encode()),
                *headers,
            ],
        }
    )
    await send({"type": "http.response.body", "body": payload})


class FaultMiddleware:
    """ASGI middleware that injects the generic faults before the emulator runs.

    ``error_body`` builds the service's own error body for a status code, so an injected 503
    looks like that service's 503. A connection reset is emulated by promising a body and
    closing the connection before it is sent: clients see an incomplete response, the same
    symptom as a reset mid-transfer.
    """

    def __init__(
        self,
        app: ASGIApp,
        injector: FaultInjector,
        error_body: Any,
    ) -> None:
        self.app = app
        self.injector = injector
        self.error_body = error_body

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"].startswith(ADMIN_PREFIX):
            await self.app(scope, receive, send)
            return
        method: str = scope["method"]
        path: str = scope["path"]
        latency = self.injector.take(FaultKind.LATENCY, method, path)
        if latency is not None:
            await asyncio.sleep(latency.latency_ms / 1000)
        for kind, status in (
            (FaultKind.HTTP_429, 429),
            (FaultKind.HTTP_500, 500),
            (FaultKind.HTTP_503, 503),
        ):
            rule = self.injector.take(kind, method, path)
            if rule is not None:
                headers = [(b"retry-after", rule.retry_after_header())] if status != 500 else []
                await _send_json(send, status, self.error_body(status, rule), headers)
                return
        if self.injector.take(FaultKind.CONNECTION_RESET, method, path) is not None:
            await send(
                {
                    "type": "http.response.start",
                    "status": 200,
                    "headers": [
                        (b"content-length", b"4096"),
                        (b"content-type", b"application/json"),
                    ],
                }
            )
            await send({"type": "http.response.body", "body": b'{"partial"', "more_body": True})
            raise ConnectionResetError("sandbox: injected connection reset")
        await self.app(scope, receive, send)
