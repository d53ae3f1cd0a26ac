"""``POST /services/data/vXX.X/composite``: several REST requests answered in one call.

As Salesforce documents it (REST API Developer Guide, "Send Multiple Requests Using
Composite"): up to 25 subrequests, of which at most 5 may be query operations (Query,
QueryAll, their continuations) or sObject Collections; "the entire series of requests counts
as a single call toward your API limits"; each subrequest is answered inside
``compositeResponse`` with its own ``body``, ``httpHeaders``, ``httpStatusCode`` and
``referenceId``. Over a limit, Salesforce still answers 200, with a single entry
(``LIMIT_EXCEEDED``, ``referenceId: null``) in place of the subrequests.

Emulated: ``GET`` subrequests (queries and their continuations, retrieves, describes), which
is what the connector sends. Write subrequests, ``allOrNone`` and ``@{reference.field}``
references are not; a write subrequest is answered 400 so that a test relying on it fails
loudly instead of passing against behaviour nobody checked. The answer of an ``allOrNone``
rollback can be injected (fault ``composite_rollback``): the first subrequest fails
(``UNABLE_TO_LOCK_ROW`` unless the rule gives a message) and every other one answers 400
``PROCESSING_HALTED``, as Salesforce does.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from connector.sandbox.common.faults import FaultRule
from connector.sandbox.salesforce.errors import request_error
from connector.sandbox.salesforce.http import ApiRequest, ApiResponse

MAX_SUBREQUESTS = 25
MAX_QUERY_OPERATIONS = 5
_REFERENCE_RE = re.compile(r"^[A-Za-z0-9_]+$")
_QUERY_PATH_RE = re.compile(r"^/services/data/v\d+\.\d+/(?:query|queryAll|composite/sobjects)\b")

Dispatch = Callable[[ApiRequest], ApiResponse]


def _limit_exceeded(message: str) -> ApiResponse:
    error = {"errorCode": "LIMIT_EXCEEDED", "message": message}
    entry = {"body": [error], "httpHeaders": {}, "httpStatusCode": 400, "referenceId": None}
    return ApiResponse(200, {"compositeResponse": [entry]})


HALTED = {
    "errorCode": "PROCESSING_HALTED",
    "message": "The transaction was rolled back since another operation in the same "
    "transaction failed.",
}
DEFAULT_ROLLBACK_CAUSE = "unable to obtain exclusive access to this record"


def _rolled_back(subrequests: list[dict[str, Any]], cause: str) -> ApiResponse:
    """The answer of an allOrNone call whose first subrequest failed."""
    first, *others = [str(sub["referenceId"]) for sub in subrequests]
    failure = {"errorCode": "UNABLE_TO_LOCK_ROW", "message": cause}
    answers = [_entry(first, ApiResponse(400, [failure]))]
    answers.extend(_entry(ref, ApiResponse(400, [HALTED])) for ref in others)
    return ApiResponse(200, {"compositeResponse": answers})


def _subrequests(req: ApiRequest) -> list[dict[str, Any]]:
    body = req.json()
    subrequests = body.get("compositeRequest") if isinstance(body, dict) else None
    if not isinstance(subrequests, list) or not all(isinstance(s, dict) for s in subrequests):
        raise request_error(
            400, "JSON_PARSER_ERROR", "compositeRequest must be a list of subrequests"
        )
    seen: set[str] = set()
    for sub in subrequests:
        ref, url, method = sub.get("referenceId"), sub.get("url"), sub.get("method")
        if not isinstance(ref, str) or not _REFERENCE_RE.match(ref) or ref in seen:
            raise request_error(400, "INVALID_INPUT", f"Invalid or duplicate referenceId: {ref!r}")
        seen.add(ref)
        if not isinstance(url, str) or not url.startswith("/services/data/v"):
            raise request_error(400, "INVALID_INPUT", f"Invalid url for {ref}: {url!r}")
        if method not in ("GET", "POST", "PATCH", "PUT", "DELETE"):
            raise request_error(400, "INVALID_INPUT", f"Invalid method for {ref}: {method!r}")
    return subrequests


def run_composite(
    req: ApiRequest, dispatch: Dispatch, rollback: FaultRule | None = None
) -> ApiResponse:
    """Answer a composite request, running each subrequest through ``dispatch``
    (or answering an injected ``rollback`` without running any)."""
    subrequests = _subrequests(req)
    if rollback is not None and subrequests:
        return _rolled_back(subrequests, rollback.message or DEFAULT_ROLLBACK_CAUSE)
    if len(subrequests) > MAX_SUBREQUESTS:
        # Salesforce's text, with its typographic apostrophe.
        return _limit_exceeded("The request can\u2019t contain more than 25 operations.")
    queries = sum(1 for sub in subrequests if _QUERY_PATH_RE.match(str(sub["url"])))
    if queries > MAX_QUERY_OPERATIONS:
        return _limit_exceeded(
            "The request can\u2019t contain more than 5 query or sObject Collection operations."
        )
    answers: list[dict[str, Any]] = []
    for sub in subrequests:
        ref = str(sub["referenceId"])
        if sub["method"] != "GET":
            error = {
                "errorCode": "NOT_SUPPORTED_BY_SANDBOX",
                "message": "the sandbox emulates GET subrequests only",
            }
            answers.append(_entry(ref, ApiResponse(400, [error])))
            continue
        parts = urlsplit(str(sub["url"]))
        inner = ApiRequest(
            method="GET",
            path=parts.path,
            segments=[],
            query_string=parts.query,
            headers=req.headers,
            body=b"",
        )
        answers.append(_entry(ref, dispatch(inner)))
    return ApiResponse(200, {"compositeResponse": answers})


def _entry(ref: str, response: ApiResponse) -> dict[str, Any]:
    return {
        "body": response.body,
        "httpHeaders": {},
        "httpStatusCode": response.status,
        "referenceId": ref,
    }
