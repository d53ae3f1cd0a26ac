"""Sandbox-only admin endpoints under ``/__sandbox/`` (never subject to faults or counting).

- ``POST /__sandbox/load``: JSON ``{"Account": [...], "Subscription__c": [...]}``; records may
  reference parents by external id (``"Account__r": {"Stripe_Customer_Id__c": "cus_1"}``).
  Answers ``{"loaded": {"Account": n, ...}, "ids": {...}}``.
- ``POST /__sandbox/reset``: drop every record, cursor and the day's API usage.
- ``GET /__sandbox/records/<obj>[?include_deleted=true]``: dump one object's records.
- ``POST /__sandbox/save``: write the SQLite snapshot (``persist_path``).
- ``PUT /__sandbox/usage``: ``{"used": n}`` sets today's API usage (to test the limit).
- ``POST /__sandbox/sessions/expire``: invalidate every session.
- plus ``/__sandbox/faults`` and ``/__sandbox/stats`` from the shared plumbing.
"""

from __future__ import annotations

import json

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from connector.sandbox.common.admin import admin_routes
from connector.sandbox.common.faults import FaultInjector
from connector.sandbox.common.stats import CallStats
from connector.sandbox.salesforce.errors import SalesforceApiError
from connector.sandbox.salesforce.state import LoadError, SalesforceState


def sandbox_routes(
    state: SalesforceState, injector: FaultInjector, stats: CallStats
) -> list[Route]:
    async def load(request: Request) -> Response:
        try:
            data = json.loads(await request.body())
        except ValueError as exc:
            return JSONResponse({"error": f"invalid JSON: {exc}"}, status_code=400)
        if not isinstance(data, dict) or not all(isinstance(v, list) for v in data.values()):
            return JSONResponse({"error": "expected {object: [records]}"}, status_code=400)
        try:
            ids = state.load(data)
        except (LoadError, KeyError) as exc:
            return JSONResponse({"error": str(exc)}, status_code=400)
        except SalesforceApiError as exc:
            return JSONResponse({"error": exc.body()}, status_code=400)
        return JSONResponse(
            {"loaded": {name: len(v) for name, v in ids.items()}, "ids": ids}, status_code=201
        )

    async def reset(request: Request) -> Response:
        state.reset()
        return JSONResponse({"reset": True})

    async def records(request: Request) -> Response:
        name = request.path_params["obj"]
        include = request.query_params.get("include_deleted", "false").lower() == "true"
        try:
            rows = state.records(name, include_deleted=include)
        except KeyError:
            return JSONResponse({"error": f"unknown sObject type {name}"}, status_code=404)
        return JSONResponse({"totalSize": len(rows), "records": rows})

    async def save(request: Request) -> Response:
        try:
            count = state.save()
        except ValueError as exc:
            return JSONResponse({"error": str(exc)}, status_code=400)
        return JSONResponse({"saved": count})

    async def usage(request: Request) -> Response:
        if request.method == "PUT":
            try:
                state.usage.set_used(int(json.loads(await request.body())["used"]))
            except (ValueError, KeyError, TypeError) as exc:
                return JSONResponse({"error": f"expected {{'used': n}}: {exc}"}, status_code=400)
        return JSONResponse({"used": state.usage.used, "max": state.usage.daily_limit})

    async def expire_sessions(request: Request) -> Response:
        state.sessions.invalidate_all()
        return JSONResponse({"expired": True})

    return [
        *admin_routes(injector, stats),
        Route("/__sandbox/load", load, methods=["POST"]),
        Route("/__sandbox/reset", reset, methods=["POST"]),
        Route("/__sandbox/records/{obj}", records, methods=["GET"]),
        Route("/__sandbox/save", save, methods=["POST"]),
        Route("/__sandbox/usage", usage, methods=["GET", "PUT"]),
        Route("/__sandbox/sessions/expire", expire_sessions, methods=["POST"]),
    ]
