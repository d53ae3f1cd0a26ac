"""Keeping secrets out of log lines, audit details, dead letters and error messages.

Three nets: values under sensitive keys are replaced whatever they hold; strings shaped like
known credentials (Stripe keys, webhook secrets, bearer tokens, Salesforce session ids) are
masked wherever they appear; and every secret the configuration loaded is registered here so
that its exact value is masked too, even inside a client library's exception text.

What the store keeps for long (audit entries, dead letters) is also bounded: an over-long
value (a 10,000-character customer name, a target's message quoting it) is kept as an excerpt
that says how long it was, never whole. The store is not a copy of billing's personal data.
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

#: Longer texts are kept as an excerpt in the audit trail and the dead letters.
MAX_KEPT_CHARS = 1000
#: How much of an over-long text its excerpt keeps.
EXCERPT_CHARS = 200
_EXCERPT_MARK = re.compile(r"\.\.\. \(([0-9,]+) characters\)$")


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


def excerpt(text: str) -> str:
    """``text`` if it is at most :data:`MAX_KEPT_CHARS` long; else its first
    :data:`EXCERPT_CHARS` characters and how long it was: ``ÄÄÄ... (10,000 characters)``."""
    if len(text) <= MAX_KEPT_CHARS:
        return text
    return f"{text[:EXCERPT_CHARS]}... ({len(text):,} characters)"


def is_excerpt(value: object) -> bool:
    """Whether ``value`` is what :func:`excerpt` kept of a longer text (not the value itself:
    putting it back somewhere would write the excerpt)."""
    return isinstance(value, str) and _EXCERPT_MARK.search(value) is not None


def redact(value: Any, *, bounded: bool = False) -> Any:
    """A copy of ``value`` with sensitive keys and secret-looking strings masked, and with
    ``bounded`` every over-long text cut to an :func:`excerpt` (for what the store keeps)."""
    kind = type(value)
    if kind is str:
        return excerpt(redact_text(value)) if bounded else redact_text(value)
    if kind is dict or isinstance(value, Mapping):
        return {
            k: (REDACTED if _sensitive(k) and v is not None else redact(v, bounded=bounded))
            for k, v in value.items()
        }
    if kind is list or kind is tuple or isinstance(value, list | tuple):
        return type(value)(redact(v, bounded=bounded) for v in value)
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
