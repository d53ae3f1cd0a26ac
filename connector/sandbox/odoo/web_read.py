"""``web_read``: Odoo 17's read of records and, in the same call, of their related records.

As ``odoo/addons/web/models/models.py`` (17.0) ``web_read(specification)``: the records'
fields named by the specification are read with ``load=None`` (a many2one is its id or
False, an x2many its list of ids); a many2one whose spec has ``fields`` becomes a dict of
the co-record read with those fields (``display_name`` on request); an x2many whose spec has
``fields`` becomes the list of its co-records read that way, in the x2many's order (or
``order``'s), cut to ``limit``. Records that do not exist are left out, as ``read`` does.
"""

from __future__ import annotations

from typing import Any

from connector.sandbox.odoo.database import OdooDatabase
from connector.sandbox.odoo.errors import PyValueError


def web_read(
    db: OdooDatabase, model: str, ids: list[int], specification: dict[str, Any]
) -> list[dict[str, Any]]:
    if not isinstance(specification, dict):
        raise PyValueError("specification must be a dict")
    names = [name for name in specification if name != "id"]
    if not names:
        return [{"id": i} for i in ids]
    fields = db.spec(model).fields
    values_list = db.read(model, ids, names, load=None)
    for name, field_spec in specification.items():
        field = fields.get(name)
        if field is None or not isinstance(field_spec, dict) or "fields" not in field_spec:
            continue
        sub = dict(field_spec["fields"] or {})
        if field.type == "many2one" and field.relation:
            _nest_many2one(db, field.relation, name, sub, values_list)
        elif field.is_x2many and field.relation:
            _nest_x2many(db, field.relation, name, field_spec, sub, values_list)
    return values_list


def _nest_many2one(
    db: OdooDatabase,
    relation: str,
    name: str,
    sub: dict[str, Any],
    values_list: list[dict[str, Any]],
) -> None:
    wants_name = "display_name" in sub
    sub.pop("display_name", None)
    linked = sorted({v[name] for v in values_list if v[name]})
    read = {vals["id"]: vals for vals in web_read(db, relation, linked, sub)}
    if wants_name:
        rows = db.tables[relation].rows
        for record_id, vals in read.items():
            vals["display_name"] = db.display_name(relation, rows[record_id])
    for values in values_list:
        if values[name]:
            values[name] = read.get(values[name], {"id": values[name]})


def _nest_x2many(
    db: OdooDatabase,
    relation: str,
    name: str,
    field_spec: dict[str, Any],
    sub: dict[str, Any],
    values_list: list[dict[str, Any]],
) -> None:
    order = field_spec.get("order")
    if order:
        every = sorted({i for v in values_list for i in v[name]})
        rank = {i: n for n, i in enumerate(db.search(relation, [("id", "in", every)], order=order))}
        for values in values_list:
            values[name] = sorted((i for i in values[name] if i in rank), key=rank.__getitem__)
    limit = field_spec.get("limit")
    wanted = list(
        dict.fromkeys(i for v in values_list for i in (v[name][:limit] if limit else v[name]))
    )
    read = {vals["id"]: vals for vals in web_read(db, relation, wanted, sub)}
    for values in values_list:
        values[name] = [read.get(i) or {"id": i} for i in values[name]]
