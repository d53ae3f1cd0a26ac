"""The emulated Odoo database: tables, ORM methods, external ids, transactions.

All public methods must be called with :attr:`OdooDatabase.lock` held (the RPC layer does);
each RPC runs in :meth:`OdooDatabase.transaction`, so a failed call leaves no trace except
consumed sequence numbers, as with PostgreSQL.
"""

from __future__ import annotations

import datetime as dt
import math
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from connector.sandbox.odoo import access
from connector.sandbox.odoo import subscription_rules as rules
from connector.sandbox.odoo.domain import Evaluator, Leaf, Node, Term, mentions, parse
from connector.sandbox.odoo.errors import (
    ForeignKeyViolation,
    MissingError,
    NotNullViolation,
    PyValueError,
    UserError,
)
from connector.sandbox.odoo.field_types import FieldSpec, ModelSpec
from connector.sandbox.odoo.models_registry import build_registry
from connector.sandbox.odoo.sequences import Sequences
from connector.sandbox.odoo.table import Table
from connector.sandbox.odoo.x2many import (
    CLEAR,
    CREATE,
    DELETE,
    LINK,
    SET,
    UNLINK,
    UPDATE,
    Command,
    parse_commands,
)

DATETIME_FORMAT = "%Y-%m-%d %H:%M:%S"
DATE_FORMAT = "%Y-%m-%d"
SUPERUSER_ID = 1
ADMIN_UID = 2

Clock = Callable[[], dt.datetime]


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _table(model: str) -> str:
    return model.replace(".", "_")


def _mandatory(spec: ModelSpec, field: FieldSpec) -> NotNullViolation:
    # Odoo 17 turns PostgreSQL's NotNullViolation into this message
    # (odoo/service/model.py, _as_validation_error).
    return NotNullViolation(
        "The operation cannot be completed:\n"
        "- Create/update: a mandatory field is not set.\n"
        "- Delete: another model requires the record being deleted. "
        "If possible, archive it instead.\n\n"
        f"Model: {spec.description} ({spec.name})\n"
        f"Field: {field.string} ({field.name})\n",
        f'null value in column "{field.name}" of relation "{_table(spec.name)}" violates '
        "not-null constraint\n",
        field.name,
        field.string,
    )


def _foreign_key(spec: ModelSpec, field: FieldSpec, value: Any = None) -> ForeignKeyViolation:
    """``value``: the missing id written (insert or update); None for a delete."""
    # Odoo 17 reports every ForeignKeyViolation (also a create pointing to a missing record)
    # with the "record being deleted" wording.
    table = _table(spec.name)
    constraint = f"{table}_{field.name}_fkey"
    relation = _table(field.relation or "")
    if value is None:
        pg_message = (
            f'update or delete on table "{relation}" violates foreign key constraint '
            f'"{constraint}" on table "{table}"\n'
        )
    else:
        pg_message = (
            f'insert or update on table "{table}" violates foreign key constraint '
            f'"{constraint}"\nDETAIL:  Key ({field.name})=({value}) is not present in table '
            f'"{relation}".\n'
        )
    return ForeignKeyViolation(
        "The operation cannot be completed: another model requires the record being "
        "deleted. If possible, archive it instead.\n\n"
        f"Model: {spec.description} ({spec.name})\n"
        f"Constraint: {constraint}\n",
        pg_message,
        field.name,
    )


def _parse_order(spec: ModelSpec, order: str) -> list[tuple[str, bool]]:
    keys: list[tuple[str, bool]] = []
    for part in order.split(","):
        words = part.strip().split()
        if not words:
            continue
        name = words[0]
        direction = words[1].lower() if len(words) > 1 else "asc"
        field = spec.fields.get(name)
        if field is None or direction not in ("asc", "desc") or field.is_x2many:
            raise PyValueError(
                f'Invalid "order" specified ({order}). A valid "order" specification is a '
                "comma-separated list of valid field names (optionally followed by asc/desc "
                "for the direction)"
            )
        keys.append((name, direction == "desc"))
    return keys


_STORED, _X2MANY, _RELATED = "stored", "x2many", "related"
_MAGIC = frozenset({"id", "display_name", "create_date", "write_date", "create_uid", "write_uid"})


@dataclass(frozen=True)
class CreatePlan:
    """Per-model facts ``create`` needs, computed once: the blank row (defaults applied),
    how each writable field is handled, and the required fields in declaration order."""

    blank: dict[str, Any]
    many2many: tuple[str, ...]
    kinds: dict[str, str]
    required: tuple[FieldSpec, ...]


