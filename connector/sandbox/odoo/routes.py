"""HTTP routes: Odoo's JSON-RPC endpoints and the emulator's ``/__sandbox/`` admin ones.

- ``POST /web/webclient/version_info`` -> server version (what odoorpc asks first).
- ``POST /jsonrpc`` -> ``common`` / ``object`` / ``db`` services (served by
  :mod:`fast_path`, in front of these routes).
- ``POST /web/session/authenticate`` -> session info plus a ``session_id`` cookie;
  ``POST /web/session/destroy``; ``POST /web/dataset/call_kw[/<anything>]`` with the cookie.
- ``POST /__sandbox/load`` (bulk load, see :mod:`loader`), ``POST /__sandbox/reset``
  (back to the base data), ``POST /__sandbox/save`` (persist to ``persist_path``),
  ``GET /__sandbox/counts`` (records per model), ``POST /__sandbox/credentials`` (the admin
  user's new password and API keys: the old ones stop working), plus the shared faults /
  stats routes.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from connector.sandbox.common import admin_routes
from connector.sandbox.odoo.errors import AccessDenied, OdooError, error_response
from connector.sandbox.odoo.json_body import odoo_json
from connector.sandbox.odoo.loader import load_records
from connector.sandbox.odoo.rpc import VERSION_INFO

if TYPE_CHECKING:
    from connector.sandbox.odoo.app import OdooSandbox

SESSION_COOKIE = "session_id"
JSON_HEADERS = {"content-type": "application/json"}


def _reply(body: dict[str, Any]) -> Response:
    return Response(odoo_json(body), headers=JSON_HEADERS)


async def _json_body(request: Request) -> dict[str, Any] | None:
    try:
        body = json.loads(await request.body())
    except ValueError:
        return None
    return body if isinstance(body, dict) else None


def _jsonrpc_route(handler: Callable[[Request, dict[str, Any]], Any]) -> Any:
    """Wrap ``handler(request, params)`` into an Odoo JSON-RPC endpoint (errors in HTTP 200)."""

    async def endpoint(request: Request) -> Response:
        body = await _json_body(request)
        if body is None:
            return Response("Invalid JSON data", status_code=400, media_type="text/plain")
        request_id = body.get("id")
        params = body.get("params") or {}
        try:
            result = handler(request, params if isinstance(params, dict) else {})
        except OdooError as exc:
            return _reply(error_response(request_id, exc))
        if isinstance(result, Response):
            return result
        return _reply({"jsonrpc": "2.0", "id": request_id, "result": result})

    return endpoint


def build_routes(sandbox: OdooSandbox) -> list[Route]:
    dispatcher = sandbox.dispatcher
    stats = sandbox.stats

    def version_info(request: Request, params: dict[str, Any]) -> Any:
        stats.record("web.version_info")
        return dict(VERSION_INFO)

    def authenticate(request: Request, params: dict[str, Any]) -> Any:
        stats.record("web.session.authenticate")
        database = str(params.get("db"))
        uid = sandbox.auth.login(database, str(params.get("login")), str(params.get("password")))
        if not uid or isinstance(uid, bool):
            raise AccessDenied()
        session_id = sandbox.auth.open_session(uid)
        info = {
            "uid": uid,
            "is_system": True,
            "is_admin": True,
            "db": database,
            "username": params.get("login"),
            "name": "Mitchell Admin",
            "partner_id": 3,
            "company_id": 1,
            "user_context": {"lang": "en_US", "tz": "Europe/Brussels", "uid": uid},
            "server_version": VERSION_INFO["server_version"],
            "server_version_info": VERSION_INFO["server_version_info"],
        }
        response = _reply({"jsonrpc": "2.0", "id": None, "result": info})
        response.set_cookie(SESSION_COOKIE, session_id, httponly=True, samesite="lax")
        return response

    def destroy(request: Request, params: dict[str, Any]) -> Any:
        sandbox.auth.close_session(request.cookies.get(SESSION_COOKIE))
        return None

    def call_kw(request: Request, params: dict[str, Any]) -> Any:
        uid = sandbox.auth.session_uid(request.cookies.get(SESSION_COOKIE))
        return dispatcher.call_kw(uid, params)

    async def load(request: Request) -> Response:
        body = await _json_body(request)
        records = body.get("records") if body else None
        if not isinstance(records, dict):
            return JSONResponse({"error": 'expected {"records": {model: [vals]}}'}, 400)
        try:
            ids = await run_in_threadpool(load_records, sandbox.database, records)
        except OdooError as exc:
            return JSONResponse({"error": exc.payload()}, status_code=400)
        return JSONResponse({"ids": ids, "count": sum(len(v) for v in ids.values())})

    async def reset(request: Request) -> Response:
        await run_in_threadpool(sandbox.reset)
        return JSONResponse({"reset": True})

    async def save(request: Request) -> Response:
        if sandbox.config.persist_path is None:
            return JSONResponse({"error": "persist_path is not configured"}, status_code=400)
        await run_in_threadpool(sandbox.save)
        return JSONResponse({"saved": str(sandbox.config.persist_path)})

    async def counts(request: Request) -> Response:
        return JSONResponse(sandbox.counts())

    async def credentials(request: Request) -> Response:
        # An administrator revoking or rotating the integration user's password / API keys:
        # every later call with the old ones is AccessDenied, as in a real database.
        body = await _json_body(request)
        password = body.get("password") if body else None
        keys = body.get("api_keys", []) if body else []
        if not isinstance(password, str) or not isinstance(keys, list):
            return JSONResponse({"error": 'expected {"password": str, "api_keys": [str]}'}, 400)
        sandbox.auth.set_credentials(password, [str(key) for key in keys])
        return JSONResponse({"rotated": True})

    return [
        Route("/web/webclient/version_info", _jsonrpc_route(version_info), methods=["POST"]),
        Route("/web/session/authenticate", _jsonrpc_route(authenticate), methods=["POST"]),
        Route("/web/session/destroy", _jsonrpc_route(destroy), methods=["POST"]),
        Route("/web/dataset/call_kw", _jsonrpc_route(call_kw), methods=["POST"]),
        Route("/web/dataset/call_kw/{rest:path}", _jsonrpc_route(call_kw), methods=["POST"]),
        Route("/__sandbox/load", load, methods=["POST"]),
        Route("/__sandbox/reset", reset, methods=["POST"]),
        Route("/__sandbox/save", save, methods=["POST"]),
        Route("/__sandbox/counts", counts, methods=["GET"]),
        Route("/__sandbox/credentials", credentials, methods=["POST"]),
        *admin_routes(sandbox.injector, stats),
    ]
