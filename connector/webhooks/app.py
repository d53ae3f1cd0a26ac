"""The webhook receiver, an ASGI app: ``POST /webhooks/stripe``, ``/healthz``, ``/readyz``,
``/metrics``.

The routes come in two groups, so that a daemon serves what it runs: :func:`probe_routes`
(health, readiness, metrics; every daemon, a worker-only one too) and :func:`webhook_routes`.
A daemon builds its app from these lists and may add its own (a ``Mount``); see
:meth:`connector.daemon.Daemon.http_routes`. Unauthenticated endpoints never show internal
error text: details go to the log.

A webhook only says *which* subscription to look at. The request is verified, its event id
recorded and its keys queued in one transaction (shared with the other requests arriving at the
same moment: see :mod:`connector.webhooks.intake`), and the answer goes back as soon as that
commits; the work happens on the queue. A forged, stale, malformed or oversized request is
refused before anything is written.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from connector.logs import get_logger
from connector.metrics import Metrics
from connector.redaction import redact_text
from connector.store import StateStore
from connector.webhooks.intake import WebhookIntake
from connector.webhooks.signature import DEFAULT_TOLERANCE_SECONDS, SignatureError, verify
from connector.webhooks.stripe_events import MalformedEvent, event_ref

DEFAULT_MAX_BODY_BYTES = 256 * 1024
STRIPE_PATH = "/webhooks/stripe"


class _TooLarge(Exception):
    pass


async def _body(request: Request, limit: int) -> bytes:
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise _TooLarge
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise _TooLarge
        chunks.append(chunk)
    return b"".join(chunks)


Endpoint = Callable[[Request], Awaitable[Response]]


async def _healthz(_request: Request) -> Response:
    return JSONResponse({"status": "ok"})


def _readyz(store: StateStore, expected_schema: int | None) -> Endpoint:
    """Ready once the store answers with the expected schema."""
    log = get_logger("connector.probes")

    async def readyz(_request: Request) -> Response:
        try:
            version = await run_in_threadpool(store.schema_version)
            down = await run_in_threadpool(store.systems_down)
        except Exception as exc:
            # The error names hosts, ports and users: for the log, not for anyone who asks.
            log.warning(
                "readyz.store_unreachable", error=redact_text(f"{type(exc).__name__}: {exc}")
            )
            return JSONResponse({"status": "store unreachable"}, status_code=503)
        if expected_schema is not None and version != expected_schema:
            return JSONResponse(
                {"status": "migrations pending", "schema": version, "expected": expected_schema},
                status_code=503,
            )
        # Still ready: webhooks are queued while a target is paused, and applied after.
        return JSONResponse(
            {
                "status": "ready",
                "schema": version,
                "systems_down": {d.system: d.reason for d in down},
            }
        )

    return readyz


def _metrics_endpoint(meters: Metrics) -> Endpoint:
    async def metrics_endpoint(_request: Request) -> Response:
        body: Any = await run_in_threadpool(generate_latest, meters.registry)
        return Response(body, media_type=CONTENT_TYPE_LATEST)

    return metrics_endpoint


def probe_routes(
    store: StateStore, metrics: Metrics, *, expected_schema: int | None = None
) -> list[BaseRoute]:
    """``/healthz``, ``/readyz`` and ``/metrics``: what every daemon answers."""
    return [
        Route("/healthz", _healthz, methods=["GET"]),
        Route("/readyz", _readyz(store, expected_schema), methods=["GET"]),
        Route("/metrics", _metrics_endpoint(metrics), methods=["GET"]),
    ]


def webhook_routes(
    intake: WebhookIntake,
    secrets: Sequence[str],
    metrics: Metrics,
    *,
    tolerance: int = DEFAULT_TOLERANCE_SECONDS,
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES,
    clock: Callable[[], float] = time.time,
) -> list[BaseRoute]:
    """``POST /webhooks/stripe``: verified, recorded and queued through ``intake``."""
    if not secrets:
        raise ValueError("at least one webhook endpoint secret is needed")
    log = get_logger("connector.webhooks")

    def refuse(status: int, result: str, reason: str) -> Response:
        metrics.webhooks.labels(result=result).inc()
        log.warning("webhook.refused", result=result, reason=reason, status=status)
        return JSONResponse({"error": reason}, status_code=status)

    async def stripe_webhook(request: Request) -> Response:
        try:
            payload = await _body(request, max_body_bytes)
        except _TooLarge:
            return refuse(413, "too_large", f"body over {max_body_bytes} bytes")
        try:
            verify(payload, request.headers.get("stripe-signature"), secrets, clock(), tolerance)
        except SignatureError as exc:
            stale = "tolerance" in str(exc)
            return refuse(400, "stale" if stale else "bad_signature", str(exc))
        try:
            ref = event_ref(json.loads(payload))
        except (ValueError, MalformedEvent) as exc:
            return refuse(400, "malformed", redact_text(str(exc))[:200])
        try:
            fresh, queued = await asyncio.wrap_future(intake.submit(ref))
        except Exception as exc:  # the store is down: 5xx so that Stripe delivers again
            log.error("webhook.store_unavailable", error=redact_text(str(exc)))
            metrics.webhooks.labels(result="store_error").inc()
            return JSONResponse({"error": "temporarily unavailable"}, status_code=503)
        result = "accepted" if fresh else "duplicate"
        metrics.webhooks.labels(result=result).inc()
        if fresh and ref.created is not None:
            metrics.webhook_lag.observe(max(0.0, clock() - ref.created))
        return JSONResponse({"received": True, "duplicate": not fresh, "keys": queued})

    return [Route(STRIPE_PATH, stripe_webhook, methods=["POST"])]


def create_webhook_app(
    store: StateStore,
    secrets: Sequence[str],
    *,
    metrics: Metrics | None = None,
    tolerance: int = DEFAULT_TOLERANCE_SECONDS,
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES,
    expected_schema: int | None = None,
    clock: Callable[[], float] = time.time,
    on_queued: Callable[[], None] | None = None,
) -> Starlette:
    """The receiver and the probes in one app (the daemon builds its own from the lists)."""
    if not secrets:
        raise ValueError("at least one webhook endpoint secret is needed")
    meters = metrics or Metrics()
    intake = WebhookIntake(store, on_queued=on_queued)
    hooks = webhook_routes(
        intake, secrets, meters, tolerance=tolerance, max_body_bytes=max_body_bytes, clock=clock
    )
    app = Starlette(routes=[*hooks, *probe_routes(store, meters, expected_schema=expected_schema)])
    app.state.intake = intake
    return app
