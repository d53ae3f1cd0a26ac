"""Bulk loading for fast seeding (``POST /__sandbox/load`` and :func:`load_records`).

Format: ``{"records": {"<model>": [{...vals..., "__xmlid": "module.name"}, ...], ...}}``.
Models are loaded in the order given. In values, a *string* given for a many2one field, or
inside an x2many list (plain ids, ``(4, x)``, ``(6, 0, [x, ...])``), is an external id
(``"subsync.partner_cus_1"``, ``"base.EUR"``, ``"product.list0"``) resolved at load time, so
records can reference records loaded earlier in the same request. ``(0, 0, vals)`` commands
are resolved recursively. A record whose ``__xmlid`` already exists is *updated* (``write``)
instead of created, so loads are idempotent. Loads go through the same ORM rules as RPC
creates (defaults, sequences, computed totals), but are not atomic: records loaded before a
failing one stay.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from connector.sandbox.odoo.database import ADMIN_UID, OdooDatabase
from connector.sandbox.odoo.errors import PyValueError
from connector.sandbox.odoo.field_types import FieldSpec

XMLID_KEY = "__xmlid"


def _ref(db: OdooDatabase, field: FieldSpec, value: Any) -> Any:
    if isinstance(value, str):
        model, res_id = db.resolve_xmlid(value)
        if field.relation is not None and model != field.relation:
            raise PyValueError(
                f"External ID {value} is a {model} record, not {field.relation} ({field.name})"
            )
        return res_id
    return value


def _resolve_x2many(db: OdooDatabase, field: FieldSpec, value: Any) -> Any:
    if not isinstance(value, list):
        return value
    resolved: list[Any] = []
    for item in value:
        if isinstance(item, str):
            resolved.append(_ref(db, field, item))
        elif isinstance(item, list | tuple) and item:
            code = item[0]
            rest = list(item[1:]) + [0] * (3 - len(item))
            if code == 0:
                assert field.relation is not None
                resolved.append((0, 0, resolve_values(db, field.relation, dict(rest[1] or {}))))
            elif code == 1:
                assert field.relation is not None
                target = _ref(db, field, rest[0])
                resolved.append(
                    (1, target, resolve_values(db, field.relation, dict(rest[1] or {})))
                )
            elif code == 6:
                resolved.append((6, 0, [_ref(db, field, x) for x in (rest[1] or [])]))
            elif code in (2, 3, 4):
                resolved.append((code, _ref(db, field, rest[0]), 0))
            else:
                resolved.append(tuple(item))
        else:
            resolved.append(item)
    return resolved


def resolve_values(db: OdooDatabase, model: str, vals: dict[str, Any]) -> dict[str, Any]:
    """Replace external ids by database ids in ``vals``."""
    spec = db.spec(model)
    out: dict[str, Any] = {}
    for name, value in vals.items():
        field = spec.fields.get(name)
        if field is None:
            out[name] = value
        elif field.type == "many2one":
            out[name] = _ref(db, field, value)
        elif field.is_x2many:
            out[name] = _resolve_x2many(db, field, value)
        else:
            out[name] = value
    return out


@contextmanager
def _no_gc() -> Iterator[None]:
    """Pause the cyclic garbage collector: a bulk load allocates millions of small dicts
    that are all kept; collections would only rescan them."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def load_records(
    db: OdooDatabase, records: dict[str, list[dict[str, Any]]], uid: int = ADMIN_UID
) -> dict[str, list[int]]:
    """Create (or update, for known external ids) ``records``; returns the ids by model."""
    loaded: dict[str, list[int]] = {}
    with db.lock, _no_gc():
        for model, rows in records.items():
            db.spec(model)
            ids = loaded.setdefault(model, [])
            for raw in rows:
                vals = dict(raw)
                xmlid = vals.pop(XMLID_KEY, None)
                vals = resolve_values(db, model, vals)
                existing = None
                if xmlid:
                    module, _, name = str(xmlid).partition(".")
                    imd = db.xmlids.get((module, name))
                    if imd is not None:
                        row = db.rows("ir.model.data")[imd]
                        if row["model"] == model and row["res_id"] in db.rows(model):
                            existing = int(row["res_id"])
                if existing is not None:
                    db.write(model, [existing], vals, uid)
                    ids.append(existing)
                    continue
                record_id = db.create_one(model, vals, uid)
                if xmlid:
                    db.set_xmlid(str(xmlid), model, record_id)
                ids.append(record_id)
    return loaded
