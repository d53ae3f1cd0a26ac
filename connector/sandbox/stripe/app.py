"""The ASGI application: auth, routing, idempotency, headers, errors, call statistics.

Handlers are synchronous and run on the event loop under the state lock (they only touch
memory), which is faster than a thread pool hop and keeps one request atomic.
"""

from __future__ import annotations

import base64
import json
import logging
import re
import secrets
from typing import Any
from urllib.parse import unquote

import orjson
from starlette.routing import Router
from starlette.types import ASGIApp, Receive, Scope, Send

from connector.sandbox.common.admin import admin_routes
from connector.sandbox.common.faults import (
    ADMIN_PREFIX,
    FaultInjector,
    FaultKind,
    FaultMiddleware,
)
from connector.sandbox.common.stats import CallStats
from connector.sandbox.stripe import (
    persistence,
    routes_catalog,
    routes_events,
    routes_subscriptions,
)
from connector.sandbox.stripe.config import StripeSandboxConfig
from connector.sandbox.stripe.errors import StripeError, fault_error_body
from connector.sandbox.stripe.events import RequestInfo
from connector.sandbox.stripe.forms import Params, decode_form, encode_form
from connector.sandbox.stripe.params import get_str_list
from connector.sandbox.stripe.render import apply_expand, check_expand_paths
from connector.sandbox.stripe.routes_admin import stripe_admin_routes
from connector.sandbox.stripe.routing import ApiRequest, ApiRoute
from connector.sandbox.stripe.state import StripeState

logger = logging.getLogger(__name__)

NO_KEY_MESSAGE = (
    "You did not provide an API key. You need to provide your API key in the Authorization "
    "header, using Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY'). See "
    "https://stripe.com/docs/api#authentication for details, or we can help at "
    "https://support.stripe.com/."
)

ALL_ROUTES: list[ApiRoute] = [
    *routes_catalog.ROUTES,
    *routes_subscriptions.ROUTES,
    *routes_events.ROUTES,
]


def _redact(key: str) -> str:
    if len(key) <= 12:
        return "*" * len(key)
    head = key[:8] if key.startswith(("sk_test_", "sk_live_")) else key[:3]
    return head + "*" * (len(key) - len(head) - 4) + key[-4:]


