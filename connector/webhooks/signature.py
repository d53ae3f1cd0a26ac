"""Stripe webhook signatures.

Stripe signs ``"{t}.{raw body}"`` with HMAC-SHA256 under the endpoint's secret and sends
``Stripe-Signature: t=<unix time>,v1=<hex>[,v1=<hex>...]`` (several ``v1`` values while a
secret is being rolled; ``v0`` is a test-mode legacy scheme and is ignored). We accept a
request when any ``v1`` matches any of our configured secrets, compared in constant time, and
its timestamp is within the tolerance (Stripe's libraries default to 300 s), which stops
replays of old captured requests. See https://docs.stripe.com/webhooks#verify-manually.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Sequence

DEFAULT_TOLERANCE_SECONDS = 300


class SignatureError(ValueError):
    """Why a webhook request was refused; the text is safe to log (no secrets)."""


def sign(payload: bytes, secret: str, timestamp: int) -> str:
    """The ``v1`` signature Stripe would send (used by tests and the load generator)."""
    signed = f"{timestamp}.".encode() + payload
    return hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()


def _parse(header: str) -> tuple[int, list[str]]:
    timestamp: int | None = None
    signatures: list[str] = []
    for part in header.split(","):
        name, sep, value = part.strip().partition("=")
        if not sep:
            continue
        if name == "t":
            try:
                timestamp = int(value)
            except ValueError as exc:
                raise SignatureError("malformed timestamp in Stripe-Signature") from exc
        elif name == "v1":
            signatures.append(value)
    if timestamp is None:
        raise SignatureError("no timestamp in Stripe-Signature")
    if not signatures:
        raise SignatureError("no v1 signature in Stripe-Signature")
    return timestamp, signatures


def verify(
    payload: bytes,
    header: str | None,
    secrets: Sequence[str],
    now: float,
    tolerance: int = DEFAULT_TOLERANCE_SECONDS,
) -> int:
    """Check a request; return its signed timestamp or raise :class:`SignatureError`."""
    if not header:
        raise SignatureError("missing Stripe-Signature header")
    timestamp, signatures = _parse(header)
    if abs(now - timestamp) > tolerance:
        raise SignatureError(f"timestamp outside the {tolerance}s tolerance")
    for secret in secrets:
        expected = sign(payload, secret, timestamp)
        # compare with every candidate, without returning early on the first mismatch
        matched = [hmac.compare_digest(expected, candidate) for candidate in signatures]
        if any(matched):
            return timestamp
    raise SignatureError("no signature matches a configured endpoint secret")
