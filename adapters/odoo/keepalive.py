"""One persistent HTTP connection to Odoo for odoorpc's JSON-RPC calls.

odoorpc sends every call through a ``urllib`` opener, which opens a new TCP connection per
call: a run of a dozen calls pays a dozen connects (and TLS handshakes with ``jsonrpc+ssl``).
odoorpc accepts any opener (``ODOO(..., opener=...)``: it only calls ``open(request,
timeout=...)`` and reads the answer), so this one keeps a single HTTP/1.1 connection open.
Odoo's threaded server keeps connections alive (werkzeug enables HTTP/1.1 for a
multithreaded server, ``werkzeug/serving.py`` ``BaseWSGIServer``); its prefork workers and
proxies may close them after each answer, which ``will_close`` tells, and the next call
simply connects again.

A connection the server closed while idle (past a keep-alive timeout) fails the next
request before any answer: after a pause of ``IDLE_SECONDS`` or more, that request is sent
once more on a new connection. Any other failure is raised: whether to send a call again is
:mod:`adapters.resilience`'s decision, with its counts and backoff.
"""

from __future__ import annotations

import http.client
import io
import ssl
import threading
import time
import urllib.error
import urllib.request
from email.message import Message
from urllib.parse import urlsplit

# The server dropped an idle kept-alive connection: nothing of the request was processed.
_STALE = (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError)
# A connection unused this long may have been closed by the server's keep-alive timeout.
IDLE_SECONDS = 1.0


class KeepAliveOpener:
    """``open(request, timeout)`` over one kept-alive connection; one call at a time."""

    def __init__(
        self, host: str, port: int, *, tls: bool = False, context: ssl.SSLContext | None = None
    ) -> None:
        self._host = host
        self._port = port
        self._tls = tls
        self._context = context
        self._connection: http.client.HTTPConnection | None = None
        self._last_used = 0.0
        self._lock = threading.Lock()

    def open(self, request: urllib.request.Request, timeout: float | None = None) -> io.BytesIO:
        with self._lock:
            # A connection left idle for a while may have been dropped by the server.
            idle = self._connection is not None and (
                time.monotonic() - self._last_used >= IDLE_SECONDS
            )
            try:
                return self._send(request, timeout)
            except _STALE:
                if not idle:
                    raise
                return self._send(request, timeout)

    def close(self) -> None:
        if self._connection is not None:
            self._connection.close()
        self._connection = None

    def _send(self, request: urllib.request.Request, timeout: float | None) -> io.BytesIO:
        connection = self._connect(timeout)
        parts = urlsplit(request.full_url)
        path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        headers = dict(request.header_items())
        try:
            connection.request(request.get_method(), path, request.data, headers)
            response = connection.getresponse()
            body = response.read()
        except BaseException:
            self.close()
            raise
        self._last_used = time.monotonic()
        if response.will_close:
            self.close()
        if response.status >= 400:
            answer = Message()
            for name, value in response.getheaders():
                answer[name] = value
            raise urllib.error.HTTPError(
                request.full_url, response.status, response.reason, answer, io.BytesIO(body)
            )
        return io.BytesIO(body)

    def _connect(self, timeout: float | None) -> http.client.HTTPConnection:
        if self._connection is None:
            if self._tls:
                self._connection = http.client.HTTPSConnection(
                    self._host, self._port, timeout=timeout, context=self._context
                )
            else:
                self._connection = http.client.HTTPConnection(
                    self._host, self._port, timeout=timeout
                )
        elif timeout is not None and self._connection.sock is not None:
            self._connection.sock.settimeout(timeout)
        return self._connection