class StripeSandbox:
    """The Stripe emulator: ``app`` (ASGI, also callable directly), ``state``, faults, stats."""

    def __init__(self, config: StripeSandboxConfig | None = None) -> None:
        self.config = config or StripeSandboxConfig()
        self.state = StripeState(self.config)
        self.injector = FaultInjector(self.config.fault_rules, seed=self.config.seed)
        self.stats = CallStats()
        self._routes = [(route, route.compile()) for route in ALL_ROUTES]
        self._static = {
            (route.method, route.pattern): route for route in ALL_ROUTES if "{" not in route.pattern
        }
        self._admin = Router(
            routes=[
                *admin_routes(self.injector, self.stats),
                *stripe_admin_routes(self.state),
            ]
        )
        self.app: ASGIApp = FaultMiddleware(self._asgi, self.injector, fault_error_body)
        if self.config.persist_path is not None:
            persistence.load(self.state, self.config.persist_path)
        self._closed = False

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self.app(scope, receive, send)

    def close(self) -> None:
        """Save (if a persist path is configured) and stop the webhook workers."""
        if self._closed:
            return
        self._closed = True
        if self.config.persist_path is not None:
            persistence.save(self.state, self.config.persist_path)
        self.state.close()

    def request(
        self, method: str, path: str, params: dict[str, Any] | None = None
    ) -> tuple[int, dict[str, Any]]:
        """Call the API in-process, as an operator would through the dashboard or the API.

        ``params`` are plain Python values (nested dicts/lists, bools, ints), encoded the way
        Stripe's client libraries encode them. Returns (status, decoded JSON body).
        """
        encoded = encode_form(params or {})
        body = b""
        query = b""
        if method.upper() in ("GET", "DELETE"):
            query = encoded.encode()
        else:
            body = encoded.encode()
        scope: Scope = {
            "type": "http",
            "method": method.upper(),
            "path": path,
            "query_string": query,
            "headers": [(b"authorization", f"Bearer {self.config.secret_key}".encode())],
        }
        status, payload, _ = self.handle(scope, body)
        decoded: dict[str, Any] = json.loads(payload)
        return status, decoded

    # -- ASGI --------------------------------------------------------------------------------

    async def _asgi(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self._lifespan(receive, send)
            return
        if scope["type"] != "http":
            return
        if scope["path"].startswith(ADMIN_PREFIX):
            await self._admin(scope, receive, send)
            return
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        status, payload, headers = self.handle(scope, body)
        await send(
            {
                "type": "http.response.start",
                "status": status,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(payload)).encode()),
                    *((k.encode(), v.encode()) for k, v in headers.items()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": payload})

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                self.close()
                await send({"type": "lifespan.shutdown.complete"})
                return

    # -- one API request ---------------------------------------------------------------------

    def _match(self, method: str, path: str) -> tuple[ApiRoute | None, dict[str, str], list[str]]:
        """(route, path params, methods the path supports when ``method`` is not one)."""
        route = self._static.get((method, path))
        if route is not None:
            return route, {}, []
        allowed: list[str] = []
        for candidate, regex in self._routes:
            found = regex.match(path)
            if found is None:
                continue
            if candidate.method == method:
                return candidate, {k: unquote(v) for k, v in found.groupdict().items()}, []
            allowed.append(candidate.method)
        return None, {}, allowed

    def _authenticate(self, headers: dict[str, str]) -> None:
        raw = headers.get("authorization", "")
        key = ""
        if raw.startswith("Bearer "):
            key = raw[7:].strip()
        elif raw.startswith("Basic "):
            # Stripe also accepts HTTP basic auth with the key as the user name.
            try:
                key = base64.b64decode(raw[6:]).decode().split(":", 1)[0]
            except (ValueError, UnicodeDecodeError):
                key = ""
        if not key:
            raise StripeError(401, NO_KEY_MESSAGE)
        if not secrets.compare_digest(key, self.config.secret_key):
            raise StripeError(
                401, f"Invalid API Key provided: {_redact(key)}", code="api_key_invalid"
            )

    def _system_fault(self, method: str, path: str) -> None:
        if self.injector.take(FaultKind.EXPIRED_SESSION, method, path):
            raise StripeError(401, "Expired API Key provided.", code="api_key_expired")
        if self.injector.take(FaultKind.LOCK_ROW, method, path):
            raise StripeError(
                409,
                "This object cannot be accessed right now because another API request or "
                "Stripe process is currently accessing it. If you see this error "
                "intermittently, retry the request.",
                code="lock_timeout",
                # Stripe marks lock timeouts as safe to repeat (docs.stripe.com/error-low-level).
                headers={"stripe-should-retry": "true"},
            )
        if method == "POST" and self.injector.take(FaultKind.REJECT_RECORD, method, path):
            raise StripeError(
                402,
                "Your card was declined.",
                type_="card_error",
                code="card_declined",
                extra={"decline_code": "generic_decline"},
            )

    def handle(self, scope: Scope, body: bytes) -> tuple[int, bytes, dict[str, str]]:
        """Process one API request; returns (status, JSON body, extra headers)."""
        method: str = scope["method"]
        path: str = scope["path"]
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        request_id = "req_" + secrets.token_urlsafe(10).replace("-", "x").replace("_", "y")
        api_version = headers.get("stripe-version") or self.config.api_version
        out_headers = {"request-id": request_id, "stripe-version": api_version}
        idempotency_key = headers.get("idempotency-key") if method == "POST" else None
        if idempotency_key:
            out_headers["idempotency-key"] = idempotency_key
        route, path_params, allowed = self._match(method, path)
        label = route.label if route else f"{method} {_generic_label(path)}"
        self.stats.record(label)
        params: Params = {}
        started = False
        try:
            self._authenticate(headers)
            if route is None:
                message = f"Unrecognized request URL ({method}: {path}). Please see "
                message += "https://stripe.com/docs or we can help at https://support.stripe.com/."
                if allowed:
                    raise StripeError(405, message, headers={"allow": ", ".join(sorted(allowed))})
                raise StripeError(404, message)
            self._system_fault(method, path)
            query = scope.get("query_string", b"").decode("latin-1")
            if method == "GET" or method == "DELETE":
                params = decode_form(query) if query else {}
                if method == "DELETE" and body:
                    params.update(decode_form(body.decode("utf-8")))
            else:
                params = decode_form(body.decode("utf-8")) if body else {}
                if query:
                    params = {**decode_form(query), **params}
            if idempotency_key:
                saved = self.state.idempotency.lookup(idempotency_key, f"{method} {path}", params)
                if saved is not None:
                    out_headers["idempotent-replayed"] = "true"
                    out_headers["original-request"] = saved.request_id
                    return saved.status, saved.body, out_headers
            expand = get_str_list(params, "expand") or []
            check_expand_paths(expand)
            info = RequestInfo(request_id, idempotency_key)
            request = ApiRequest(method, path, path_params, params, info, api_version)
            with self.state.lock:
                started = True
                result = route.handler(self.state, request)
                if expand:
                    result = apply_expand(self.state, result, expand)
                payload = orjson.dumps(result)
            status = 200
        except Exception as exc:  # an emulator bug must still answer like Stripe's 500
            if not isinstance(exc, StripeError):
                logger.exception("stripe sandbox: unhandled error")
                exc = StripeError(
                    500,
                    "An unknown error occurred while processing your request.",
                    type_="api_error",
                )
            status = exc.status
            payload = orjson.dumps(exc.body(request_id))
            out_headers.update(exc.headers)
            if status == 401:
                out_headers["www-authenticate"] = 'Basic realm="Stripe"'
            if not (started and not exc.validation):
                return status, payload, out_headers
        if idempotency_key:
            self.state.idempotency.save(
                idempotency_key, f"{method} {path}", params, status, payload, request_id
            )
        return status, payload, out_headers


_ID_SEGMENT = re.compile(r"^[a-z]+_[A-Za-z0-9]+$")


def _generic_label(path: str) -> str:
    return "/".join(":id" if _ID_SEGMENT.match(seg) else seg for seg in path.split("/"))


def create_stripe_app(config: StripeSandboxConfig | None = None) -> StripeSandbox:
    """Build the emulator. Serve ``sandbox.app`` (or ``sandbox`` itself) with uvicorn, e.g.
    ``serve_in_thread(sandbox.app)``; call ``sandbox.close()`` when done."""
    return StripeSandbox(config)


__all__ = ["StripeSandbox", "create_stripe_app"]
