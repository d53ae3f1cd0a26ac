"""``query`` / ``queryAll`` and their ``nextRecordsUrl`` continuations.

Answers have Salesforce's shape: ``{"totalSize", "done", "nextRecordsUrl"?, "records"}`` with
``attributes: {type, url}`` on every row and parent fields nested under the relationship
name (null when the lookup is empty). ``queryAll`` includes the recycle bin
(``IsDeleted = true``).
"""

from __future__ import annotations

import re
from typing import Any

from connector.sandbox.common.faults import FaultKind
from connector.sandbox.salesforce.cursors import Cursor
from connector.sandbox.salesforce.errors import request_error
from connector.sandbox.salesforce.http import ApiRequest, ApiResponse
from connector.sandbox.salesforce.soql_eval import QueryError, compile_query, execute, project
from connector.sandbox.salesforce.state import SalesforceState

_BATCH_RE = re.compile(r"batchSize\s*=\s*(\d+)", re.IGNORECASE)
MIN_BATCH = 200


class QueryRoutes:
    def __init__(self, state: SalesforceState) -> None:
        self.state = state

    def _batch_size(self, req: ApiRequest) -> int:
        default = self.state.config.query_batch_size
        match = _BATCH_RE.search(req.headers.get("sforce-query-options", ""))
        if match is None:
            return default
        return max(MIN_BATCH, min(default, int(match.group(1))))

    def _page(self, req: ApiRequest, cursor: Cursor, start: int) -> dict[str, Any]:
        state = self.state
        obj = state.schema.objects[cursor.object_name]
        end = start + cursor.batch_size
        rows = cursor.rows[start:end]
        with state.store.lock:
            records = [project(r, cursor.layout, obj, state.store, req.data_prefix) for r in rows]
        done = end >= len(cursor.rows)
        body: dict[str, Any] = {"totalSize": len(cursor.rows), "done": done}
        if done:
            state.cursors.close(cursor.locator)
        else:
            endpoint = "queryAll" if cursor.include_deleted else "query"
            body["nextRecordsUrl"] = f"{req.data_prefix}/{endpoint}/{cursor.locator}-{end}"
        body["records"] = records
        return body

    def query(self, req: ApiRequest, include_deleted: bool) -> ApiResponse:
        text = req.query.get("q")
        if text is None or not text.strip():
            raise request_error(400, "MALFORMED_QUERY", "The query string is empty.")
        state = self.state
        try:
            compiled = compile_query(text, state.schema, state.store)
        except QueryError as exc:
            raise request_error(400, exc.code, exc.message) from None
        rows = execute(compiled, state.store, include_deleted)
        if compiled.count_only:
            return ApiResponse(200, {"totalSize": len(rows), "done": True, "records": []})
        if compiled.count_alias is not None:
            aggregate = {"attributes": {"type": "AggregateResult"}, compiled.count_alias: len(rows)}
            return ApiResponse(200, {"totalSize": 1, "done": True, "records": [aggregate]})
        batch = self._batch_size(req)
        if len(rows) <= batch:
            with state.store.lock:
                records = [
                    project(r, compiled.projection, compiled.obj, state.store, req.data_prefix)
                    for r in rows
                ]
            return ApiResponse(200, {"totalSize": len(rows), "done": True, "records": records})
        cursor = state.cursors.open(
            rows, compiled.projection, compiled.obj.name, include_deleted, batch
        )
        return ApiResponse(200, self._page(req, cursor, 0))

    def more(self, req: ApiRequest) -> ApiResponse:
        locator, _, offset = req.segments[1].rpartition("-")
        if self.state.injector.take(FaultKind.EXPIRED_QUERY_LOCATOR, req.method, req.path):
            self.state.cursors.close(locator)  # as if idle too long: gone for good
        cursor = self.state.cursors.get(locator) if offset.isdigit() else None
        if cursor is None or int(offset) > len(cursor.rows):
            raise request_error(400, "INVALID_QUERY_LOCATOR", "invalid query locator")
        return ApiResponse(200, self._page(req, cursor, int(offset)))
