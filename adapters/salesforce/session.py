"""The connection to one org: login, one re-login on an expired session, and every API call.

Every call goes through :meth:`SalesforceSession.call`, which

1. refuses to start when the daily-quota guard says stop;
2. runs the call through :class:`~adapters.resilience.Resilient` (rate gate, retries with
   backoff, ``Retry-After`` pausing the whole adapter);
3. inside each attempt, answers an expired session by logging in again *once* and repeating
   the call; a second expiry (or a session that cannot be renewed) is fatal;
4. turns simple-salesforce and ``requests`` exceptions into :class:`ApiCallError` for the
   judge, with the ``Retry-After`` header of the failed answer (simple-salesforce drops
   headers, so a response hook on our ``requests`` session keeps the last ones per thread).

We log in ourselves with ``SalesforceLogin`` and hand simple-salesforce a ready session id:
left to itself it logs in again up to three times per call, silently, which would hide
broken credentials and burn login attempts against the org's lockout policy.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from decimal import Decimal
from functools import partial
from typing import Any, TypeVar

import requests
from simple_salesforce.api import Salesforce
from simple_salesforce.exceptions import SalesforceError, SalesforceExpiredSession
from simple_salesforce.login import SalesforceLogin

from adapters.resilience import RateGate, Resilient, RetryPolicy, parse_retry_after
from adapters.salesforce.direct_http import DirectHttp
from adapters.salesforce.errors import (
    ApiCallError,
    from_salesforce_error,
    from_transport_error,
    is_daily_quota,
    judge,
)
from adapters.salesforce.limits import UsageGuard, parse_limit_info
from adapters.salesforce.settings import SalesforceSettings
from connector.errors import FatalAdapterError
from connector.redaction import SECRETS

T = TypeVar("T")
Login = Callable[[], tuple[str, str]]

# New sessions to try within one call before the session is judged unusable. A session can
# end at any moment (timeout, a logout elsewhere, an admin revoking it: 401
# INVALID_SESSION_ID), so one expiry right after a login can be bad luck; a session refused
# after every one of several fresh logins is the user's session policy or API access.
SESSION_RENEWALS = 3


class TimeoutSession(requests.Session):
    """A ``requests`` session with a default timeout and an explicit CA bundle.

    simple-salesforce's login sets no timeout. The bundle is passed per request because a
    session-wide ``verify`` loses to ``REQUESTS_CA_BUNDLE`` from the environment, and turning
    the environment off would also drop ``HTTPS_PROXY``, which a corporate proxy needs.
    """

    def __init__(self, timeout: float, ca_bundle: str | None = None) -> None:
        super().__init__()
        self.default_timeout = timeout
        self.ca_bundle = ca_bundle
        self.direct = DirectHttp(ca_bundle)  # the usual calls, without requests' overhead

    def request(self, method: str | bytes, url: str | bytes, *args: Any, **kwargs: Any) -> Any:
        kwargs.setdefault("timeout", self.default_timeout)
        if self.ca_bundle is not None:
            kwargs.setdefault("verify", self.ca_bundle)
        direct = not args and isinstance(method, str) and isinstance(url, str)
        if direct and self.direct.can_send(str(url), kwargs):
            return self.direct.send(self, str(method), str(url), kwargs)
        return super().request(method, url, *args, **kwargs)

    def close(self) -> None:
        self.direct.close()
        super().close()


def http_session(settings: SalesforceSettings) -> TimeoutSession:
    bundle = str(settings.ca_bundle) if settings.ca_bundle is not None else None
    return TimeoutSession(settings.timeout_seconds, bundle)


def login_function(settings: SalesforceSettings, http: requests.Session) -> Login | None:
    """How to obtain ``(session_id, instance)``; None when the session cannot be renewed."""

    def secret(value: Any) -> str | None:
        return None if value is None else str(value.get_secret_value())

    kind = settings.auth_kind
    common: dict[str, Any] = {
        "session": http,
        "domain": settings.domain,
        "sf_version": settings.api_version,
    }
    if kind == "session":
        return None
    args: dict[str, Any]
    if kind == "soap":
        args = {
            "username": settings.username,
            "password": secret(settings.password),
            "security_token": secret(settings.security_token),
        }
    elif kind == "oauth_password":
        # The OAuth password flow wants the security token appended to the password.
        password = (secret(settings.password) or "") + (secret(settings.security_token) or "")
        args = {
            "username": settings.username,
            "password": password,
            "consumer_key": settings.consumer_key,
            "consumer_secret": secret(settings.consumer_secret),
        }
    else:
        args = {
            "consumer_key": settings.consumer_key,
            "consumer_secret": secret(settings.consumer_secret),
        }

    def login() -> tuple[str, str]:
        session_id, instance = SalesforceLogin(**common, **args)
        SECRETS.register(session_id)
        return str(session_id), str(instance)

    return login


class SalesforceSession:
    """A logged-in simple-salesforce client plus the resilience and quota machinery."""

    def __init__(
        self,
        settings: SalesforceSettings,
        *,
        http: requests.Session | None = None,
        policy: RetryPolicy | None = None,
        sleep: Callable[[float], None] | None = None,
    ) -> None:
        self.settings = settings
        self.system = settings.system
        self.http = http or http_session(settings)
        self.http.hooks["response"].append(self._remember_headers)
        self._login = login_function(settings, self.http)
        pause = sleep or time.sleep
        self.gate = RateGate(settings.requests_per_second, sleep=pause)
        self.resilient = Resilient(settings.system, judge, policy, self.gate, sleep=pause)
        self.guard = UsageGuard(
            settings.system,
            self.gate,
            slowdown_share=settings.api_usage_slowdown_share,
            stop_share=settings.api_usage_stop_share,
            slow_rate=settings.slowdown_requests_per_second,
        )
        self._client: Salesforce | None = None
        self._lock = threading.RLock()
        self._local = threading.local()
        self.logins = 0

    # -- the client ------------------------------------------------------------------------

    def close(self) -> None:
        """Release the HTTP connections (a kept-alive TLS connection otherwise lingers)."""
        self.http.close()

    def _remember_headers(self, response: requests.Response, *_: Any, **__: Any) -> None:
        self._local.retry_after = response.headers.get("Retry-After")
        usage = parse_limit_info(response.headers.get("Sforce-Limit-Info"))
        if usage is not None:
            self.guard.observe(usage)

    def _build(self, session_id: str, instance: str) -> Salesforce:
        # parse_float=Decimal: currency and percent values arrive exact, never via binary floats.
        return Salesforce(
            session_id=session_id,
            instance=instance,
            session=self.http,
            version=self.settings.api_version,
            parse_float=Decimal,
            object_pairs_hook=dict,
        )

    def _log_in(self) -> Salesforce:
        if self._login is None:
            settings = self.settings
            assert settings.instance_url is not None
            assert settings.session_id is not None
            SECRETS.register(settings.session_id.get_secret_value())
            return Salesforce(
                session_id=settings.session_id.get_secret_value(),
                instance_url=settings.instance_url,
                session=self.http,
                version=settings.api_version,
                parse_float=Decimal,
                object_pairs_hook=dict,
            )
        login = self._login
        session_id, instance = self.resilient.call(lambda: self._translate(login))
        self.logins += 1
        return self._build(session_id, instance)

    @property
    def client(self) -> Salesforce:
        """The logged-in client (logging in on first use)."""
        with self._lock:
            if self._client is None:
                self._client = self._log_in()
            return self._client

    def _relogin(self, stale: Salesforce) -> Salesforce:
        with self._lock:
            if self._client is not stale and self._client is not None:
                return self._client  # another thread renewed it already
            if self._login is None:
                raise FatalAdapterError(
                    self.system,
                    "the session expired and was given as session_id: it cannot be renewed",
                    "INVALID_SESSION_ID",
                )
            self._client = self._log_in()
            return self._client

    # -- calls -----------------------------------------------------------------------------

    def _translate(self, fn: Callable[[], T]) -> T:
        """Run ``fn``; exceptions come out as ApiCallError for the judge."""
        self._local.retry_after = None
        try:
            return fn()
        except SalesforceError as exc:
            retry_after = parse_retry_after(getattr(self._local, "retry_after", None))
            error = from_salesforce_error(exc, retry_after)
        except requests.RequestException as exc:
            error = from_transport_error(exc)
        if is_daily_quota(error):
            self.guard.quota_exhausted(f"Salesforce refused the call: {error.message}")
        # Raised outside the except blocks on purpose: the library's exception text holds
        # URLs and bodies, and should not ride along as the context of every log line.
        raise error

    def _attempt(self, op: Callable[[Salesforce], T]) -> T:
        client = self.client
        for _renewal in range(SESSION_RENEWALS):
            try:
                return self._translate(partial(self._expiring, op, client))
            except _Expired:
                client = self._relogin(client)
        try:
            return self._translate(lambda: self._expiring(op, client))
        except _Expired as exc:
            raise FatalAdapterError(
                self.system,
                "the session expired again right after logging in: "
                "check the user's session policy and API access",
                "INVALID_SESSION_ID",
            ) from exc

    @staticmethod
    def _expiring(op: Callable[[Salesforce], T], client: Salesforce) -> T:
        try:
            return op(client)
        except SalesforceExpiredSession as exc:
            raise _Expired() from exc

    def call(self, op: Callable[[Salesforce], T]) -> T:
        """Run one API call with quota check, pacing, retries and one re-login."""
        self.guard.check()
        return self.resilient.call(lambda: self._attempt(op))


class _Expired(Exception):
    """The session was refused (401 INVALID_SESSION_ID)."""


__all__ = ["ApiCallError", "SalesforceSession", "TimeoutSession", "http_session"]
