"""Salesforce's API calls on kept-alive ``http.client`` connections, answered as ``requests``
responses.

simple-salesforce speaks through a ``requests`` session. Per call, ``requests`` prepares the
request, merges proxy and certificate settings from the environment, and goes through
urllib3's pool: on a small run that is most of the connector's own CPU spent on Salesforce,
several times the cost of the same call on a plain connection. The session sends the calls
it can here instead (no proxy applies to the host, no streaming, no client certificate) and
gives simple-salesforce a ``requests.Response`` built from the answer, with the session's
response hooks called as ``requests`` calls them; anything else goes through ``requests``.

Transport failures are raised as the ``requests`` exceptions the adapter already judges
(``ConnectTimeout``, ``ReadTimeout``, ``SSLError``, ``ConnectionError``). A connection the
server closed while idle (past its keep-alive timeout) fails before any answer: after a
pause of ``IDLE_SECONDS`` the call is sent again once on a new one; any other failure is the
session's to judge and retry.
"""

from __future__ import annotations

import gzip
import http.client
import json
import socket
import ssl
import threading
import time
import zlib
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlencode, urlsplit

import requests
from requests.hooks import dispatch_hook
from requests.structures import CaseInsensitiveDict

# Keyword arguments simple-salesforce passes that the direct path understands.
SUPPORTED = frozenset({"params", "data", "json", "headers", "timeout", "verify"})
_STALE = (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError)
IDLE_SECONDS = 1.0  # a connection unused this long may have been closed by the server


