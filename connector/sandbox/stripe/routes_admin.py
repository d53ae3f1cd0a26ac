"""Sandbox-only endpoints under ``/__sandbox/`` (never subject to faults or auth).

- ``GET|POST /__sandbox/clock``: read the clock; ``{"advance_seconds": N}`` or ``{"now": ts}``
  moves it forward and applies renewals, trial ends, scheduled cancellations (with events).
- ``POST /__sandbox/load``: bulk insert without events (format in ``loader.py``).
- ``POST /__sandbox/reset``: forget everything.
- ``POST /__sandbox/save``: write the state to the configured SQLite file.
- ``GET|DELETE /__sandbox/webhook_attempts``: delivery attempts (filters ``event``,
  ``endpoint``); ``POST /__sandbox/webhook_attempts/wait`` blocks until deliveries are idle.
- ``POST /__sandbox/subscriptions/{id}/status``: ``{"status": "past_due"}`` as an operator
  (or a failed payment) would cause it, with events.
- plus the common ``/__sandbox/faults`` and ``/__sandbox/stats``.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any

import anyio.to_thread
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from connector.sandbox.stripe import loader, persistence, subscriptions
from connector.sandbox.stripe.errors import StripeError
from connector.sandbox.stripe.lifecycle import advance_clock
from connector.sandbox.stripe.render import render_subscription
from connector.sandbox.stripe.state import StripeState

Endpoint = Callable[[Request], Awaitable[Response]]


async def _json(request: Request) -> dict[str, Any]:
    body = await request.body()
    if not body:
        return {}
    data = json.loads(body)
    if not isinstance(data, dict):
        raise StripeError(400, "The body must be a JSON object.")
    return data


def _guard(handler: Endpoint) -> Endpoint:
    async def wrapped(request: Request) -> Response:
        try:
            return await handler(request)
        except StripeError as exc:
            return JSONResponse(exc.body(), status_code=exc.status)
        except (ValueError, TypeError) as exc:
            return JSONResponse(
                {"error": {"type": "invalid_request_error", "message": str(exc)}},
                status_code=400,
            )

    return wrapped


def stripe_admin_routes(state: StripeState) -> list[Route]:
    async def clock(request: Request) -> Response:
        if request.method == "GET":
            return JSONResponse({"now": state.now()})
        data = await _json(request)
        if "now" in data:
            result = advance_clock(state, now=int(data["now"]))
        else:
            result = advance_clock(state, advance_seconds=int(data.get("advance_seconds", 0)))
        return JSONResponse(result)

    async def load(request: Request) -> Response:
        return JSONResponse(loader.load(state, await _json(request)))

    async def reset(request: Request) -> Response:
        state.reset()
        return JSONResponse({"reset": True})

    async def save(request: Request) -> Response:
        path = state.config.persist_path
        if path is None:
            raise StripeError(400, "No persist_path is configured.")
        return JSONResponse({"saved": persistence.save(state, path), "path": str(path)})

    async def attempts(request: Request) -> Response:
        if request.method == "DELETE":
            state.webhooks.clear()
            return JSONResponse({"data": []})
        event = request.query_params.get("event")
        endpoint = request.query_params.get("endpoint")
        data = [
            a.as_dict()
            for a in state.webhooks.attempts()
            if (event is None or a.event_id == event)
            and (endpoint is None or a.endpoint_id == endpoint)
        ]
        return JSONResponse({"data": data, "pending": state.webhooks.pending()})

    async def wait(request: Request) -> Response:
        timeout = float(request.query_params.get("timeout", "10"))
        idle = await anyio.to_thread.run_sync(state.webhooks.wait_idle, timeout)
        return JSONResponse({"idle": idle})

    async def set_status(request: Request) -> Response:
        data = await _json(request)
        sub = subscriptions.force_status(
            state, request.path_params["id"], str(data.get("status", ""))
        )
        with state.lock:
            return JSONResponse(render_subscription(state, sub))

    prefix = "/__sandbox/"
    return [
        Route(prefix + "clock", _guard(clock), methods=["GET", "POST"]),
        Route(prefix + "load", _guard(load), methods=["POST"]),
        Route(prefix + "reset", _guard(reset), methods=["POST"]),
        Route(prefix + "save", _guard(save), methods=["POST"]),
        Route(prefix + "webhook_attempts", _guard(attempts), methods=["GET", "DELETE"]),
        Route(prefix + "webhook_attempts/wait", _guard(wait), methods=["POST"]),
        Route(prefix + "subscriptions/{id}/status", _guard(set_status), methods=["POST"]),
    ]
