"""Odoo's exceptions and the JSON-RPC error body it sends for them.

Odoo 17 answers every failed JSON-RPC call with HTTP 200 and an ``error`` member built by
``odoo.http.JsonRPCDispatcher.handle_error`` / ``serialize_exception``::

    {"jsonrpc": "2.0", "id": ..., "error": {"code": 200, "message": "Odoo Server Error",
     "data": {"name": "odoo.exceptions.ValidationError", "debug": "Traceback ...",
              "message": "...", "arguments": [...], "context": {}}}}

``code`` is 100 ("Odoo Session Expired") for ``odoo.http.SessionExpiredException`` and 200
otherwise. odoorpc raises ``odoorpc.error.RPCError(data["message"], error)`` from it.
"""

from __future__ import annotations

from typing import Any


class OdooError(Exception):
    """An exception as the Odoo server would raise it; ``name`` is its dotted class path."""

    name = "odoo.exceptions.UserError"
    code = 200
    title = "Odoo Server Error"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def payload(self) -> dict[str, Any]:
        """The ``data`` member of the JSON-RPC error."""
        debug = (
            "Traceback (most recent call last):\n"
            '  File "/opt/odoo/odoo/http.py", line 1764, in _serve_db\n'
            "    return service_model.retrying(self._serve_ir_http, self.env)\n"
            f"{self.name}: {self.message}\n"
        )
        return {
            "name": self.name,
            "debug": debug,
            "message": self.message,
            "arguments": [self.message],
            "context": {},
        }


class UserError(OdooError):
    name = "odoo.exceptions.UserError"


class ValidationError(OdooError):
    name = "odoo.exceptions.ValidationError"


class IntegrityViolation(ValidationError):
    """A PostgreSQL integrity error, as a client of ``create``/``write`` sees it.

    Over RPC Odoo 17 reports it as a ``ValidationError`` whose message wraps PostgreSQL's
    (``odoo/service/model.py``, ``_as_validation_error``). Inside ``load`` it is still a
    ``psycopg2`` error, which ``odoo/models.py`` turns into an import message of its own
    (``PGERROR_TO_OE``): ``pg_message`` is PostgreSQL's own text, ``field`` the column.
    """

    def __init__(self, message: str, pg_message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.pg_message = pg_message
        self.field = field


class NotNullViolation(IntegrityViolation):
    """SQLSTATE 23502; ``field_string`` is the column's field label."""

    def __init__(self, message: str, pg_message: str, field: str, field_string: str) -> None:
        super().__init__(message, pg_message, field)
        self.field_string = field_string


class ForeignKeyViolation(IntegrityViolation):
    """SQLSTATE 23503."""


class UniqueViolation(IntegrityViolation):
    """SQLSTATE 23505."""


class MissingError(OdooError):
    name = "odoo.exceptions.MissingError"


class AccessError(OdooError):
    name = "odoo.exceptions.AccessError"


class AccessDenied(OdooError):
    name = "odoo.exceptions.AccessDenied"

    def __init__(self, message: str = "Access Denied") -> None:
        super().__init__(message)


class PyValueError(OdooError):
    """A plain ``ValueError`` escaping the ORM (bad domain, bad field, unknown xmlid)."""

    name = "builtins.ValueError"


class PyTypeError(OdooError):
    name = "builtins.TypeError"


class PyAttributeError(OdooError):
    name = "builtins.AttributeError"


class PyNameError(OdooError):
    name = "builtins.NameError"


class PyKeyError(OdooError):
    name = "builtins.KeyError"


class SerializationFailure(OdooError):
    """What Odoo reports once its retries on a PostgreSQL serialization failure run out."""

    name = "psycopg2.errors.SerializationFailure"

    def __init__(self, message: str = "could not serialize access due to concurrent update\n"):
        super().__init__(message)


class SessionExpired(OdooError):
    name = "odoo.http.SessionExpiredException"
    code = 100
    title = "Odoo Session Expired"

    def __init__(self, message: str = "Session expired") -> None:
        super().__init__(message)


def error_response(request_id: Any, exc: OdooError) -> dict[str, Any]:
    """The full JSON-RPC response body for ``exc``."""
    return {
        "jsonrpc": "2.0",
        "id": request_id,
        "error": {"code": exc.code, "message": exc.title, "data": exc.payload()},
    }


def http_error_body(status: int, message: str | None = None) -> dict[str, Any]:
    """Body of an injected 429/5xx: Odoo behind a proxy answers those outside JSON-RPC."""
    return {"error": message or f"sandbox: injected HTTP {status}", "status": status}