class DirectHttp:
    """Kept-alive connections per host; one call at a time on each."""

    def __init__(self, ca_bundle: str | None) -> None:
        self._ca_bundle = ca_bundle
        self._context: ssl.SSLContext | None = None  # made at the first TLS connection
        self._connections: dict[tuple[str, str, int], http.client.HTTPConnection] = {}
        self._proxied: dict[str, bool] = {}
        self._last_used: dict[tuple[str, str, int], float] = {}
        self._lock = threading.Lock()

    def can_send(self, url: str, kwargs: Mapping[str, Any]) -> bool:
        if not set(kwargs) <= SUPPORTED:
            return False
        if kwargs.get("verify", True) not in (True, self._ca_bundle):
            return False  # a call's own certificate settings: requests applies them
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            return False
        origin = f"{parts.scheme}://{parts.netloc}"
        proxied = self._proxied.get(origin)
        if proxied is None:
            # Read from the environment once per host (requests reads it on every call).
            proxied = bool(requests.utils.get_environ_proxies(origin))
            self._proxied[origin] = proxied
        return not proxied

    def send(
        self, session: requests.Session, method: str, url: str, kwargs: Mapping[str, Any]
    ) -> requests.Response:
        parts = urlsplit(url)
        path = parts.path or "/"
        query = parts.query
        params = kwargs.get("params")
        if params:
            extra = urlencode(params, doseq=True)
            query = f"{query}&{extra}" if query else extra
        if query:
            path = f"{path}?{query}"
        headers = {**session.headers, **(kwargs.get("headers") or {})}
        # Answers come as they are: http.client does not inflate compressed bodies.
        headers["Accept-Encoding"] = "identity"
        body: bytes | None = None
        if kwargs.get("json") is not None:
            body = json.dumps(kwargs["json"]).encode()
            headers.setdefault("Content-Type", "application/json")
        elif kwargs.get("data") is not None:
            data = kwargs["data"]
            body = data.encode() if isinstance(data, str) else bytes(data)
        timeout = _read_timeout(kwargs.get("timeout"))
        key = (parts.scheme, parts.hostname or "", parts.port or _default_port(parts.scheme))
        with self._lock:
            idle = key in self._connections and (
                time.monotonic() - self._last_used.get(key, 0.0) >= IDLE_SECONDS
            )
            try:
                status, reason, answer_headers, content = self._exchange(
                    key, method.upper(), path, body, headers, timeout
                )
            except _STALE as exc:
                if not idle:
                    raise requests.exceptions.ConnectionError(str(exc)) from exc
                try:
                    status, reason, answer_headers, content = self._exchange(
                        key, method.upper(), path, body, headers, timeout
                    )
                except _STALE as again:
                    raise requests.exceptions.ConnectionError(str(again)) from again
        sent = requests.PreparedRequest()
        sent.method = method.upper()
        sent.url = f"{parts.scheme}://{parts.netloc}{path}"
        sent.headers = CaseInsensitiveDict(headers)
        sent.body = body
        response = requests.Response()
        response.request = sent
        response.status_code = status
        response.reason = reason
        response.headers = CaseInsensitiveDict(answer_headers)
        response._content = content
        response.url = url
        response.encoding = "utf-8"
        result: requests.Response = dispatch_hook(  # type: ignore[no-untyped-call]
            "response", session.hooks, response
        )
        return result

    def close(self) -> None:
        # Not under the lock: a call stuck on an unanswering server must not hold up a
        # stopping process (closing its socket ends that call with an error).
        for connection in list(self._connections.values()):
            connection.close()
        self._connections.clear()

    def _exchange(
        self,
        key: tuple[str, str, int],
        method: str,
        path: str,
        body: bytes | None,
        headers: Mapping[str, Any],
        timeout: float | None,
    ) -> tuple[int, str, list[tuple[str, str]], bytes]:
        connection = self._connection(key, timeout)
        try:
            connection.request(method, path, body, {k: str(v) for k, v in headers.items()})
            answer = connection.getresponse()
            content = answer.read()
        except _STALE:
            self._drop(key)
            raise
        except BaseException as exc:
            connected = connection.sock is not None
            self._drop(key)
            raise _as_requests_error(exc, connected=connected) from exc
        self._last_used[key] = time.monotonic()
        if answer.will_close:
            self._drop(key)
        encoding = (answer.getheader("Content-Encoding") or "").lower()
        if encoding == "gzip":
            content = gzip.decompress(content)
        elif encoding == "deflate":
            content = zlib.decompress(content)
        return answer.status, answer.reason, answer.getheaders(), content

    def _connection(
        self, key: tuple[str, str, int], timeout: float | None
    ) -> http.client.HTTPConnection:
        connection = self._connections.get(key)
        if connection is None:
            scheme, host, port = key
            if scheme == "https":
                if self._context is None:
                    try:
                        self._context = ssl.create_default_context(cafile=self._ca_bundle)
                    except OSError as exc:  # as requests reports an unreadable bundle
                        raise requests.exceptions.SSLError(f"CA bundle: {exc}") from exc
                connection = http.client.HTTPSConnection(
                    host, port, timeout=timeout, context=self._context
                )
            else:
                connection = http.client.HTTPConnection(host, port, timeout=timeout)
            self._connections[key] = connection
        elif connection.sock is not None:
            connection.sock.settimeout(timeout)
        return connection

    def _drop(self, key: tuple[str, str, int]) -> None:
        connection = self._connections.pop(key, None)
        if connection is not None:
            connection.close()


def _read_timeout(timeout: object) -> float | None:
    if isinstance(timeout, tuple):
        timeout = timeout[-1]
    return float(timeout) if isinstance(timeout, int | float) else None


def _default_port(scheme: str) -> int:
    return 443 if scheme == "https" else 80


def _as_requests_error(exc: BaseException, *, connected: bool) -> BaseException:
    """The ``requests`` exception the same failure raises through ``requests``."""
    if isinstance(exc, ssl.SSLError):
        return requests.exceptions.SSLError(str(exc))
    if isinstance(exc, socket.timeout | TimeoutError):
        if connected:
            return requests.exceptions.ReadTimeout(str(exc))
        return requests.exceptions.ConnectTimeout(str(exc))
    if isinstance(exc, OSError | http.client.HTTPException):
        return requests.exceptions.ConnectionError(str(exc))
    return exc
