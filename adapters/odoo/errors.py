"""How the Odoo adapter judges a failure: retry, stop using Odoo, or refuse one record.

odoorpc raises ``odoorpc.error.RPCError`` carrying Odoo's JSON-RPC error (``info["data"]``
has the server exception's dotted ``name`` and its ``message``), and plain ``urllib`` /
``http.client`` / socket errors for transport problems.
"""

from __future__ import annotations

import http.client
import json
import re
import socket
import ssl
import urllib.error
from typing import Any

import odoorpc

from adapters.resilience import Failure, Verdict, parse_retry_after
from connector.redaction import redact_text

# A serialization failure is a lost race with another transaction: wait long enough for it
# to finish (Odoo itself already retried a few times before giving up).
SERIALIZATION_BACKOFF_SECONDS = 2.0
_MANDATORY_FIELD = re.compile(r"Field: [^\n]*\((\w+)\)")


class OdooRefused(Exception):
    """Odoo refused a call for a reason tied to its data (validation, missing record)."""

    def __init__(self, code: str, message: str, fields: tuple[str, ...] = ()) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.fields = fields


def _rpc_parts(exc: BaseException) -> tuple[str, str]:
    """(server exception name, message) of an odoorpc RPCError."""
    info: Any = getattr(exc, "info", None)
    data = info.get("data") if isinstance(info, dict) else None
    if isinstance(data, dict):
        return str(data.get("name") or ""), str(data.get("message") or exc)
    return "", str(exc)


def _code_of(name: str) -> str:
    short = name.rsplit(".", 1)[-1] if name else "RPCError"
    return re.sub(r"(?<!^)(?=[A-Z])", "_", short).upper()


def refused_fields(message: str) -> tuple[str, ...]:
    found = _MANDATORY_FIELD.findall(message)
    return tuple(dict.fromkeys(found))


def _judge_rpc(exc: BaseException) -> Failure:
    name, raw_message = _rpc_parts(exc)
    message = redact_text(raw_message.strip())
    lowered = f"{name} {raw_message}".lower()
    if "serializationfailure" in lowered or "could not serialize access" in lowered:
        return Failure(
            Verdict.RETRY,
            "SERIALIZATION_FAILURE",
            message,
            retry_after=SERIALIZATION_BACKOFF_SECONDS,
        )
    if name.endswith("AccessDenied") or "wrong login id or password" in lowered:
        return Failure(Verdict.FATAL, "ACCESS_DENIED", message or "access denied")
    if name.endswith("AccessError"):
        return Failure(Verdict.FATAL, "ACCESS_ERROR", message)
    if "database" in lowered and "does not exist" in lowered:
        return Failure(Verdict.FATAL, "WRONG_DATABASE", message)
    if name.endswith("SessionExpiredException"):
        return Failure(Verdict.RETRY, "SESSION_EXPIRED", message)
    if "OperationalError" in name or "InterfaceError" in name:
        return Failure(Verdict.RETRY, "DATABASE_UNAVAILABLE", message)
    # ValidationError, UserError, MissingError, ValueError...: this request, as it is.
    return Failure(Verdict.FINAL, _code_of(name), message)


def _retry_after(exc: urllib.error.HTTPError) -> float | None:
    value = exc.headers.get("Retry-After") if exc.headers else None
    return parse_retry_after(value)


def judge(exc: BaseException) -> Failure:
    """Classify one exception raised by an RPC call (see :mod:`adapters.resilience`)."""
    if isinstance(exc, odoorpc.error.RPCError):
        return _judge_rpc(exc)
    if isinstance(exc, urllib.error.HTTPError):
        text = f"HTTP {exc.code} {exc.reason}"
        if exc.code == 429:
            return Failure(Verdict.RETRY, "RATE_LIMITED", text, _retry_after(exc))
        if exc.code >= 500 or exc.code == 408:
            return Failure(Verdict.RETRY, f"HTTP_{exc.code}", text, _retry_after(exc))
        return Failure(Verdict.FATAL, f"HTTP_{exc.code}", text)
    if isinstance(exc, urllib.error.URLError):
        if isinstance(exc.reason, ssl.SSLCertVerificationError):
            # A certificate that does not verify will not verify on the next attempt either.
            return Failure(Verdict.FATAL, "TLS_ERROR", redact_text(str(exc.reason)))
        return Failure(Verdict.RETRY, "CONNECTION_ERROR", redact_text(str(exc.reason)))
    if isinstance(
        exc,
        ConnectionError | TimeoutError | socket.timeout | http.client.HTTPException,
    ):
        return Failure(Verdict.RETRY, "CONNECTION_ERROR", redact_text(f"{type(exc).__name__}"))
    if isinstance(exc, json.JSONDecodeError):
        # A body cut short (connection dropped mid-response): the call may be retried.
        return Failure(Verdict.RETRY, "TRUNCATED_RESPONSE", "incomplete JSON-RPC response")
    if isinstance(exc, odoorpc.error.InternalError):
        return Failure(Verdict.FATAL, "CLIENT_ERROR", redact_text(str(exc)))
    return Failure(Verdict.FINAL, type(exc).__name__, redact_text(str(exc)))


# Odoo 17's AccessError for a missing model right (ir.model.access ``_make_access_error``):
# "You are not allowed to create 'Subscription' (sale.subscription) records.", then the
# groups that have the right, one per line ("\t- Sales / Administrator").
_MISSING_RIGHT = re.compile(
    r"^You are not allowed to (access|modify|create|delete) '[^']*' \(([\w.]+)\) records\."
)
_ALLOWED_GROUP = re.compile(r"^\s*- (.+)$", re.MULTILINE)


def missing_right(message: str) -> str | None:
    """A short account of a missing access right named in ``message``, None if it is not one:
    the operation, the model and the groups Odoo says would allow it."""
    match = _MISSING_RIGHT.match(message.strip())
    if match is None:
        return None
    groups = _ALLOWED_GROUP.findall(message)
    who = f"grant one of: {', '.join(groups)}" if groups else "no group allows it"
    return f"the Odoo user may not {match.group(1)} {match.group(2)} records ({who})"


_UNKNOWN_IMPORT_ERROR = re.compile(r"^Unknown error during import: <class '([\w.]+)'>")


def load_error_code(message: str) -> str:
    """The code of a record ``load`` refused, from its message (which names no exception).

    ``load`` reports an unexpected exception as "Unknown error during import: <class 'X'>:
    ..." (odoo/models.py): that one keeps X's code, as a refused ``create`` would. Every
    other message (a ``UserError``, a constraint, a cell that does not convert) is about
    the record's data: ``VALIDATION_ERROR``.
    """
    match = _UNKNOWN_IMPORT_ERROR.match(message)
    return _code_of(match.group(1)) if match else "VALIDATION_ERROR"


def refusal(exc: BaseException) -> OdooRefused:
    """The per-record refusal an RPCError judged FINAL stands for."""
    failure = judge(exc)
    _, raw = _rpc_parts(exc)
    return OdooRefused(failure.code, failure.message, refused_fields(raw))
