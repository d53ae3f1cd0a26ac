"""The model methods callable over RPC (``execute`` / ``execute_kw`` / ``call_kw``).

Arguments are bound like Python would bind them to Odoo 17's method signatures, so a wrong
keyword fails with the same ``TypeError`` text. Methods whose name starts with ``_`` are
refused (``AccessError``, ``odoo.models.check_method_name``) and unknown ones raise
``AttributeError`` (``odoo.api.call_kw``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from connector.sandbox.odoo import access, import_load
from connector.sandbox.odoo.database import OdooDatabase
from connector.sandbox.odoo.errors import (
    AccessError,
    PyAttributeError,
    PyTypeError,
    PyValueError,
)
from connector.sandbox.odoo.web_read import web_read

_MISSING = object()


@dataclass(frozen=True)
class Call:
    """One bound call: the database, model, user and context, plus bound arguments.

    ``reject_record``: the sandbox's ``reject_record`` fault for methods that save records
    one by one (``load``), asked before each record is saved; ``deny_right`` likewise its
    ``missing_access_right`` fault, asked with "create" or "write".
    """

    db: OdooDatabase
    model: str
    uid: int
    context: dict[str, Any]
    args: dict[str, Any]
    reject_record: import_load.RejectRecord = import_load.never_reject
    deny_right: import_load.DenyRight = import_load.never_deny


Handler = Callable[[Call], Any]


@dataclass(frozen=True)
class Method:
    """``per_record_faults``: a ``reject_record`` fault refuses one record inside the call
    (an import message) instead of failing the whole call."""

    params: tuple[tuple[str, Any], ...]  # (name, default or _MISSING)
    handler: Handler
    writes: bool = False
    models: frozenset[str] | None = None
    per_record_faults: bool = False
    reads: bool = False  # checked against the user's read access first


def _ids(value: Any) -> list[int]:
    if value is False or value is None:
        return []
    if isinstance(value, int) and not isinstance(value, bool):
        return [value]
    if isinstance(value, list | tuple) and all(
        isinstance(v, int) and not isinstance(v, bool) for v in value
    ):
        return list(value)
    raise PyValueError(f"Invalid ids: {value!r}")


def _limit(value: Any) -> int | None:
    return int(value) if value else None


def _search(call: Call) -> Any:
    a = call.args
    return call.db.search(
        call.model, a["domain"], int(a["offset"] or 0), _limit(a["limit"]), a["order"], call.context
    )


def _search_read(call: Call) -> Any:
    a = call.args
    ids = call.db.search(
        call.model, a["domain"] or [], int(a["offset"] or 0), _limit(a["limit"]), a["order"],
        call.context,
    )  # fmt: skip
    return call.db.read(call.model, ids, a["fields"], a["load"])


def _search_count(call: Call) -> Any:
    count = call.db.search_count(call.model, call.args["domain"], call.context)
    limit = _limit(call.args["limit"])
    return min(count, limit) if limit else count


def _read(call: Call) -> Any:
    fields = call.args["fields"]
    if isinstance(fields, str):
        fields = [fields]
    return call.db.read(call.model, _ids(call.args["ids"]), fields, call.args["load"])


def _web_read(call: Call) -> Any:
    return web_read(call.db, call.model, _ids(call.args["ids"]), call.args["specification"])


def _create(call: Call) -> Any:
    vals_list = call.args["vals_list"]
    if isinstance(vals_list, dict):
        return call.db.create(call.model, [vals_list], call.uid)[0]
    if not isinstance(vals_list, list):
        raise PyValueError(f"Invalid values for {call.model}.create(): {vals_list!r}")
    return call.db.create(call.model, vals_list, call.uid)


def _write(call: Call) -> Any:
    return call.db.write(call.model, _ids(call.args["ids"]), call.args["vals"], call.uid)


def _unlink(call: Call) -> Any:
    return call.db.unlink(call.model, _ids(call.args["ids"]), call.uid)


def _load(call: Call) -> Any:
    a = call.args
    return import_load.load(
        call.db,
        call.model,
        a["fields"],
        a["data"],
        call.uid,
        call.context,
        call.reject_record,
        call.deny_right,
    )


def _name_get(call: Call) -> Any:
    rows = call.db.table(call.model).rows
    return [
        [i, call.db.display_name(call.model, rows[i])] for i in _ids(call.args["ids"]) if i in rows
    ]


def _name_search(call: Call) -> Any:
    a = call.args
    return call.db.name_search(
        call.model, a["name"] or "", a["args"], a["operator"] or "ilike", _limit(a["limit"])
    )


def _fields_get(call: Call) -> Any:
    return call.db.fields_get(call.model, call.args["allfields"], call.args["attributes"])


def _default_get(call: Call) -> Any:
    return call.db.default_get(call.model, list(call.args["fields_list"] or []))


def _exists(call: Call) -> Any:
    return call.db.exists(call.model, _ids(call.args["ids"]))


def _check_object_reference(call: Call) -> Any:
    module, name = call.args["module"], call.args["xml_id"]
    model, res_id = call.db.resolve_xmlid(f"{module}.{name}")
    return [model, res_id]


def _check_access_rights(call: Call) -> Any:
    """``BaseModel.check_access_rights`` (17.0, ``@api.model``): callable over RPC, so a
    client can ask what its user may do before trying."""
    operation = call.args["operation"]
    if operation not in access.OPERATIONS:
        raise PyValueError(f"Invalid access mode: {operation!r}")
    if access.allowed(call.db, call.model, operation, call.uid):
        return True
    if call.args["raise_exception"]:
        raise AccessError(access.access_error_text(call.db, call.model, operation))
    return False


def _context_get(call: Call) -> Any:
    return {"lang": "en_US", "tz": "Europe/Brussels", "uid": call.uid}


M = _MISSING
METHODS: dict[str, Method] = {
    # Odoo 17 dropped search(count=True): a client passing it gets Python's TypeError
    "search": Method(
        (("domain", M), ("offset", 0), ("limit", None), ("order", None)), _search, reads=True
    ),
    "search_read": Method(
        (
            ("domain", None),
            ("fields", None),
            ("offset", 0),
            ("limit", None),
            ("order", None),
            ("load", "_classic_read"),
        ),
        _search_read,
        reads=True,
    ),
    "search_count": Method((("domain", M), ("limit", None)), _search_count, reads=True),
    "read": Method((("ids", M), ("fields", None), ("load", "_classic_read")), _read, reads=True),
    "web_read": Method((("ids", M), ("specification", M)), _web_read, reads=True),
    "create": Method((("vals_list", M),), _create, writes=True),
    "write": Method((("ids", M), ("vals", M)), _write, writes=True),
    "unlink": Method((("ids", M),), _unlink, writes=True),
    "load": Method((("fields", M), ("data", M)), _load, writes=True, per_record_faults=True),
    "name_get": Method((("ids", M),), _name_get, reads=True),
    "name_search": Method(
        (("name", ""), ("args", None), ("operator", "ilike"), ("limit", 100)),
        _name_search,
        reads=True,
    ),
    "check_access_rights": Method(
        (("operation", M), ("raise_exception", True)), _check_access_rights
    ),
    "fields_get": Method((("allfields", None), ("attributes", None)), _fields_get),
    "default_get": Method((("fields_list", M),), _default_get),
    "exists": Method((("ids", M),), _exists),
    "check_object_reference": Method(
        (("module", M), ("xml_id", M), ("raise_on_access_error", False)),
        _check_object_reference,
        models=frozenset({"ir.model.data"}),
    ),
    "context_get": Method((), _context_get, models=frozenset({"res.users"})),
}


def check_method_name(name: str) -> None:
    """``odoo.models.check_method_name`` (17.0), run before the model is even looked up."""
    if name.startswith("_") or name == "init":
        raise AccessError(f"Private methods (such as {name}) cannot be called remotely.")


def lookup(model: str, name: str) -> Method:
    """The public method ``name``, or ``AttributeError`` as ``odoo.api.call_kw`` (17.0)."""
    method = METHODS.get(name)
    if method is None or (method.models is not None and model not in method.models):
        raise PyAttributeError(f"The method '{name}' does not exist on the model '{model}'")
    return method


def bind(name: str, method: Method, args: list[Any], kwargs: dict[str, Any]) -> dict[str, Any]:
    """Bind positional and keyword arguments as Python would."""
    params = method.params
    if len(args) > len(params):
        raise PyTypeError(
            f"{name}() takes {len(params) + 1} positional arguments but {len(args) + 1} were given"
        )
    bound: dict[str, Any] = {}
    for (param, _default), value in zip(params, args, strict=False):
        bound[param] = value
    for key, value in kwargs.items():
        if key not in {param for param, _default in params}:
            raise PyTypeError(f"{name}() got an unexpected keyword argument '{key}'")
        if key in bound:
            raise PyTypeError(f"{name}() got multiple values for argument '{key}'")
        bound[key] = value
    for param, default in params:
        if param not in bound:
            if default is _MISSING:
                raise PyTypeError(f"{name}() missing 1 required positional argument: '{param}'")
            bound[param] = default
    return bound
