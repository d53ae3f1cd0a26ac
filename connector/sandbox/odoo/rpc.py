"""The JSON-RPC services: ``common``, ``object``, ``db`` (``POST /jsonrpc``) and the web
client's ``/web/dataset/call_kw``.

Every call records one :class:`CallStats` label (``"common.login"``,
``"execute_kw res.partner.search_read"``, ``"call_kw sale.subscription.write"``...).

System-specific faults are matched against an *RPC path* rather than the HTTP path:
``/jsonrpc/<service>/<method>`` for ``common`` / ``db`` calls,
``/jsonrpc/object/<model>/<method>`` for ``execute`` / ``execute_kw`` and
``/web/dataset/call_kw/<model>/<method>`` for the web client route, so
``FaultRule(kind=SERIALIZATION_FAILURE, path_prefix="/jsonrpc/object/sale.subscription/write")``
targets one model and method. Generic faults (latency, 429, 5xx, reset) are applied by
:class:`FaultMiddleware` on the HTTP path (``/jsonrpc``, ``/web/dataset/call_kw``...).
"""

from __future__ import annotations

from typing import Any

from connector.sandbox.common import CallStats, FaultInjector, FaultKind
from connector.sandbox.odoo import access
from connector.sandbox.odoo.auth import Authenticator
from connector.sandbox.odoo.database import OdooDatabase
from connector.sandbox.odoo.errors import (
    AccessDenied,
    PyKeyError,
    PyNameError,
    PyTypeError,
    SerializationFailure,
    SessionExpired,
    ValidationError,
)
from connector.sandbox.odoo.model_methods import Call, bind, check_method_name, lookup

SERVER_VERSION = "17.0"
VERSION_INFO: dict[str, Any] = {
    "server_version": SERVER_VERSION,
    "server_version_info": [17, 0, 0, "final", 0, ""],
    "server_serie": SERVER_VERSION,
    "protocol_version": 1,
}


def _args(params: dict[str, Any]) -> list[Any]:
    args = params.get("args", [])
    if not isinstance(args, list):
        raise PyTypeError("args must be a list")
    return args


class RpcDispatcher:
    """Runs RPC calls against one database, applying auth, faults and statistics."""

    def __init__(
        self,
        db: OdooDatabase,
        auth: Authenticator,
        injector: FaultInjector,
        stats: CallStats,
    ) -> None:
        self.db = db
        self.auth = auth
        self.injector = injector
        self.stats = stats

    # ------------------------------------------------------------------ /jsonrpc
    def jsonrpc(self, params: dict[str, Any]) -> Any:
        service = params.get("service")
        method = str(params.get("method"))
        args = _args(params)
        if service == "object":
            return self._object(method, args)
        if service == "common":
            self.stats.record(f"common.{method}")
            self._take_generic_rpc_faults(f"/jsonrpc/common/{method}")
            return self._common(method, args)
        if service == "db":
            self.stats.record(f"db.{method}")
            return self._db(method, args)
        raise PyKeyError(repr(service))

    def _take_generic_rpc_faults(self, path: str) -> None:
        if self.injector.take(FaultKind.SERIALIZATION_FAILURE, "POST", path) is not None:
            raise SerializationFailure()

    def _common(self, method: str, args: list[Any]) -> Any:
        if method == "version":
            return dict(VERSION_INFO)
        if method == "login":
            database, login, password = ([*list(args), None, None, None])[:3]
            return self.auth.login(str(database), str(login), str(password))
        if method == "authenticate":
            database, login, password = ([*list(args), None, None, None])[:3]
            return self.auth.login(str(database), str(login), str(password))
        if method == "about":
            return "See http://openerp.com"
        raise PyKeyError(repr(method))

    def _db(self, method: str, args: list[Any]) -> Any:
        if method == "list":
            return [self.auth.database]
        if method == "server_version":
            return SERVER_VERSION
        if method == "db_exist":
            return bool(args) and args[0] == self.auth.database
        if method == "list_lang":
            return [["en_US", "English (US)"]]
        raise AccessDenied()

    def _object(self, method: str, args: list[Any]) -> Any:
        if method == "execute_kw":
            if len(args) < 6:
                raise PyTypeError("execute_kw() missing required positional arguments")
            database, uid, password, model, name, call_args = args[:6]
            kwargs = args[6] if len(args) > 6 and args[6] else {}
            kind = "execute_kw"
        elif method == "execute":
            if len(args) < 5:
                raise PyTypeError("execute() missing required positional arguments")
            database, uid, password, model, name = args[:5]
            call_args, kwargs, kind = list(args[5:]), {}, "execute"
        else:
            raise PyNameError(f"Method not available {method}")
        self.stats.record(f"{kind} {model}.{name}")
        checked_uid = self.auth.check(str(database), uid, password)
        path = f"/jsonrpc/object/{model}/{name}"
        if self.injector.take(FaultKind.EXPIRED_SESSION, "POST", path) is not None:
            raise AccessDenied()
        return self.call_model(checked_uid, str(model), str(name), call_args, kwargs, path)

    # ------------------------------------------------------------------ call_kw
    def call_kw(self, uid: int | None, params: dict[str, Any]) -> Any:
        model = str(params.get("model"))
        name = str(params.get("method"))
        self.stats.record(f"call_kw {model}.{name}")
        path = f"/web/dataset/call_kw/{model}/{name}"
        if uid is None or self.injector.take(FaultKind.EXPIRED_SESSION, "POST", path):
            raise SessionExpired()
        args = params.get("args") or []
        kwargs = params.get("kwargs") or {}
        return self.call_model(uid, model, name, list(args), dict(kwargs), path)

    # ------------------------------------------------------------------ model calls
    def call_model(
        self,
        uid: int,
        model: str,
        name: str,
        args: list[Any],
        kwargs: dict[str, Any],
        path: str,
    ) -> Any:
        if not isinstance(args, list) or not isinstance(kwargs, dict):
            raise PyTypeError("args must be a list and kwargs a dict")
        kwargs = dict(kwargs)
        context = kwargs.pop("context", None) or {}
        check_method_name(name)
        self.db.spec(model)
        method = lookup(model, name)
        bound = bind(name, method, args, kwargs)
        if method.reads:
            access.check(self.db, model, "read", uid)
        if self.injector.take(FaultKind.SERIALIZATION_FAILURE, "POST", path) is not None:
            raise SerializationFailure()

        def reject_record() -> str | None:
            rule = self.injector.take(FaultKind.REJECT_RECORD, "POST", path)
            if rule is None:
                return None
            return rule.message or (
                f"The record could not be saved: a constraint on {model} "
                "rejected it (sandbox fault injection)."
            )

        if method.writes and not method.per_record_faults:
            message = reject_record()
            if message is not None:
                raise ValidationError(message)

        def deny_right(operation: str) -> str | None:
            rule = self.injector.take(FaultKind.MISSING_ACCESS_RIGHT, "POST", path)
            if rule is None:
                return None
            # The groups Odoo's access rows grant the right to, or the rule's own.
            groups = [rule.message] if rule.message else None
            return access.access_error_text(self.db, model, operation, groups)  # type: ignore[arg-type]

        call = Call(self.db, model, uid, dict(context), bound, reject_record, deny_right)
        with self.db.transaction():
            return method.handler(call)