@dataclass(frozen=True)
class ImportScope:
    """What ``load`` puts in the context: ``module`` (``_import_current_module``) and
    ``noupdate`` for the external ids it creates."""

    module: str
    noupdate: bool


@dataclass(frozen=True)
class XmlidRow:
    """One ``ir.model.data`` row and whether its record still exists
    (``ir.model.data._lookup_xmlids`` LEFT JOINs the record's table)."""

    id: int
    model: str
    res_id: int
    exists: bool


class Savepoint:
    """A point in the current transaction's undo log (see :meth:`OdooDatabase.savepoint`)."""

    def __init__(self, db: OdooDatabase, mark: int) -> None:
        self._db = db
        self._mark = mark

    def rollback(self) -> None:
        """``ROLLBACK TO SAVEPOINT``: undo everything done since the savepoint."""
        self._db._rollback_to(self._mark)


class OdooDatabase:
    """One in-memory Odoo database."""

    def __init__(self, name: str = "subsync", clock: Clock = utc_now) -> None:
        self.name = name
        self.lock = threading.RLock()
        self.clock = clock
        self.registry = build_registry()
        self.tables: dict[str, Table] = {m: Table(spec) for m, spec in self.registry.items()}
        self.sequences = Sequences()
        self.evaluator = Evaluator(self)
        self.boot_date = clock().date().isoformat()
        # external ids: (module, name) -> ir.model.data id; (model, res_id) -> ids
        self.xmlids: dict[tuple[str, str], int] = {}
        self.xmlids_by_record: dict[tuple[str, int], set[int]] = {}
        # res.users passwords other than the admin's (Odoo keeps only a hash, never reads it)
        self.passwords: dict[int, str] = {}
        self._undo: list[Callable[[], None]] | None = None
        self._import: ImportScope | None = None
        self._plans: dict[str, CreatePlan] = {}
        # fields read straight from the row, with the value an unset one reads as
        self._plain: dict[str, dict[str, Any]] = {
            model: {
                name: field.empty()
                for name, field in spec.fields.items()
                if field.related is None
                and field.type != "one2many"
                and name not in ("id", "display_name", "complete_name", "decimal_places")
            }
            for model, spec in self.registry.items()
        }

    def clear(self) -> None:
        """Forget every record, external id and sequence number."""
        with self.lock:
            self.tables = {m: Table(spec) for m, spec in self.registry.items()}
            self.sequences = Sequences()
            self.xmlids = {}
            self.xmlids_by_record = {}
            self.passwords = {}

    def user_with_password(self, login: str, password: str) -> int | None:
        for uid, secret in self.passwords.items():
            user = self.tables["res.users"].rows.get(uid)
            if user and user.get("active", True) and user.get("login") == login:
                return uid if secret == password else None
        return None

    def password_matches(self, uid: int, password: str) -> bool:
        user = self.tables["res.users"].rows.get(uid)
        active = bool(user and user.get("active", True))
        return active and uid in self.passwords and self.passwords[uid] == password

    def rebuild_xmlid_index(self) -> None:
        """Recompute the external id lookups from ``ir.model.data`` rows (after a restore)."""
        self.xmlids = {}
        self.xmlids_by_record = {}
        for row in self.tables["ir.model.data"].rows.values():
            self.xmlids[(str(row["module"]), str(row["name"]))] = row["id"]
            key = (str(row["model"]), int(row["res_id"]))
            self.xmlids_by_record.setdefault(key, set()).add(row["id"])

    def _plan(self, model: str) -> CreatePlan:
        plan = self._plans.get(model)
        if plan is None:
            spec = self.registry[model]
            blank: dict[str, Any] = {}
            kinds: dict[str, str] = {}
            many2many: list[str] = []
            for name, field in spec.fields.items():
                if name in _MAGIC or (field.computed and not field.store):
                    continue
                if field.related is not None:
                    kinds[name] = _RELATED
                elif field.is_x2many:
                    kinds[name] = _X2MANY
                    if field.type == "many2many":
                        many2many.append(name)
                else:
                    kinds[name] = _STORED
                    default = None if field.computed else field.default
                    blank[name] = (
                        field.empty() if default is None else self._convert(spec, field, default)
                    )
            required = tuple(
                f for f in spec.fields.values() if f.required and kinds.get(f.name) == _STORED
            )
            plan = CreatePlan(blank, tuple(many2many), kinds, required)
            self._plans[model] = plan
        return plan

    # ------------------------------------------------------------------ store protocol
    def spec(self, model: str) -> ModelSpec:
        spec = self.registry.get(model)
        if spec is None:
            # odoo/service/model.py (17.0): execute_cr raises UserError for unknown models
            raise UserError(f"Object {model} doesn't exist")
        return spec

    def table(self, model: str) -> Table:
        self.spec(model)
        return self.tables[model]

    def rows(self, model: str) -> dict[int, dict[str, Any]]:
        return self.tables[model].rows

    def index_lookup(self, model: str, field: str, values: list[Any]) -> set[int] | None:
        return self.tables[model].lookup(field, values)

    def index_prefixed(self, model: str, field: str, prefix: str) -> set[int] | None:
        return self.tables[model].prefixed(field, prefix)

    def index_estimate(self, model: str, field: str, values: list[Any]) -> int | None:
        return self.tables[model].estimate(field, values)

    def value(self, model: str, row: dict[str, Any], field: str) -> Any:
        """The current value of ``field`` on ``row`` (related and computed fields resolved)."""
        plain = self._plain[model]
        if field in plain:
            return row.get(field, plain[field])
        spec = self.registry[model]
        fspec = spec.fields[field]
        if field == "id":
            return row["id"]
        if field == "display_name":
            return self.display_name(model, row)
        if fspec.related is not None:
            current_model, current = model, row
            for hop in fspec.related[:-1]:
                target = current.get(hop, False)
                relation = self.registry[current_model].fields[hop].relation
                assert relation is not None
                if not target or target not in self.tables[relation].rows:
                    return fspec.empty()
                current_model, current = relation, self.tables[relation].rows[target]
            return self.value(current_model, current, fspec.related[-1])
        if fspec.type == "one2many":
            assert fspec.relation is not None
            assert fspec.inverse is not None
            children = self.tables[fspec.relation].lookup(fspec.inverse, [row["id"]]) or set()
            return sorted(children)
        if model == "ir.model.data" and field == "complete_name":
            return f"{row['module']}.{row['name']}" if row.get("module") else row["name"]
        if model == "res.currency" and field == "decimal_places":
            rounding = float(row.get("rounding") or 0.01)
            return max(0, math.ceil(math.log10(1 / rounding))) if 0 < rounding < 1 else 0
        return row.get(field, fspec.empty())

    def display_name(self, model: str, row: dict[str, Any]) -> str:
        spec = self.registry[model]
        if model == "product.product":
            name = self.value(model, row, "name") or ""
            code = row.get("default_code")
            return f"[{code}] {name}" if code else str(name)
        if model == "res.partner" and row.get("parent_id") and not row.get("is_company"):
            parent = self.tables[model].rows.get(row["parent_id"])
            if parent is not None and row.get("name"):
                return f"{parent.get('name') or ''}, {row['name']}"
        if spec.rec_name in spec.fields:
            label = self.value(model, row, spec.rec_name)
            if label:
                return str(label)
        return f"{model},{row['id']}"

    # ------------------------------------------------------------------ transactions
    # (see also :class:`Savepoint`)
    @contextmanager
    def transaction(self) -> Iterator[None]:
        """Undo every change made inside the block if it raises."""
        with self.lock:
            if self._undo is not None:
                yield
                return
            self._undo = []
            try:
                yield
            except BaseException:
                undo_log, self._undo = self._undo, None
                for undo in reversed(undo_log):
                    undo()
                raise
            finally:
                self._undo = None

    @contextmanager
    def savepoint(self) -> Iterator[Savepoint]:
        """``cr.savepoint()`` inside the current transaction: the block's changes are undone
        if it raises, or when :meth:`Savepoint.rollback` is called."""
        if self._undo is None:
            raise RuntimeError("a savepoint needs a transaction")
        point = Savepoint(self, len(self._undo))
        try:
            yield point
        except BaseException:
            point.rollback()
            raise

    def _rollback_to(self, mark: int) -> None:
        log = self._undo
        if log is None:
            return
        doomed = log[mark:]
        del log[mark:]
        self._undo = None  # undo steps must not log their own undo
        try:
            for undo in reversed(doomed):
                undo()
        finally:
            self._undo = log

    def _log(self, undo: Callable[[], None]) -> None:
        if self._undo is not None:
            self._undo.append(undo)

    @contextmanager
    def importing(self, module: str, noupdate: bool) -> Iterator[None]:
        """Creates inside the block give the external id in their vals' ``id`` to the record.

        odoo/addons/base/models/ir_fields.py, ``O2MIdMapper``: during ``load`` (context
        ``_import_current_module``) every ``create`` binds ``vals["id"]``, which is how the
        lines created through a one2many get their external ids in the same transaction.
        """
        previous = self._import
        self._import = ImportScope(module, noupdate)
        try:
            yield
        finally:
            self._import = previous

    def now(self) -> str:
        return self.clock().isoformat(" ", "seconds")[:19]

    def today(self) -> str:
        return self.clock().date().isoformat()

    # ------------------------------------------------------------------ low level rows
    def _insert(self, model: str, row: dict[str, Any]) -> None:
        table = self.tables[model]
        table.insert(row)

        def undo() -> None:
            # ids are never reused (PostgreSQL sequences), so undo keeps next_id as is
            table.remove(row["id"])

        self._log(undo)

    def _update(self, model: str, row_id: int, changes: dict[str, Any]) -> None:
        table = self.tables[model]
        row = table.rows[row_id]
        old = {name: row.get(name, False) for name in changes}
        table.update(row_id, changes)
        self._log(lambda: table.update(row_id, old))

    def _delete(self, model: str, row_id: int) -> None:
        table = self.tables[model]
        row = table.remove(row_id)
        if row is not None:
            self._log(lambda: table.insert(row))

    # ------------------------------------------------------------------ conversion
    def _convert(self, spec: ModelSpec, field: FieldSpec, value: Any) -> Any:
        """Client value -> stored value, validated as Odoo's ``convert_to_cache`` does."""
        if value is None:
            value = False
        ftype = field.type
        if ftype == "many2one":
            if value is False or value == 0:
                return False
            if isinstance(value, list | tuple) and value:
                value = value[0]
            if not isinstance(value, int) or isinstance(value, bool):
                raise PyValueError(f"Wrong value for {spec.name}.{field.name}: {value!r}")
            assert field.relation is not None
            if value not in self.tables[field.relation].rows:
                raise _foreign_key(spec, field, value)
            return value
        if ftype in ("char", "text", "html"):
            if value is False:
                return False
            text = str(value)
            return text if text != "" else False
        if ftype == "boolean":
            return bool(value)
        if ftype == "integer":
            if value is False:
                return 0
            try:
                return int(value)
            except (TypeError, ValueError):
                raise PyValueError(f"invalid input syntax for type integer: {value!r}") from None
        if ftype in ("float", "monetary"):
            if value is False:
                return 0.0
            try:
                return float(value)
            except (TypeError, ValueError):
                raise PyValueError(f"could not convert string to float: {value!r}") from None
        if ftype == "selection":
            if value is False:
                return False
            if value not in {key for key, _label in field.selection}:
                raise PyValueError(f"Wrong value for {spec.name}.{field.name}: {value!r}")
            return value
        if ftype == "date":
            if value is False:
                return False
            text = str(value)[:10]
            try:
                dt.date.fromisoformat(text)
            except ValueError:
                raise PyValueError(
                    f"time data {value!r} does not match format '%Y-%m-%d'"
                ) from None
            return text
        if ftype == "datetime":
            if value is False:
                return False
            text = str(value)
            if len(text) == 10:
                text += " 00:00:00"
            try:
                dt.datetime.fromisoformat(text[:19])
            except ValueError:
                raise PyValueError(
                    f"time data {value!r} does not match format '%Y-%m-%d %H:%M:%S'"
                ) from None
            return text[:19]
        return value

    def to_read(self, field: FieldSpec, value: Any, load: str | None) -> Any:
        """Stored value -> what ``read`` returns (``convert_to_read``)."""
        if field.type == "many2one":
            if not value:
                return False
            if load != "_classic_read":
                return value
            assert field.relation is not None
            target = self.tables[field.relation].rows.get(value)
            if target is None:
                return False
            return [value, self.display_name(field.relation, target)]
        if field.is_x2many:
            return list(value or [])
        if field.type in ("char", "text", "html", "date", "datetime", "selection"):
            return value if value not in (None, "") else False
        return value

    # ------------------------------------------------------------------ ORM: read side
    def fields_get(
        self, model: str, allfields: list[str] | None = None, attributes: list[str] | None = None
    ) -> dict[str, Any]:
        spec = self.spec(model)
        result: dict[str, Any] = {}
        for name, field in spec.fields.items():
            if allfields and name not in allfields:
                continue
            desc = field.describe()
            if attributes:
                desc = {key: val for key, val in desc.items() if key in attributes}
            result[name] = desc
        return result

    def _term(self, model: str, domain: Any, context: dict[str, Any]) -> Term:
        spec = self.spec(model)
        term = parse(domain)
        self.evaluator.validate(model, term)
        if spec.has_active and context.get("active_test", True) and not mentions(term, "active"):
            active = Leaf(("active",), "=", True, "('active', '=', True)")
            term = active if term is True else Node("&", (active, term))
        return term

    def search(
        self,
        model: str,
        domain: Any,
        offset: int = 0,
        limit: int | None = None,
        order: str | None = None,
        context: dict[str, Any] | None = None,
    ) -> list[int]:
        spec = self.spec(model)
        keys = _parse_order(spec, order or spec.order)
        term = self._term(model, domain, context or {})
        rows = self.tables[model].rows
        candidates = self.evaluator.candidates(model, term)
        end = None if not limit else offset + limit
        if len(keys) == 1 and keys[0][0] == "id":
            # id order: walk ids lazily and stop once offset + limit records matched
            ordered = sorted(rows if candidates is None else candidates, reverse=keys[0][1])
            if term is True:
                return [i for i in ordered if i in rows][offset:end]
            match = self.evaluator.match
            found: list[int] = []
            for row_id in ordered:
                row = rows.get(row_id)
                if row is not None and match(model, row, term):
                    found.append(row_id)
                    if end is not None and len(found) >= end:
                        break
            return found[offset:end]
        if candidates is None:
            pool: Any = rows.values()
        else:
            pool = (rows[i] for i in candidates if i in rows)
        if term is True:
            matched = list(pool)
        else:
            match = self.evaluator.match
            matched = [row for row in pool if match(model, row, term)]
        if ("id", False) not in keys and ("id", True) not in keys:
            keys.append(("id", False))
        for name, descending in reversed(keys):
            matched.sort(key=self._sort_key(model, name, descending), reverse=descending)
        return [row["id"] for row in matched][offset:end]

    def _sort_key(self, model: str, name: str, descending: bool) -> Callable[[Any], Any]:
        spec = self.registry[model]
        field = spec.fields[name]

        relation = field.relation if field.type == "many2one" else None

        def key(row: dict[str, Any]) -> tuple[int, Any]:
            value = self.value(model, row, name)
            if relation is not None and value:
                # Odoo orders a many2one by the comodel's _order; we use its display name
                target = self.tables[relation].rows.get(value)
                value = self.display_name(relation, target) if target else False
            if field.type == "boolean":
                return (0, bool(value))
            # PostgreSQL sorts NULLs last ascending and first descending
            if value is False or value is None:
                return (1, 0)
            if isinstance(value, str):
                return (0, value.lower())
            return (0, value)

        return key

    def search_count(self, model: str, domain: Any, context: dict[str, Any] | None = None) -> int:
        return len(self.search(model, domain, order="id", context=context))

    def read(
        self,
        model: str,
        ids: list[int],
        fields: list[str] | None = None,
        load: str | None = "_classic_read",
    ) -> list[dict[str, Any]]:
        spec = self.spec(model)
        names = list(fields) if fields else list(spec.fields)
        for name in names:
            if name not in spec.fields:
                raise PyValueError(f"Invalid field {name!r} on model {model!r}")
        rows = self.tables[model].rows
        specs = [(name, spec.fields[name]) for name in names if name != "id"]
        result: list[dict[str, Any]] = []
        for row_id in ids:
            row = rows.get(row_id)
            if row is None:
                continue  # Odoo 17 read() silently drops records that do not exist
            record: dict[str, Any] = {"id": row_id}
            for name, field in specs:
                record[name] = self.to_read(field, self.value(model, row, name), load)
            result.append(record)
        return result

    def exists(self, model: str, ids: list[int]) -> list[int]:
        rows = self.table(model).rows
        return [i for i in ids if i in rows]

    def check_exist(self, model: str, ids: list[int], uid: int) -> None:
        rows = self.table(model).rows
        missing = [i for i in ids if i not in rows]
        if missing:
            # odoo/fields.py (17.0) raises this when a record cannot be fetched
            shown = ", ".join(str(i) for i in missing)
            raise MissingError(
                "Record does not exist or has been deleted.\n"
                f"(Record: {model}({shown},), User: {uid})"
            )

    def name_search(
        self, model: str, name: str, domain: Any, operator: str, limit: int | None
    ) -> list[list[Any]]:
        spec = self.spec(model)
        full = list(domain or [])
        if name:
            full = ["&", (spec.rec_name, operator, name), *(full or [(1, "=", 1)])]
        ids = self.search(model, full, limit=limit)
        rows = self.tables[model].rows
        return [[i, self.display_name(model, rows[i])] for i in ids]

    def default_get(self, model: str, fields: list[str]) -> dict[str, Any]:
        spec = self.spec(model)
        result: dict[str, Any] = {}
        for name in fields:
            field = spec.fields.get(name)
            if field is not None and field.default is not None:
                result[name] = field.default
        result.update(rules.defaults(self, model, fields))
        return result

    # ------------------------------------------------------------------ external ids
    def set_xmlid(self, xmlid: str, model: str, res_id: int, noupdate: bool = False) -> int:
        # ir.model.data._update_xmlids writes in SQL: no access check on the caller.
        module, _, name = xmlid.partition(".")
        if not name:
            raise PyValueError(f"'{xmlid}' is not a fully qualified external id")
        existing = self.xmlids.get((module, name))
        if existing is not None:
            self.write(
                "ir.model.data", [existing], {"model": model, "res_id": res_id}, SUPERUSER_ID
            )
            return existing
        return self.create_one(
            "ir.model.data",
            {"module": module, "name": name, "model": model, "res_id": res_id,
             "noupdate": noupdate},
            SUPERUSER_ID,
        )  # fmt: skip

    def xmlid_row(self, module: str, name: str) -> XmlidRow | None:
        imd_id = self.xmlids.get((module, name))
        if imd_id is None:
            return None
        row = self.tables["ir.model.data"].rows[imd_id]
        model, res_id = str(row["model"]), int(row["res_id"] or 0)
        table = self.tables.get(model)
        return XmlidRow(imd_id, model, res_id, table is not None and res_id in table.rows)

    def group_xmlids(self) -> dict[int, str]:
        """``res.groups`` ids -> their external ids (how access rules name groups)."""
        out: dict[int, str] = {}
        imd = self.tables["ir.model.data"].rows
        for res_id in self.tables["res.groups"].rows:
            imd_ids = self.xmlids_by_record.get(("res.groups", res_id))
            if imd_ids:
                row = imd[min(imd_ids)]
                out[res_id] = f"{row['module']}.{row['name']}"
        return out

    def resolve_xmlid(self, xmlid: str) -> tuple[str, int]:
        module, _, name = xmlid.partition(".")
        imd_id = self.xmlids.get((module, name))
        if imd_id is None:
            # odoo/addons/base/models/ir_model.py (17.0), ir.model.data._xmlid_lookup
            raise PyValueError(f"External ID not found in the system: {xmlid}")
        row = self.tables["ir.model.data"].rows[imd_id]
        return str(row["model"]), int(row["res_id"])

    def _index_imd(self, row: dict[str, Any]) -> None:
        snapshot = dict(row)
        self.xmlids[(str(row["module"]), str(row["name"]))] = row["id"]
        key = (str(row["model"]), int(row["res_id"]))
        self.xmlids_by_record.setdefault(key, set()).add(row["id"])
        self._log(lambda: self._drop_imd_keys(snapshot))

    def _drop_imd_keys(self, row: dict[str, Any]) -> None:
        key = (str(row["module"]), str(row["name"]))
        if self.xmlids.get(key) == row["id"]:
            del self.xmlids[key]
        by_record = self.xmlids_by_record.get((str(row["model"]), int(row["res_id"])))
        if by_record is not None:
            by_record.discard(row["id"])

    def _unindex_imd(self, row: dict[str, Any]) -> None:
        snapshot = dict(row)
        self._drop_imd_keys(snapshot)
        self._log(lambda: self._index_imd(snapshot))

    # ------------------------------------------------------------------ ORM: create
    def create(
        self,
        model: str,
        vals_list: list[dict[str, Any]],
        uid: int,
        ctx: dict[str, Any] | None = None,
    ) -> list[int]:
        self.spec(model)
        return [self.create_one(model, vals, uid, ctx) for vals in vals_list]

    def create_one(
        self, model: str, vals: dict[str, Any], uid: int, ctx: dict[str, Any] | None = None
    ) -> int:
        spec = self.spec(model)
        if not isinstance(vals, dict):
            raise PyValueError(f"Invalid values for {model}.create(): {vals!r}")
        access.check(self, model, "create", uid)
        vals = dict(vals)
        ctx = ctx or {}
        rules.before_create(self, model, vals, uid, ctx)
        table = self.tables[model]
        now = self.now()
        plan = self._plan(model)
        row = dict(plan.blank)
        for name in plan.many2many:
            row[name] = []
        x2many: list[tuple[FieldSpec, Any]] = []
        related: dict[str, Any] = {}
        fields = spec.fields
        for name, value in vals.items():
            kind = plan.kinds.get(name)
            if kind is None:
                if name not in fields:
                    # Odoo 17's create (models.py, _add_missing_default_values / create):
                    # "ValueError: Invalid field 'x' on model 'y'"; write ignores them.
                    raise PyValueError(f"Invalid field {name!r} on model {model!r}")
                continue  # magic or non-stored computed: Odoo ignores it
            if kind == _STORED:
                row[name] = self._convert(spec, fields[name], value)
            elif kind == _X2MANY:
                x2many.append((fields[name], value))
            else:
                related[name] = value
        for field in plan.required:
            if row[field.name] is False or row[field.name] is None:
                raise _mandatory(spec, field)
        row["id"] = table.allocate_id()
        row.update(create_date=now, write_date=now, create_uid=uid, write_uid=uid)
        self._insert(model, row)
        if model == "ir.model.data":
            self._index_imd(row)
        for field, value in x2many:
            self._apply_x2many(spec, field, row["id"], value, uid)
        if related:
            self._write_related(spec, row, related, uid)
        rules.after_create(self, model, row, vals, uid, ctx)
        xid = vals.get("id")
        if self._import is not None and isinstance(xid, str) and xid:
            # O2MIdMapper.create -> ir.model.data._update_xmlids: an upsert on (module, name),
            # so a name left behind by a deleted line is simply taken over.
            full = xid if "." in xid else f"{self._import.module}.{xid}"
            self.set_xmlid(full, model, int(row["id"]), self._import.noupdate)
        return int(row["id"])

    # ------------------------------------------------------------------ ORM: write
    def write(self, model: str, ids: list[int], vals: dict[str, Any], uid: int) -> bool:
        spec = self.spec(model)
        if not isinstance(vals, dict):
            raise PyValueError(f"Invalid values for {model}.write(): {vals!r}")
        access.check(self, model, "write", uid)
        self.check_exist(model, ids, uid)
        vals = dict(vals)
        rules.before_write(self, model, ids, vals, uid)
        changes: dict[str, Any] = {}
        x2many: list[tuple[FieldSpec, Any]] = []
        related: dict[str, Any] = {}
        for name, value in vals.items():
            field = spec.fields.get(name)
            if field is None or name == "id" or (field.computed and not field.store):
                continue  # Odoo logs "write() with unknown fields" and ignores them
            if field.related is not None:
                related[name] = value
            elif field.is_x2many:
                x2many.append((field, value))
            else:
                converted = self._convert(spec, field, value)
                if field.required and converted is False:
                    raise _mandatory(spec, field)
                changes[name] = converted
        now = self.now()
        changes.update(write_date=now, write_uid=uid)
        rows = self.tables[model].rows
        if model == "ir.model.data":
            for row_id in ids:
                self._unindex_imd(rows[row_id])
        for row_id in ids:
            self._update(model, row_id, changes)
            for field, value in x2many:
                self._apply_x2many(spec, field, row_id, value, uid)
            if related:
                self._write_related(spec, rows[row_id], related, uid)
        if model == "ir.model.data":
            for row_id in ids:
                self._index_imd(rows[row_id])
        rules.after_write(self, model, ids, vals, uid)
        return True

    def _write_related(
        self, spec: ModelSpec, row: dict[str, Any], values: dict[str, Any], uid: int
    ) -> None:
        """Related fields write through to the record they point to (as Odoo's inverse)."""
        by_target: dict[tuple[str, int], dict[str, Any]] = {}
        for name, value in values.items():
            path = spec.fields[name].related
            assert path is not None
            current_model, current = spec.name, row
            for hop in path[:-1]:
                target = current.get(hop)
                relation = self.registry[current_model].fields[hop].relation
                assert relation is not None
                if not target:
                    break
                current_model, current = relation, self.tables[relation].rows[target]
            else:
                by_target.setdefault((current_model, current["id"]), {})[path[-1]] = value
        for (target_model, target_id), target_vals in by_target.items():
            self.write(target_model, [target_id], target_vals, uid)

    def _apply_x2many(
        self, spec: ModelSpec, field: FieldSpec, row_id: int, value: Any, uid: int
    ) -> None:
        assert field.relation is not None
        comodel = field.relation
        commands = parse_commands(field.name, value)
        if field.type == "one2many":
            inverse = field.inverse
            assert inverse is not None
            for command in commands:
                self._o2m_command(comodel, inverse, row_id, command, uid)
            return
        current = list(self.tables[spec.name].rows[row_id].get(field.name) or [])
        for command in commands:
            if command.code == CREATE:
                current.append(self.create_one(comodel, command.vals or {}, uid))
            elif command.code == UPDATE:
                self.write(comodel, [command.id], command.vals or {}, uid)
            elif command.code == DELETE:
                current = [i for i in current if i != command.id]
                self.unlink(comodel, [command.id], uid)
            elif command.code == UNLINK:
                current = [i for i in current if i != command.id]
            elif command.code == LINK:
                self._check_link(spec, field, [command.id])
                if command.id not in current:
                    current.append(command.id)
            elif command.code == CLEAR:
                current = []
            elif command.code == SET:
                self._check_link(spec, field, list(command.ids))
                current = list(dict.fromkeys(command.ids))
        self._update(spec.name, row_id, {field.name: current})

    def _check_link(self, spec: ModelSpec, field: FieldSpec, ids: list[int]) -> None:
        assert field.relation is not None
        rows = self.tables[field.relation].rows
        missing = [i for i in ids if i not in rows]
        if missing:
            raise _foreign_key(spec, field, missing[0])

    def _o2m_command(
        self, comodel: str, inverse: str, parent_id: int, command: Command, uid: int
    ) -> None:
        # One2many.write_real (odoo/fields.py 17.0): "unlinking" a line whose inverse
        # many2one is not ondelete='cascade' only empties the inverse field.
        table = self.tables[comodel]
        if command.code == CREATE:
            self.create_one(comodel, {**(command.vals or {}), inverse: parent_id}, uid)
        elif command.code == UPDATE:
            self.write(comodel, [command.id], command.vals or {}, uid)
        elif command.code == DELETE:
            self.unlink(comodel, [command.id], uid)
        elif command.code == UNLINK:
            self.write(comodel, [command.id], {inverse: False}, uid)
        elif command.code == LINK:
            self.write(comodel, [command.id], {inverse: parent_id}, uid)
        elif command.code in (CLEAR, SET):
            keep = set(command.ids) if command.code == SET else set()
            current = table.lookup(inverse, [parent_id]) or set()
            drop = sorted(current - keep)
            if drop:
                self.write(comodel, drop, {inverse: False}, uid)
            add = [i for i in command.ids if i not in current]
            if add:
                self.write(comodel, add, {inverse: parent_id}, uid)

    # ------------------------------------------------------------------ ORM: unlink
    def unlink(self, model: str, ids: list[int], uid: int) -> bool:
        self.spec(model)
        access.check(self, model, "unlink", uid)
        rows = self.tables[model].rows
        doomed = [i for i in dict.fromkeys(ids) if i in rows]
        if not doomed:
            return True
        doomed_set = set(doomed)
        removed = [dict(rows[i]) for i in doomed]
        for other_model, other in self.registry.items():
            for field in other.fields.values():
                if field.relation != model or field.related is not None:
                    continue
                if field.type == "many2one":
                    self._unlink_many2one(other, field, doomed, doomed_set, uid)
                elif field.type == "many2many":
                    table = self.tables[other_model]
                    for row in list(table.rows.values()):
                        links = row.get(field.name) or []
                        if any(i in doomed_set for i in links):
                            kept = [i for i in links if i not in doomed_set]
                            self._update(other_model, row["id"], {field.name: kept})
        for row_id in doomed:
            if model == "ir.model.data":
                self._unindex_imd(rows[row_id])
            self._delete(model, row_id)
            for imd_id in sorted(self.xmlids_by_record.get((model, row_id), set())):
                if imd_id in self.tables["ir.model.data"].rows:
                    self.unlink("ir.model.data", [imd_id], SUPERUSER_ID)
        rules.after_unlink(self, model, removed, uid)
        return True

    def _unlink_many2one(
        self, other: ModelSpec, field: FieldSpec, doomed: list[int], doomed_set: set[int],
        uid: int,
    ) -> None:  # fmt: skip
        table = self.tables[other.name]
        found = table.lookup(field.name, doomed)
        if found is None:
            found = {r["id"] for r in table.rows.values() if r.get(field.name) in doomed_set}
        found -= doomed_set if other.name == field.relation else set()
        if not found:
            return
        if field.required:
            raise _foreign_key(other, field)
        for row_id in sorted(found):
            self._update(other.name, row_id, {field.name: False})
