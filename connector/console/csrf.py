"""Cross-site request forgery: every POST carries a token a foreign page cannot know.

Forms of a session carry ``csrf_token``, the session's HMAC under the console's key (see
:meth:`connector.console.auth.Guard.csrf_token`): a page elsewhere can make a browser send
the session cookie (SameSite=Strict already stops most of that) but cannot read the token.
The login form, before any session, uses a double-submit cookie: a random value both in an
HttpOnly cookie and in the form, which must match.
"""

from __future__ import annotations

import hmac
import secrets

from starlette.datastructures import FormData

FIELD = "csrf_token"
LOGIN_COOKIE = "console_login"


def form_token(form: FormData) -> str:
    value = form.get(FIELD)
    return value if isinstance(value, str) else ""


def matches(expected: str, given: str) -> bool:
    return bool(given) and hmac.compare_digest(expected.encode(), given.encode())


def login_nonce() -> str:
    return secrets.token_urlsafe(24)
