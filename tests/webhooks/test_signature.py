"""Stripe signature verification."""

from __future__ import annotations

import pytest

from connector.webhooks.signature import SignatureError, sign, verify

BODY = b'{"id": "evt_1"}'
NOW = 1_790_000_000


def header(*signatures: str, t: int = NOW) -> str:
    return ",".join([f"t={t}", *(f"v1={s}" for s in signatures)])


def test_valid_signature_is_accepted() -> None:
    """The HMAC-SHA256 of "t.body" under the endpoint secret verifies."""
    assert verify(BODY, header(sign(BODY, "whsec_a", NOW)), ["whsec_a"], NOW) == NOW


def test_rotated_secrets_any_match_counts() -> None:
    """During a secret roll Stripe sends two v1 values; either configured secret may match."""
    both = header("0" * 64, sign(BODY, "whsec_new", NOW))
    assert verify(BODY, both, ["whsec_old", "whsec_new"], NOW) == NOW


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        (None, "missing"),
        ("v1=abc", "no timestamp"),
        (f"t={NOW}", "no v1"),
        ("t=soon,v1=abc", "malformed timestamp"),
        (header("f" * 64), "no signature matches"),
    ],
)
def test_bad_headers_are_refused(value: str | None, reason: str) -> None:
    """Missing, malformed or forged signatures are refused with the reason."""
    with pytest.raises(SignatureError, match=reason):
        verify(BODY, value, ["whsec_a"], NOW)


def test_tampered_body_is_refused() -> None:
    """A body changed after signing does not verify."""
    with pytest.raises(SignatureError):
        verify(BODY + b" ", header(sign(BODY, "whsec_a", NOW)), ["whsec_a"], NOW)


def test_stale_timestamp_is_refused() -> None:
    """A correctly signed but old request (a replay) is refused."""
    old = NOW - 301
    with pytest.raises(SignatureError, match="tolerance"):
        verify(BODY, header(sign(BODY, "whsec_a", old), t=old), ["whsec_a"], NOW)
