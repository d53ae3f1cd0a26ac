"""The ASGI application: login endpoints, the REST API under ``/services/data``, admin.

The API layer is plain ASGI (no framework routing) to keep per-request overhead small. Every
REST API request is: routed (404 ``NOT_FOUND`` otherwise), counted in :class:`CallStats`,
authenticated (401 ``INVALID_SESSION_ID``), charged against the daily allowance (403
``REQUEST_LIMIT_EXCEEDED``), handled, and answered with ``Sforce-Limit-Info``. Generic faults
(latency, 429, 5xx, resets) are injected by the shared :class:`FaultMiddleware` in front.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote

from starlette.routing import Router
from starlette.types import ASGIApp, Receive, Scope, Send

from connector.sandbox.common.faults import (
    ADMIN_PREFIX,
    FaultInjector,
    FaultKind,
    FaultMiddleware,
    FaultRule,
)
from connector.sandbox.common.stats import CallStats
from connector.sandbox.salesforce.composite import CompositeRoutes
from connector.sandbox.salesforce.composite_request import run_composite
from connector.sandbox.salesforce.config import SalesforceSandboxConfig
from connector.sandbox.salesforce.errors import (
    SalesforceApiError,
    error_body_for_status,
    invalid_session,
    not_found,
    request_error,
)
from connector.sandbox.salesforce.http import ApiRequest, ApiResponse
from connector.sandbox.salesforce.replication import ReplicationRoutes
from connector.sandbox.salesforce.routes_admin import sandbox_routes
from connector.sandbox.salesforce.routes_auth import AuthRoutes
from connector.sandbox.salesforce.routes_query import QueryRoutes
from connector.sandbox.salesforce.routes_rest import RestRoutes, supported_versions
from connector.sandbox.salesforce.state import SalesforceState

log = logging.getLogger(__name__)
HTML = b"text/html;charset=UTF-8"

Handler = Callable[[ApiRequest], ApiResponse]
_LOGIN_PREFIX = r"^(?:/.*\.salesforce\.com)?"
_SOAP_RE = re.compile(_LOGIN_PREFIX + r"/services/Soap/u/(\d+\.\d+)(?:/.*)?$")
_TOKEN_RE = re.compile(_LOGIN_PREFIX + r"/services/oauth2/token/?$")
_DATA_RE = re.compile(r"^/services/data/v(\d+\.\d+)(?:/(.*))?$")
_VERSIONS_RE = re.compile(r"^/services/data/?$")


# "In each REST call, the maximum length for the combined URI and headers is 16,384 bytes"
# (431 Request Header Fields Too Large; 414 URI Too Long when the URI alone exceeds it).
# Salesforce Help, "Maximum number of rows returned by SOQL queries over the REST API".
MAX_URI_AND_HEADERS = 16_384


def _size_check(req: ApiRequest, raw_headers: list[tuple[bytes, bytes]]) -> ApiResponse | None:
    uri = len(req.path) + (len(req.query_string) + 1 if req.query_string else 0)
    if uri > MAX_URI_AND_HEADERS:
        return ApiResponse(
            414, raw=b"<html><body>414 URI Too Long</body></html>", content_type=HTML
        )
    header_bytes = sum(len(k) + len(v) + 4 for k, v in raw_headers)
    if uri + header_bytes > MAX_URI_AND_HEADERS:
        return ApiResponse(
            431,
            raw=b"<html><body>431 Request Header Fields Too Large</body></html>",
            content_type=HTML,
        )
    return None


def _error_response(exc: SalesforceApiError) -> ApiResponse:
    return ApiResponse(exc.status, exc.body())


# Salesforce's texts for its three limits behind 403 REQUEST_LIMIT_EXCEEDED: two transient
# concurrency limits and the daily allocation.
REQUEST_LIMIT_MESSAGES = {
    FaultKind.CONCURRENT_REQUESTS: "ConcurrentRequests (Concurrent API Requests) Limit exceeded.",
    FaultKind.CONCURRENT_LONG_TXN: "ConcurrentPerOrgLongTxn Limit exceeded.",
    FaultKind.TOTAL_REQUESTS: "TotalRequests Limit exceeded.",
}


class SalesforceApi:
    """Plain-ASGI app serving the Salesforce endpoints; admin paths go to a Starlette router."""

    def __init__(self, state: SalesforceState, injector: FaultInjector, stats: CallStats) -> None:
        self.state = state
        self.injector = injector
        self.stats = stats
        self.rest = RestRoutes(state)
        self.query = QueryRoutes(state)
        self.composite = CompositeRoutes(state)
        self.auth = AuthRoutes(state)
        self.replication = ReplicationRoutes(state)
        self.admin = Router(routes=sandbox_routes(state, injector, stats))
        self.versions = set(supported_versions(state.config.api_version))

    # -- routing ---------------------------------------------------------------------------

    def _data_routes(self, segs: list[str]) -> dict[str, tuple[str, Handler]] | None:
        n = len(segs)
        rest, query, comp = self.rest, self.query, self.composite
        if n == 0:
            return {"GET": ("GET resources", rest.resources)}
        head = segs[0]
        if head == "limits" and n == 1:
            return {"GET": ("GET limits", rest.limits)}
        if head == "sobjects":
            if n == 1:
                return {"GET": ("GET sobjects/global", rest.describe_global)}
            if n == 2:
                return {
                    "GET": ("GET sobjects/info", rest.info),
                    "POST": ("POST sobjects", rest.create),
                }
            if n == 3 and segs[2] == "describe":
                return {"GET": ("GET sobjects/describe", rest.describe)}
            if n == 3 and segs[2] in ("updated", "deleted"):
                handler = (
                    self.replication.updated if segs[2] == "updated" else self.replication.deleted
                )
                return {"GET": (f"GET sobjects/{segs[2]}", handler)}
            if n == 3:
                return {
                    "GET": ("GET sobjects", rest.retrieve),
                    "PATCH": ("PATCH sobjects", rest.update),
                    "DELETE": ("DELETE sobjects", rest.delete),
                }
            return {
                "GET": ("GET sobjects/external", rest.retrieve_external),
                "PATCH": ("PATCH sobjects/upsert", rest.upsert),
                "DELETE": ("DELETE sobjects/external", rest.delete_external),
            }
        if head in ("query", "queryAll"):
            deleted = head == "queryAll"
            if n == 1:
                return {"GET": (f"GET {head}", lambda r: query.query(r, deleted))}
            if n == 2:
                return {"GET": (f"GET {head}/more", query.more)}
            return None
        if head == "composite" and n == 1:
            return {"POST": ("POST composite", self._composite)}
        if head == "composite" and n >= 2 and segs[1] == "sobjects":
            if n == 2:
                return {
                    "POST": ("POST composite/sobjects", comp.create),
                    "PATCH": ("PATCH composite/sobjects", comp.update),
                    "DELETE": ("DELETE composite/sobjects", comp.delete),
                }
            if n == 3:
                return {"GET": ("GET composite/sobjects", comp.retrieve)}
            if n == 4:
                return {"PATCH": ("PATCH composite/sobjects/upsert", comp.upsert)}
        return None

    # -- request handling ------------------------------------------------------------------

    def handle(self, req: ApiRequest) -> ApiResponse:
        """Answer one request (any path outside ``/__sandbox/``)."""
        path = req.path
        if req.method == "POST":
            soap = _SOAP_RE.match(path)
            if soap is not None:
                self.stats.record("POST login/soap")
                req.version = soap.group(1)
                return self.auth.soap_login(req)
            if _TOKEN_RE.match(path):
                self.stats.record("POST oauth2/token")
                return self.auth.token(req)
        if _VERSIONS_RE.match(path):
            self.stats.record("GET versions")
            return self.rest.versions(req)
        routed = self._route(req)
        if isinstance(routed, ApiResponse):
            return routed
        label, handler = routed
        self.stats.record(label)
        response = self._authorized(req, handler)
        response.headers.append((b"sforce-limit-info", self.state.usage.header().encode()))
        return response

    def _route(self, req: ApiRequest) -> tuple[str, Handler] | ApiResponse:
        """The handler of a ``/services/data/vXX.X/...`` request, or the error answer."""
        data = _DATA_RE.match(req.path)
        if data is None:
            return _error_response(not_found())
        req.version = data.group(1)
        raw_rest = data.group(2) or ""
        req.segments = [unquote(s) for s in raw_rest.split("/")] if raw_rest else []
        while req.segments and req.segments[-1] == "":
            req.segments.pop()
        routes = self._data_routes(req.segments) if req.version in self.versions else None
        if routes is None:
            return _error_response(not_found())
        entry = routes.get(req.method)
        if entry is None:
            allowed = ",".join(routes)
            return _error_response(
                request_error(
                    405,
                    "METHOD_NOT_ALLOWED",
                    f"HTTP Method '{req.method}' not allowed. Allowed are {allowed}",
                )
            )
        return entry

    def _composite(self, req: ApiRequest) -> ApiResponse:
        rollback = self.injector.take(FaultKind.COMPOSITE_ROLLBACK, req.method, req.path)
        return run_composite(req, self._subrequest, rollback)

    def _subrequest(self, req: ApiRequest) -> ApiResponse:
        """One subrequest of a composite call: already authorised and counted as part of it."""
        routed = self._route(req)
        if isinstance(routed, ApiResponse):
            return routed
        label, handler = routed
        self.stats.record(f"composite {label}")
        try:
            return handler(req)
        except SalesforceApiError as exc:
            return _error_response(exc)

    def _request_limit_fault(self, req: ApiRequest) -> str | None:
        """The message of an injected REQUEST_LIMIT_EXCEEDED, if one fires for ``req``."""
        for kind, message in REQUEST_LIMIT_MESSAGES.items():
            if self.injector.take(kind, req.method, req.path) is not None:
                return message
        return None

    def _authorized(self, req: ApiRequest, handler: Handler) -> ApiResponse:
        state = self.state
        authorization = req.headers.get("authorization", "")
        scheme, _, token = authorization.partition(" ")
        token = token.strip()
        if scheme.lower() not in ("bearer", "oauth") or state.sessions.check(token) is None:
            return _error_response(invalid_session())
        if self.injector.take(FaultKind.EXPIRED_SESSION, req.method, req.path) is not None:
            state.sessions.invalidate(token)
            return _error_response(invalid_session())
        limited = self._request_limit_fault(req)
        if limited is not None:
            return _error_response(request_error(403, "REQUEST_LIMIT_EXCEEDED", limited))
        if not state.usage.consume():
            return _error_response(
                request_error(403, "REQUEST_LIMIT_EXCEEDED", "TotalRequests Limit exceeded.")
            )
        try:
            return handler(req)
        except SalesforceApiError as exc:
            return _error_response(exc)
        except Exception:
            log.exception("salesforce sandbox: unexpected error on %s %s", req.method, req.path)
            return _error_response(
                request_error(
                    500,
                    "UNKNOWN_EXCEPTION",
                    "An unexpected error occurred. Please include this ErrorId if you contact "
                    "support: 0-0 (sandbox)",
                )
            )

    # -- ASGI ------------------------------------------------------------------------------

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self._lifespan(receive, send)
            return
        if scope["type"] != "http":
            return
        path: str = scope["path"]
        if path.startswith(ADMIN_PREFIX):
            await self.admin(scope, receive, send)
            return
        chunks: list[bytes] = []
        more = True
        while more:
            message = await receive()
            chunks.append(message.get("body", b""))
            more = message.get("more_body", False)
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        raw_path: bytes = scope.get("raw_path") or path.encode()
        host = headers.get("host", "127.0.0.1")
        req = ApiRequest(
            method=scope["method"],
            path=raw_path.decode("latin-1"),
            segments=[],
            query_string=scope.get("query_string", b"").decode("latin-1"),
            headers=headers,
            body=b"".join(chunks),
            base_url=f"{scope.get('scheme', 'https')}://{host}",
        )
        response = _size_check(req, scope["headers"]) or self.handle(req)
        payload = response.payload()
        head = [
            (b"content-type", response.content_type),
            (b"content-length", str(len(payload)).encode()),
            *response.headers,
        ]
        if response.status == 204:
            head = [h for h in head if h[0] != b"content-type"]
            payload = b""
            head = [h for h in head if h[0] != b"content-length"]
        await send({"type": "http.response.start", "status": response.status, "headers": head})
        await send({"type": "http.response.body", "body": payload})

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                if self.state.config.persist_path is not None:
                    self.state.save()
                await send({"type": "lifespan.shutdown.complete"})
                return


@dataclass
class SalesforceSandbox:
    """What :func:`create_salesforce_app` builds: serve ``app``; drive ``state`` directly."""

    app: ASGIApp
    api: SalesforceApi
    state: SalesforceState
    injector: FaultInjector
    stats: CallStats
    config: SalesforceSandboxConfig

    def save(self) -> int:
        """Write the SQLite snapshot if ``persist_path`` is set; returns the record count."""
        if self.config.persist_path is None:
            return 0
        return self.state.save()


def _fault_body(status: int, rule: FaultRule) -> Any:
    return error_body_for_status(status, rule.message)


def create_salesforce_app(config: SalesforceSandboxConfig | None = None) -> SalesforceSandbox:
    """Build the sandbox: state (loaded from ``persist_path`` if present) and ASGI app."""
    config = config or SalesforceSandboxConfig()
    injector = FaultInjector(config.fault_rules, seed=config.seed)
    stats = CallStats()
    state = SalesforceState(config, injector)
    api = SalesforceApi(state, injector, stats)
    app = FaultMiddleware(api, injector, _fault_body)
    return SalesforceSandbox(app, api, state, injector, stats, config)
