"""The ``/__sandbox/`` admin endpoints every emulator mounts.

- ``GET /__sandbox/faults`` lists the active fault rules; ``PUT`` replaces them with a JSON
  list, ``POST`` adds one rule, ``DELETE`` clears them.
- ``GET /__sandbox/stats`` returns request counts by label; ``DELETE`` resets them.

These paths are never subject to injected faults, so a test can always turn faults off.
"""

from __future__ import annotations

from pydantic import TypeAdapter, ValidationError
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from connector.sandbox.common.faults import ADMIN_PREFIX, FaultInjector, FaultRule
from connector.sandbox.common.stats import CallStats

_RULES = TypeAdapter(list[FaultRule])


def admin_routes(injector: FaultInjector, stats: CallStats) -> list[Route]:
    """Routes for fault control and call statistics, to add to an emulator's app."""

    async def faults(request: Request) -> Response:
        if request.method == "GET":
            return JSONResponse([rule.model_dump(mode="json") for rule in injector.rules()])
        if request.method == "DELETE":
            injector.clear()
            return JSONResponse([])
        body = await request.body()
        try:
            if request.method == "PUT":
                injector.set_rules(_RULES.validate_json(body))
            else:
                injector.add_rule(FaultRule.model_validate_json(body))
        except ValidationError as exc:
            return JSONResponse({"error": exc.errors(include_url=False)}, status_code=400)
        return JSONResponse([rule.model_dump(mode="json") for rule in injector.rules()])

    async def call_stats(request: Request) -> Response:
        if request.method == "DELETE":
            stats.reset()
        return JSONResponse({"calls": stats.snapshot(), "faults_injected": injector.injected})

    return [
        Route(ADMIN_PREFIX + "faults", faults, methods=["GET", "PUT", "POST", "DELETE"]),
        Route(ADMIN_PREFIX + "stats", call_stats, methods=["GET", "DELETE"]),
    ]
