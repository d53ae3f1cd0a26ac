"""SObject Get Updated / Get Deleted (``sobjects/<obj>/updated|deleted?start=&end=``).

The replication resources list the ids of records changed (by ``SystemModstamp``) or deleted
in ``[start, end)``; simple-salesforce exposes them as ``sf.<Object>.updated(start, end)`` and
``.deleted(start, end)``. Salesforce rounds the window down to whole minutes and reports the
``latestDateCovered``.
"""

from __future__ import annotations

from typing import Any

from connector.sandbox.salesforce.errors import not_found, request_error
from connector.sandbox.salesforce.http import ApiRequest, ApiResponse
from connector.sandbox.salesforce.state import SalesforceState
from connector.sandbox.salesforce.values import format_datetime, parse_datetime


def _window(req: ApiRequest) -> tuple[str, str]:
    query = req.query
    bounds = []
    for name in ("start", "end"):
        raw = query.get(name)
        parsed = parse_datetime(raw) if raw else None
        if parsed is None:
            raise request_error(
                400, "MALFORMED_QUERY", f"Parameter '{name}' must be an ISO 8601 dateTime"
            )
        bounds.append(format_datetime(parsed.replace(second=0, microsecond=0)))
    start, end = bounds
    if start > end:
        raise request_error(400, "INVALID_REPLICATION_DATE", "start date must precede end date")
    return start, end


class ReplicationRoutes:
    def __init__(self, state: SalesforceState) -> None:
        self.state = state

    def updated(self, req: ApiRequest) -> ApiResponse:
        obj = self.state.schema.get(req.segments[1])
        if obj is None:
            raise not_found()
        start, end = _window(req)
        with self.state.store.lock:
            ids = [
                r["Id"] for r in self.state.store.records(obj) if start <= r["SystemModstamp"] < end
            ]
        return ApiResponse(200, {"ids": ids, "latestDateCovered": end})

    def deleted(self, req: ApiRequest) -> ApiResponse:
        obj = self.state.schema.get(req.segments[1])
        if obj is None:
            raise not_found()
        start, end = _window(req)
        with self.state.store.lock:
            rows: list[dict[str, Any]] = [
                {"id": r["Id"], "deletedDate": r["SystemModstamp"]}
                for r in self.state.store.records(obj, include_deleted=True)
                if r["IsDeleted"] and start <= r["SystemModstamp"] < end
            ]
        earliest = min((r["deletedDate"] for r in rows), default=start)
        return ApiResponse(
            200,
            {"deletedRecords": rows, "earliestDateAvailable": earliest, "latestDateCovered": end},
        )
