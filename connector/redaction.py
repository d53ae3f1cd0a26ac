"""Keeping secrets out of log lines, audit details, dead letters and error messages.

Three nets: values under sensitive keys are replaced whatever they hold; strings shaped like
known credentials (Stripe keys, webhook secrets, bearer tokens, Salesforce session ids) are
masked wherever they appear; and every secret the configuration loaded is registered here so
that its exact value is masked too, even inside a client library's exception text.
"""

from __future__ import annotations

import functools
import re
import threading
from collections.abc import Mapping, MutableMapping
from typing import Any

REDACTED = "[REDACTED]"

SENSITIVE_KEYS = frozenset(
    {
        "authorization",
        "password",
        "passwd",
        "secret",
        "client_secret",
        "token",
        "access_token",
        "refresh_token",
        "security_token",
        "api_key",
        "apikey",
        "session_id",
        "sessionid",
        "private_key",
        "cookie",
        "set-cookie",
        "stripe-signature",
        "webhook_secret",
    }
)

_PATTERNS = (
    re.compile(r"\b(?:sk|rk)_(?:live|test)_[A-Za-z0-9]{6,}"),
    re.compile(r"\bwhsec_[A-Za-z0-9+/=]{6,}"),
    re.compile(r"(?i)\bbearer\s+[A-Za-z0-9._~+/=-]{8,}"),
    re.compile(r"\b00D[A-Za-z0-9]{12,15}![A-Za-z0-9._]{20,}"),
    re.compile(r"(?i)(password|passwd|token|secret)=([^&\s]+)"),
)
_MIN_SECRET_LENGTH = 4


def _scoped(pattern: re.Pattern[str]) -> str:
    body = pattern.pattern
    return f"(?i:{body[4:]})" if body.startswith("(?i)") else f"(?:{body})"


# One search telling whether any pattern can match: most strings (names, amounts, dates)
# hold nothing to mask, and an audit entry has dozens of them.
_ANY_PATTERN = re.compile("|".join(_scoped(pattern) for pattern in _PATTERNS))


class SecretRegistry:
    """Exact secret values to mask wherever they show up."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._values: tuple[str, ...] = ()

    def register(self, value: str | None) -> None:
        if value is None or len(value) < _MIN_SECRET_LENGTH:
            return
        with self._lock:
            if value not in self._values:
                # Longest first, so a secret containing another is masked whole.
                self._values = tuple(sorted({*self._values, value}, key=len, reverse=True))

    def values(self) -> tuple[str, ...]:
        return self._values


SECRETS = SecretRegistry()


def redact_text(text: str) -> str:
    if len(text) < _MIN_SECRET_LENGTH:
        return text
    for value in SECRETS.values():
        if value in text:
            text = text.replace(value, REDACTED)
    if _ANY_PATTERN.search(text) is None:
        return text
    for pattern in _PATTERNS:
        if pattern.groups == 2:
            text = pattern.sub(lambda m: f"{m.group(1)}={REDACTED}", text)
        else:
            text = pattern.sub(REDACTED, text)
    return text


def redact(value: Any) -> Any:
    """A copy of ``value`` with sensitive keys and secret-looking strings masked."""
    kind = type(value)
    if kind is str:
        return redact_text(value)
    if kind is dict or isinstance(value, Mapping):
        return {
            k: (REDACTED if _sensitive(k) and v is not None else redact(v))
            for k, v in value.items()
        }
    if kind is list or kind is tuple or isinstance(value, list | tuple):
        return type(value)(redact(v) for v in value)
    return value


@functools.lru_cache(maxsize=4096)
def _sensitive(key: object) -> bool:
    # Keys repeat (field names, detail keys): each is lower-cased and looked up once.
    return str(key).lower() in SENSITIVE_KEYS


def redaction_processor(
    _logger: Any, _method: str, event_dict: MutableMapping[str, Any]
) -> Mapping[str, Any]:
    """structlog processor: the last step before rendering, so nothing escapes it."""
    redacted: dict[str, Any] = redact(event_dict)
    return redacted
