"""Stripe's error shape: ``{"error": {"type", "code"?, "message", "param"?, ...}}``.

See https://docs.stripe.com/api/errors: ``type`` is one of ``api_error``, ``card_error``,
``idempotency_error`` or ``invalid_request_error``.
"""

from __future__ import annotations

from typing import Any

from connector.sandbox.common.faults import FaultRule

DOC_BASE = "https://stripe.com/docs/error-codes/"


class StripeError(Exception):
    """An API error, turned into Stripe's JSON error body by the app."""

    def __init__(
        self,
        status: int,
        message: str,
        *,
        type_: str = "invalid_request_error",
        code: str | None = None,
        param: str | None = None,
        extra: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.type = type_
        self.code = code
        self.param = param
        self.extra = extra or {}
        self.headers = headers or {}
        #: Validation failures are not stored under an idempotency key (Stripe only saves
        #: results of requests whose execution started).
        self.validation = code in {"parameter_invalid", "parameter_missing", "parameter_unknown"}

    def body(self, request_id: str | None = None) -> dict[str, Any]:
        error: dict[str, Any] = {"type": self.type, "message": self.message}
        if self.code is not None:
            error["code"] = self.code
            error["doc_url"] = DOC_BASE + self.code.replace("_", "-")
        if self.param is not None:
            error["param"] = self.param
        error.update(self.extra)
        if request_id is not None:
            error["request_log_url"] = f"https://dashboard.stripe.com/test/logs/{request_id}?t=0"
        return {"error": error}


def resource_missing(kind: str, object_id: str, param: str = "id") -> StripeError:
    """404 as Stripe returns it for an unknown id."""
    return StripeError(404, f"No such {kind}: '{object_id}'", code="resource_missing", param=param)


def parameter_invalid(param: str, message: str) -> StripeError:
    return StripeError(400, message, code="parameter_invalid", param=param)


def parameter_missing(param: str) -> StripeError:
    return StripeError(
        400, f"Missing required param: {param}.", code="parameter_missing", param=param
    )


def parameter_unknown(param: str) -> StripeError:
    return StripeError(
        400,
        f"Received unknown parameter: {param}",
        code="parameter_unknown",
        param=param,
    )


def fault_error_body(status: int, rule: FaultRule) -> dict[str, Any]:
    """Body of an injected fault, in Stripe's shape (used by ``FaultMiddleware``)."""
    if status == 429:
        error = StripeError(
            429,
            rule.message
            or "Too many requests hit the API too quickly. We recommend an exponential "
            "backoff of your requests.",
            code="rate_limit",
        )
    else:
        error = StripeError(
            status,
            rule.message
            or "An unknown error occurred while processing your request. Please try again.",
            type_="api_error",
        )
    return error.body()
