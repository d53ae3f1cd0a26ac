"""Sessions and the OAuth 2.0 token endpoint.

A session id looks like Salesforce's (``<org id>!<opaque>``) and lives ``session_ttl_seconds``
after its last use, like Salesforce's inactivity timeout. Unknown or expired session ids get
401 ``INVALID_SESSION_ID`` "Session expired or invalid".

Token endpoint flows (``POST /services/oauth2/token``, form-encoded):

- ``password``: client_id/client_secret + username/password (the password may carry the
  security token appended, as Salesforce requires outside trusted IP ranges);
- ``client_credentials``: the consumer key/secret in HTTP Basic auth or the form;
- ``urn:ietf:params:oauth:grant-type:jwt-bearer``: a JWT ``assertion`` whose ``iss`` is the
  consumer key, ``sub`` the username, ``aud`` a login URL and ``exp`` in the future. Its RS256
  signature is verified when a public key is configured.

Errors use the OAuth shape ``{"error", "error_description"}`` with status 400, e.g.
``invalid_grant`` / "authentication failure".
"""

from __future__ import annotations

import base64
import secrets
import threading
import time
from dataclasses import dataclass
from typing import Any

import jwt

JWT_GRANT = "urn:ietf:params:oauth:grant-type:jwt-bearer"


@dataclass
class Session:
    token: str
    username: str
    expires_at: float


class SessionStore:
    """Live sessions by id; thread-safe."""

    def __init__(self, org_id: str, ttl_seconds: float) -> None:
        self._lock = threading.Lock()
        self._sessions: dict[str, Session] = {}
        self.org_id = org_id
        self.ttl_seconds = ttl_seconds

    def create(self, username: str) -> Session:
        token = f"{self.org_id[:15]}!AQ{secrets.token_urlsafe(72)}"
        session = Session(token, username, time.monotonic() + self.ttl_seconds)
        with self._lock:
            self._sessions[token] = session
        return session

    def check(self, token: str) -> Session | None:
        """The live session for ``token``, its expiry pushed back; None if unknown/expired."""
        now = time.monotonic()
        with self._lock:
            session = self._sessions.get(token)
            if session is None:
                return None
            if now >= session.expires_at:
                del self._sessions[token]
                return None
            session.expires_at = now + self.ttl_seconds
            return session

    def invalidate(self, token: str) -> None:
        with self._lock:
            self._sessions.pop(token, None)

    def invalidate_all(self) -> None:
        with self._lock:
            self._sessions.clear()


@dataclass(frozen=True)
class Credentials:
    username: str
    password: str
    security_token: str
    consumer_key: str
    consumer_secret: str
    jwt_public_key: str | None


class OAuthError(Exception):
    def __init__(self, error: str, description: str, status: int = 400) -> None:
        super().__init__(description)
        self.error = error
        self.description = description
        self.status = status

    def body(self) -> dict[str, str]:
        return {"error": self.error, "error_description": self.description}


def password_ok(creds: Credentials, password: str, allow_without_token: bool) -> bool:
    """``password`` is the password followed by the security token (or alone if allowed)."""
    expected = creds.password + creds.security_token
    if secrets.compare_digest(password.encode(), expected.encode()):
        return True
    return allow_without_token and secrets.compare_digest(
        password.encode(), creds.password.encode()
    )


def _basic_auth(header: str | None) -> tuple[str, str] | None:
    if not header or not header.lower().startswith("basic "):
        return None
    try:
        decoded = base64.b64decode(header[6:].strip()).decode()
    except (ValueError, UnicodeDecodeError):
        return None
    key, _, secret = decoded.partition(":")
    return key, secret


def _check_client(creds: Credentials, client_id: str | None, secret: str | None) -> None:
    if client_id != creds.consumer_key:
        raise OAuthError("invalid_client_id", "client identifier invalid")
    if secret is None or not secrets.compare_digest(
        secret.encode(), creds.consumer_secret.encode()
    ):
        raise OAuthError("invalid_client", "invalid client credentials")


def _check_jwt(creds: Credentials, assertion: str) -> str:
    """The username a valid JWT bearer assertion names."""
    try:
        if creds.jwt_public_key:
            claims: dict[str, Any] = jwt.decode(
                assertion,
                creds.jwt_public_key,
                algorithms=["RS256"],
                options={"verify_aud": False, "verify_exp": False},
            )
        else:
            claims = jwt.decode(assertion, options={"verify_signature": False})
    except jwt.PyJWTError:
        raise OAuthError("invalid_grant", "invalid assertion") from None
    if claims.get("iss") != creds.consumer_key:
        raise OAuthError("invalid_client_id", "client identifier invalid")
    audience = str(claims.get("aud", ""))
    if not (audience.startswith("https://") and ".salesforce.com" in audience):
        raise OAuthError("invalid_grant", "audience is invalid")
    try:
        expires = float(claims.get("exp", 0))
    except (TypeError, ValueError):
        expires = 0.0
    if expires <= time.time():
        raise OAuthError("invalid_grant", "expired access/refresh token")
    if claims.get("sub") != creds.username:
        raise OAuthError("invalid_grant", "user hasn't approved this consumer")
    return creds.username


def token_grant(creds: Credentials, form: dict[str, str], authorization: str | None) -> str:
    """Validate a token request; return the username to open a session for."""
    grant = form.get("grant_type")
    if grant == "password":
        _check_client(creds, form.get("client_id"), form.get("client_secret"))
        if form.get("username") != creds.username or not password_ok(
            creds, form.get("password", ""), allow_without_token=True
        ):
            raise OAuthError("invalid_grant", "authentication failure")
        return creds.username
    if grant == "client_credentials":
        basic = _basic_auth(authorization)
        client_id, secret = basic or (form.get("client_id"), form.get("client_secret"))
        _check_client(creds, client_id, secret)
        return creds.username
    if grant == JWT_GRANT:
        return _check_jwt(creds, form.get("assertion", ""))
    raise OAuthError("unsupported_grant_type", "grant type not supported")
