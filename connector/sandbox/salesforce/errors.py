"""Salesforce's error shapes.

Whole-request errors are a JSON list ``[{"message", "errorCode", "fields"?}]`` with an HTTP
status (400, 401, 403, 404, 300...). Per-record errors inside sObject Collections results use
``{"statusCode", "message", "fields"}`` instead (SaveResult.errors in the REST API guide).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class ApiError:
    """One error, as a record-level or request-level error entry."""

    code: str
    message: str
    fields: tuple[str, ...] = ()
    with_fields: bool = True

    def request_entry(self) -> dict[str, Any]:
        entry: dict[str, Any] = {"message": self.message, "errorCode": self.code}
        if self.with_fields:
            entry["fields"] = list(self.fields)
        return entry

    def record_entry(self) -> dict[str, Any]:
        return {"statusCode": self.code, "message": self.message, "fields": list(self.fields)}


@dataclass
class SalesforceApiError(Exception):
    """Raised by handlers; turned into the error answer by the request wrapper."""

    status: int
    errors: list[ApiError] = field(default_factory=list)
    body_override: Any = None

    def body(self) -> Any:
        if self.body_override is not None:
            return self.body_override
        return [e.request_entry() for e in self.errors]


class RecordError(Exception):
    """A record-level failure (validation, lookup, lock): one or more :class:`ApiError`."""

    def __init__(self, errors: list[ApiError]) -> None:
        super().__init__("; ".join(e.message for e in errors))
        self.errors = errors


def request_error(status: int, code: str, message: str) -> SalesforceApiError:
    """A whole-request error without a ``fields`` entry."""
    return SalesforceApiError(status, [ApiError(code, message, with_fields=False)])


NOT_FOUND_MESSAGE = "The requested resource does not exist"


def not_found(message: str = NOT_FOUND_MESSAGE) -> SalesforceApiError:
    return request_error(404, "NOT_FOUND", message)


def invalid_session() -> SalesforceApiError:
    return request_error(401, "INVALID_SESSION_ID", "Session expired or invalid")


def error_body_for_status(status: int, message: str | None) -> list[dict[str, Any]]:
    """Body of a generic injected fault, in Salesforce's shape."""
    if status == 429:
        return [{"message": message or "Too many requests", "errorCode": "REQUEST_LIMIT_EXCEEDED"}]
    if status == 503:
        return [
            {
                "message": message or "Server temporarily unavailable; please try again.",
                "errorCode": "SERVER_UNAVAILABLE",
            }
        ]
    return [
        {
            "message": message
            or "An unexpected error occurred. Please include this ErrorId if you contact "
            "support: 1234567890-12345 (-1234567890)",
            "errorCode": "UNKNOWN_EXCEPTION",
        }
    ]
