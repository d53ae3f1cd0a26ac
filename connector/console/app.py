"""The console as an ASGI app: its routes, its security headers and its error pages.

Served at the root by ``connector console`` and under ``/console`` by the daemon (see
:func:`console_mount`). Every response forbids framing, caching and scripts; an error shows
a short page and its details go to the log (redacted), never to the browser.
"""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Mount, Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from connector.config import ConsoleSettings
from connector.console.actions import Actions, AfterQueue
from connector.console.auth import Guard
from connector.console.pages import Console, templates
from connector.logs import get_logger
from connector.redaction import redact_text
from connector.store import StateStore

MOUNT_PATH = "/console"
SECURITY_HEADERS = {
    # Charts are inline SVG with their own <style>; nothing on a page runs a script.
    "content-security-policy": "default-src 'none'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
    "x-frame-options": "DENY",
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    "cache-control": "no-store",
}


class SecurityHeaders:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                headers += [(k.encode(), v.encode()) for k, v in SECURITY_HEADERS.items()]
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, with_headers)


def _error_page(status: int, message: str) -> Response:
    page = templates().get_template("error.html")
    body = page.render(message=message, base="", csrf_token="", logged_in=False, nav="")
    return Response(body, status_code=status, media_type="text/html")


async def _http_error(request: Request, exc: Exception) -> Response:
    status = exc.status_code if isinstance(exc, HTTPException) else 500
    if "text/html" not in request.headers.get("accept", ""):
        return PlainTextResponse("not found" if status == 404 else "error", status_code=status)
    return _error_page(status, "No such page." if status == 404 else "Request refused.")


async def _server_error(_request: Request, exc: Exception) -> Response:
    get_logger("connector.console").error(
        "console.error", error=redact_text(f"{type(exc).__name__}: {exc}")
    )
    return _error_page(
        500,
        "The console could not answer (is the store reachable?). The "
        "details are in the connector's log.",
    )


def console_app(
    store: StateStore, settings: ConsoleSettings, after_queue: AfterQueue | None = None
) -> Starlette:
    """The console over ``store``; ``after_queue`` runs after a replay queued its keys."""
    if settings.token is None:
        raise ValueError("the console needs a token")
    guard = Guard(settings.token.get_secret_value(), settings.session_hours * 3600)
    console = Console(store, guard, Actions(store, after_queue))
    guarded = console.protected
    routes = [
        Route("/login", console.login_form, methods=["GET"]),
        Route("/login", console.login, methods=["POST"]),
        Route("/logout", guarded(console.logout), methods=["POST"]),
        Route("/", guarded(console.runs), methods=["GET"]),
        Route("/runs/{run_id}", guarded(console.run), methods=["GET"]),
        Route("/audit", guarded(console.audit), methods=["GET"]),
        Route("/dead-letters", guarded(console.dead_letters), methods=["GET"]),
        Route("/dead-letters/{letter_id:int}/replay", guarded(console.replay), methods=["POST"]),
        Route("/dead-letters/{letter_id:int}/resolve", guarded(console.resolve), methods=["POST"]),
        Route("/health", guarded(console.health), methods=["GET"]),
        Route("/revenue", guarded(console.revenue), methods=["GET"]),
    ]
    return Starlette(
        routes=routes,
        middleware=[Middleware(SecurityHeaders)],
        exception_handlers={HTTPException: _http_error, Exception: _server_error},
    )


def console_mount(
    store: StateStore, settings: ConsoleSettings, after_queue: AfterQueue | None = None
) -> Mount:
    """The console under ``/console``, for an app that serves other routes too."""
    return Mount(MOUNT_PATH, app=console_app(store, settings, after_queue))
