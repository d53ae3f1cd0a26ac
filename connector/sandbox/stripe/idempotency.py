"""Idempotent requests (https://docs.stripe.com/api/idempotent_requests).

The first result of a POST with an ``Idempotency-Key`` is saved, status code and body, and
replayed for later requests with the same key (header ``Idempotent-Replayed: true``). Reusing a
key with different parameters, or on another endpoint, is a 400 ``idempotency_error``. Keys are
forgotten after 24 hours. Results are not saved when the parameters failed validation (the
request never started executing), so a corrected retry with the same key can succeed.
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from connector.sandbox.stripe.errors import StripeError


@dataclass
class SavedResponse:
    endpoint: str
    fingerprint: str
    status: int
    body: bytes
    request_id: str
    saved_at: float = field(default_factory=time.monotonic)


def fingerprint(params: dict[str, Any]) -> str:
    return json.dumps(params, sort_keys=True, separators=(",", ":"))


class IdempotencyStore:
    def __init__(self, ttl_seconds: int) -> None:
        self._lock = threading.Lock()
        self._saved: dict[str, SavedResponse] = {}
        self._ttl = ttl_seconds

    def lookup(self, key: str, endpoint: str, params: dict[str, Any]) -> SavedResponse | None:
        """The saved response to replay, ``None`` for a new key, or an idempotency error."""
        with self._lock:
            saved = self._saved.get(key)
            if saved is None:
                return None
            if time.monotonic() - saved.saved_at > self._ttl:
                del self._saved[key]
                return None
        if saved.endpoint != endpoint:
            raise StripeError(
                400,
                "Keys for idempotent requests can only be used for the same endpoint they "
                f"were first used for ('{saved.endpoint}' vs '{endpoint}'). Try using a key "
                f"other than '{key}' if you meant to execute a different request.",
                type_="idempotency_error",
            )
        if saved.fingerprint != fingerprint(params):
            raise StripeError(
                400,
                "Keys for idempotent requests can only be used with the same parameters they "
                f"were first used with. Try using a key other than '{key}' if you meant to "
                "execute a different request.",
                type_="idempotency_error",
            )
        return saved

    def save(
        self,
        key: str,
        endpoint: str,
        params: dict[str, Any],
        status: int,
        body: bytes,
        request_id: str,
    ) -> None:
        with self._lock:
            self._saved[key] = SavedResponse(
                endpoint, fingerprint(params), status, body, request_id
            )
            if len(self._saved) > 10_000:
                self._expire()

    def _expire(self) -> None:
        limit = time.monotonic() - self._ttl
        for key in [k for k, v in self._saved.items() if v.saved_at < limit]:
            del self._saved[key]

    def clear(self) -> None:
        with self._lock:
            self._saved.clear()
