"""Who may see the console: the holder of its token, by a login session or a bearer header.

A session is a signed cookie (``issued.nonce.signature``, HMAC-SHA256 under a key derived from
the token), HttpOnly and SameSite=Strict, valid for ``session_hours``; nothing is kept on the
server, so a daemon restart keeps operators logged in, and changing the token logs them out.
A script may send ``Authorization: Bearer <token>`` instead. Comparisons are constant-time.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass

from starlette.requests import HTTPConnection

SESSION_COOKIE = "console_session"
BEARER_IDENTITY = "bearer"


def _sign(key: bytes, text: str) -> str:
    return hmac.new(key, text.encode(), hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class Guard:
    """Checks tokens and sessions for one console; ``clock`` gives seconds since the epoch."""

    token: str
    session_seconds: float
    clock: Callable[[], float] = time.time

    @property
    def _key(self) -> bytes:
        # Never the token itself: a leaked signature says nothing about it.
        return hmac.new(self.token.encode(), b"console-session-key", hashlib.sha256).digest()

    def token_matches(self, given: str) -> bool:
        return hmac.compare_digest(given.encode(), self.token.encode())

    def new_session(self) -> str:
        body = f"{int(self.clock())}.{secrets.token_hex(16)}"
        return f"{body}.{_sign(self._key, body)}"

    def session_valid(self, value: str) -> bool:
        body, _, signature = value.rpartition(".")
        issued, _, nonce = body.partition(".")
        if not (issued.isdigit() and nonce and signature):
            return False
        if not hmac.compare_digest(signature, _sign(self._key, body)):
            return False
        age = self.clock() - int(issued)
        return 0 <= age <= self.session_seconds

    def identity(self, request: HTTPConnection) -> str | None:
        """The session (or ``bearer``) the request is made under; None if it has none."""
        header = request.headers.get("authorization", "")
        scheme, _, given = header.partition(" ")
        if scheme.lower() == "bearer" and given:
            return BEARER_IDENTITY if self.token_matches(given.strip()) else None
        session = request.cookies.get(SESSION_COOKIE)
        if session and self.session_valid(session):
            return session
        return None

    def csrf_token(self, identity: str) -> str:
        """The token every form of this session carries (see connector.console.csrf)."""
        return _sign(self._key, f"csrf|{identity}")
