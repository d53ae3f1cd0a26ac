"""Compiles a parsed SOQL query against the schema and runs it over the record store.

Compilation resolves field paths (including parent relationships such as
``Account__r.Stripe_Customer_Id__c``), type-checks filter literals as Salesforce does, and
turns the WHERE clause into Python closures. Equality / IN conditions on ``Id`` and on unique
or external-id fields are answered from the store's indexes instead of a scan.

Comparison semantics follow the SOQL reference: text comparisons are case-insensitive, and
``!=`` / ``NOT IN`` also match records whose field is null.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from connector.sandbox.salesforce.ids import normalize_id
from connector.sandbox.salesforce.records import Record, RecordStore, index_key
from connector.sandbox.salesforce.schema import FieldDef, ObjectDef, Schema
from connector.sandbox.salesforce.soql_lexer import SoqlSyntaxError, decode_string, like_pattern
from connector.sandbox.salesforce.soql_parser import (
    BoolOp,
    Comparison,
    Expr,
    FieldPath,
    Literal,
    Not,
    Query,
    parse,
)
from connector.sandbox.salesforce.values import canonical_datetime, parse_date

MAX_OFFSET = 2000

Getter = Callable[[Record], Any]
Predicate = Callable[[Record], bool]


class QueryError(Exception):
    """A query Salesforce would refuse: ``code`` is its errorCode."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def _located(text: str, pos: int, message: str) -> str:
    """Salesforce's error text: the query line, a caret, then Row/Column and the reason."""
    before = text[:pos]
    row = before.count("\n") + 1
    line_start = before.rfind("\n") + 1
    line_end = text.find("\n", pos)
    line = text[line_start : line_end if line_end >= 0 else len(text)]
    column = pos - line_start + 1
    return f"\n{line}\n{' ' * (column - 1)}^\nERROR at Row:{row}:Column:{column}\n{message}"


@dataclass(frozen=True)
class Resolved:
    """A field path resolved to its final field and a getter from a base record."""

    fdef: FieldDef
    getter: Getter
    chain: tuple[tuple[FieldDef, ObjectDef], ...]  # (lookup field, parent object) hops


@dataclass
class CompiledQuery:
    text: str
    obj: ObjectDef
    projection: list[Any]
    count_only: bool
    count_alias: str | None
    predicate: Predicate | None
    index_plan: tuple[FieldDef, list[Any]] | None
    order: list[tuple[Getter, bool, bool]]
    limit: int | None
    offset: int


class _Compiler:
    def __init__(self, text: str, schema: Schema, store: RecordStore) -> None:
        self.text = text
        self.schema = schema
        self.store = store

    def error(self, code: str, pos: int, message: str) -> QueryError:
        return QueryError(code, _located(self.text, pos, message))

    def resolve(self, obj: ObjectDef, path: FieldPath) -> Resolved:
        parts = path.parts
        if len(parts) > 1 and parts[0].lower() == obj.name.lower():
            parts = parts[1:]  # "SELECT Account.Name FROM Account" is allowed
        current = obj
        chain: list[tuple[FieldDef, ObjectDef]] = []
        for rel_name in parts[:-1]:
            lookup = current.relationship(rel_name)
            target = (
                self.schema.get(lookup.reference_to[0])
                if lookup is not None and lookup.reference_to
                else None
            )
            if lookup is None or target is None:
                raise self.error(
                    "INVALID_FIELD",
                    path.pos,
                    f"Didn't understand relationship '{rel_name}' in field path. If you are "
                    "attempting to use a custom relationship, be sure to append the '__r' after "
                    "the custom relationship name. Please reference your WSDL or the describe "
                    "call for the appropriate names.",
                )
            chain.append((lookup, target))
            current = target
        fdef = current.field(parts[-1])
        if fdef is None:
            raise self.error(
                "INVALID_FIELD",
                path.pos,
                f"No such column '{parts[-1]}' on entity '{current.name}'. If you are attempting "
                "to use a custom field, be sure to append the '__c' after the custom field name. "
                "Please reference your WSDL or the describe call for the appropriate names.",
            )
        name = fdef.name
        if not chain:

            def base_getter(record: Record) -> Any:
                return record[name]

            return Resolved(fdef, base_getter, ())
        hops = tuple(lookup.name for lookup, _ in chain)
        store_get = self.store.get

        def parent_getter(record: Record) -> Any:
            current_record: Record | None = record
            for hop in hops:
                parent_id = current_record.get(hop) if current_record is not None else None
                if parent_id is None:
                    return None
                current_record = store_get(parent_id)
                if current_record is None or current_record["IsDeleted"]:
                    return None
            return current_record[name] if current_record is not None else None

        return Resolved(fdef, parent_getter, tuple(chain))

    # -- filter literals --------------------------------------------------------------

    def literal_value(self, fdef: FieldDef, path: FieldPath, lit: Literal) -> Any:
        """The literal converted to the field's stored form (text lower-cased)."""
        if lit.kind == "null":
            # Booleans are never null in SOQL: "= null" means false (SOQL and SOSL Reference,
            # "Use null in WHERE").
            return False if fdef.type == "boolean" else None
        kind = fdef.type
        if fdef.is_text:
            if lit.kind != "string":
                raise self.type_error(fdef, lit, "string and should be enclosed in quotes")
            return decode_string(lit.value, lit.pos).lower()
        if kind in ("id", "reference"):
            if lit.kind != "string":
                raise self.type_error(fdef, lit, "id and should be enclosed in quotes")
            raw = decode_string(lit.value, lit.pos)
            record_id = normalize_id(raw)
            if record_id is None:
                raise self.error(
                    "INVALID_QUERY_FILTER_OPERATOR", lit.pos, f"invalid ID field: {raw}"
                )
            return record_id
        if fdef.is_number:
            if lit.kind != "number":
                raise self.type_error(fdef, lit, "double and should not be enclosed in quotes")
            return lit.value
        if kind == "boolean":
            if lit.kind != "bool":
                raise self.type_error(fdef, lit, "boolean and should not be enclosed in quotes")
            return lit.value
        if kind == "date":
            if lit.kind == "date_range":
                return _date_range(lit.value, as_datetime=False)
            if lit.kind != "date":
                raise self.type_error(fdef, lit, "date and should not be enclosed in quotes")
            if parse_date(lit.value) is None:
                raise self.error("MALFORMED_QUERY", lit.pos, f"invalid date: {lit.value}")
            return lit.value
        if kind == "datetime":
            if lit.kind == "date_range":
                return _date_range(lit.value, as_datetime=True)
            if lit.kind != "datetime":
                raise self.type_error(fdef, lit, "dateTime and should not be enclosed in quotes")
            stamp = canonical_datetime(lit.value)
            if stamp is None:
                raise self.error("MALFORMED_QUERY", lit.pos, f"invalid dateTime: {lit.value}")
            return stamp
        raise self.error(
            "INVALID_QUERY_FILTER_OPERATOR", lit.pos, f"field '{fdef.name}' can not be filtered"
        )

    def type_error(self, fdef: FieldDef, lit: Literal, expected: str) -> QueryError:
        return self.error(
            "INVALID_QUERY_FILTER_OPERATOR",
            lit.pos,
            f"value of filter criterion for field '{fdef.name}' must be of type {expected}",
        )

    # -- conditions -----------------------------------------------------------------------

    def condition(self, obj: ObjectDef, expr: Expr) -> Predicate:
        if isinstance(expr, BoolOp):
            parts = [self.condition(obj, item) for item in expr.items]
            if expr.op == "AND":
                return lambda r: all(p(r) for p in parts)
            return lambda r: any(p(r) for p in parts)
        if isinstance(expr, Not):
            inner = self.condition(obj, expr.item)
            return lambda r: not inner(r)
        return self.comparison(obj, expr)

    def comparison(self, obj: ObjectDef, comp: Comparison) -> Predicate:
        resolved = self.resolve(obj, comp.path)
        fdef, get = resolved.fdef, resolved.getter
        text = fdef.is_text
        op = comp.op
        if op == "LIKE":
            if not text:
                raise self.error(
                    "INVALID_QUERY_FILTER_OPERATOR",
                    comp.path.pos,
                    f"invalid operator on field '{fdef.name}': LIKE",
                )
            pattern = like_pattern(comp.values[0].value, comp.values[0].pos)
            match = pattern.match

            def like(r: Record) -> bool:
                value = get(r)
                return value is not None and match(value) is not None

            return like
        values = [self.literal_value(fdef, comp.path, lit) for lit in comp.values]
        if op in ("IN", "NOT_IN"):
            if any(isinstance(v, tuple) for v in values):
                raise self.error("MALFORMED_QUERY", comp.path.pos, "invalid date literal in IN")
            wanted = set(values)
            has_null = None in wanted
            if op == "IN":
                if text:
                    return lambda r: (
                        ((v := get(r)) is None and has_null)
                        or (v is not None and v.lower() in wanted)
                    )
                return lambda r: get(r) in wanted
            if text:
                return lambda r: (
                    not (
                        ((v := get(r)) is None and has_null)
                        or (v is not None and v.lower() in wanted)
                    )
                )
            return lambda r: get(r) not in wanted
        target = values[0]
        if isinstance(target, tuple):
            return _range_predicate(get, op, target)
        if target is None:
            if op == "=":
                return lambda r: get(r) is None
            if op == "!=":
                return lambda r: get(r) is not None
            return lambda r: False
        norm: Getter = (lambda r: (v := get(r)) and v.lower()) if text else get
        if op == "=":
            return lambda r: norm(r) == target
        if op == "!=":
            return lambda r: norm(r) != target
        compare = _COMPARE[op]
        return lambda r: (v := norm(r)) is not None and compare(v, target)

    def index_plan(self, obj: ObjectDef, expr: Expr | None) -> tuple[FieldDef, list[Any]] | None:
        """An indexed ``=``/``IN`` condition that every result must satisfy, if any."""
        if expr is None:
            return None
        if isinstance(expr, Comparison):
            if expr.op not in ("=", "IN") or len(expr.path.parts) != 1:
                return None
            fdef = obj.field(expr.path.parts[0])
            if fdef is None or not (fdef.type == "id" or self.store.has_index(obj, fdef)):
                return None
            if fdef.case_sensitive:
                return None  # the index holds exact values; SOQL compares case-insensitively
            keys: list[Any] = []
            for lit in expr.values:
                value = self.literal_value(fdef, expr.path, lit)
                if value is None or isinstance(value, tuple):
                    return None
                # Literals are already in index form: ids normalised, text lower-cased.
                keys.append(value if fdef.type == "id" or fdef.is_text else index_key(fdef, value))
            return fdef, keys
        if isinstance(expr, BoolOp) and expr.op == "AND":
            plans = [p for p in (self.index_plan(obj, item) for item in expr.items) if p]
            return min(plans, key=lambda p: len(p[1])) if plans else None
        return None

    # -- projection -------------------------------------------------------------------------

    def projection(self, obj: ObjectDef, paths: tuple[FieldPath, ...]) -> list[Any]:
        """Nested layout of the selected fields: ``("f", name)`` / ``("r", rel, fk, obj, sub)``."""
        root: list[Any] = []
        seen: set[str] = set()
        for path in paths:
            resolved = self.resolve(obj, path)
            key = ".".join([lk.name for lk, _ in resolved.chain] + [resolved.fdef.name]).lower()
            if key in seen:
                raise self.error(
                    "MALFORMED_QUERY", path.pos, f"duplicate field selected: {path.text}"
                )
            seen.add(key)
            level = root
            for lookup, target in resolved.chain:
                rel_name = lookup.relationship_name or lookup.name
                entry = next((e for e in level if e[0] == "r" and e[1] == rel_name), None)
                if entry is None:
                    entry = ("r", rel_name, lookup.name, target, [])
                    level.append(entry)
                level = entry[4]
            level.append(("f", resolved.fdef.name))
        return root


_COMPARE: dict[str, Callable[[Any, Any], bool]] = {
    "<": lambda a, b: a < b,
    ">": lambda a, b: a > b,
    "<=": lambda a, b: a <= b,
    ">=": lambda a, b: a >= b,
}


def _date_range(value: tuple[str, int], as_datetime: bool) -> tuple[str, str]:
    """[start, end) of a date literal such as TODAY or LAST_N_DAYS:n, in stored form."""
    word, n = value
    today = dt.datetime.now(dt.UTC).date()
    one = dt.timedelta(days=1)
    if word == "TODAY":
        start, end = today, today + one
    elif word == "YESTERDAY":
        start, end = today - one, today
    elif word == "TOMORROW":
        start, end = today + one, today + 2 * one
    elif word == "LAST_N_DAYS":
        start, end = today - n * one, today + one
    else:  # NEXT_N_DAYS
        start, end = today + one, today + (n + 1) * one
    if as_datetime:
        return (f"{start.isoformat()}T00:00:00.000+0000", f"{end.isoformat()}T00:00:00.000+0000")
    return start.isoformat(), end.isoformat()


def _range_predicate(get: Getter, op: str, bounds: tuple[str, str]) -> Predicate:
    start, end = bounds
    if op == "=":
        return lambda r: (v := get(r)) is not None and start <= v < end
    if op == "!=":
        return lambda r: (v := get(r)) is None or not start <= v < end
    if op == "<":
        return lambda r: (v := get(r)) is not None and v < start
    if op == "<=":
        return lambda r: (v := get(r)) is not None and v < end
    if op == ">":
        return lambda r: (v := get(r)) is not None and v >= end
    return lambda r: (v := get(r)) is not None and v >= start


def compile_query(text: str, schema: Schema, store: RecordStore) -> CompiledQuery:
    """Parse and compile ``text``; raises :class:`QueryError` as Salesforce would refuse it."""
    compiler = _Compiler(text, schema, store)
    try:
        query: Query = parse(text)
        obj = schema.get(query.object_name)
        if obj is None:
            raise compiler.error(
                "INVALID_TYPE",
                query.object_pos,
                f"sObject type '{query.object_name}' is not supported. If you are attempting to "
                "use a custom object, be sure to append the '__c' after the entity name. Please "
                "reference your WSDL or the describe call for the appropriate names.",
            )
        projection = compiler.projection(obj, query.fields)
        if query.count is not None and query.count.path is not None:
            compiler.resolve(obj, query.count.path)
        predicate = compiler.condition(obj, query.where) if query.where is not None else None
        plan = compiler.index_plan(obj, query.where)
        order: list[tuple[Getter, bool, bool]] = []
        for item in query.order_by:
            resolved = compiler.resolve(obj, item.path)
            getter = resolved.getter
            if resolved.fdef.is_text:
                getter = _lowered(getter)
            order.append((getter, item.descending, item.nulls_first))
        if query.offset is not None and query.offset > MAX_OFFSET:
            raise QueryError(
                "NUMBER_OUTSIDE_VALID_RANGE", f"Maximum SOQL offset allowed is {MAX_OFFSET}"
            )
    except SoqlSyntaxError as exc:
        raise QueryError("MALFORMED_QUERY", _located(text, exc.pos, exc.message)) from None
    count_alias = None
    if query.count is not None and query.count.path is not None:
        count_alias = query.count.alias or "expr0"
    return CompiledQuery(
        text=text,
        obj=obj,
        projection=projection,
        count_only=query.count is not None and query.count.path is None,
        count_alias=count_alias,
        predicate=predicate,
        index_plan=plan,
        order=order,
        limit=query.limit,
        offset=query.offset or 0,
    )


def _lowered(getter: Getter) -> Getter:
    return lambda r: (v := getter(r)) and v.lower()


def execute(compiled: CompiledQuery, store: RecordStore, include_deleted: bool) -> list[Record]:
    """The matching base records, filtered, ordered, offset and limited."""
    obj = compiled.obj
    with store.lock:
        rows: list[Record]
        plan = compiled.index_plan
        if plan is not None and not include_deleted:
            fdef, keys = plan
            if fdef.type == "id":
                table = store.tables[obj.name]
                rows = [r for k in dict.fromkeys(keys) if (r := table.get(k)) is not None]
                rows = [r for r in rows if not r["IsDeleted"]]
            else:
                table = store.tables[obj.name]
                rows = [table[i] for i in store.index_lookup(obj, fdef, keys)]
        else:
            rows = list(store.records(obj, include_deleted))
        predicate = compiled.predicate
        if predicate is not None:
            rows = [r for r in rows if predicate(r)]
    for getter, descending, nulls_first in reversed(compiled.order):
        present = [r for r in rows if getter(r) is not None]
        absent = [r for r in rows if getter(r) is None]
        present.sort(key=getter, reverse=descending)
        rows = absent + present if nulls_first else present + absent
    if compiled.offset:
        rows = rows[compiled.offset :]
    if compiled.limit is not None:
        rows = rows[: compiled.limit]
    return rows


def project(
    record: Record, layout: list[Any], obj: ObjectDef, store: RecordStore, url_prefix: str
) -> dict[str, Any]:
    """A query result row in Salesforce's shape, parents nested under relationship names."""
    out: dict[str, Any] = {
        "attributes": {"type": obj.name, "url": f"{url_prefix}/sobjects/{obj.name}/{record['Id']}"}
    }
    for entry in layout:
        if entry[0] == "f":
            out[entry[1]] = record[entry[1]]
            continue
        _, rel_name, fk_name, target, sub = entry
        parent_id = record.get(fk_name)
        parent = store.get(parent_id) if parent_id else None
        if parent is None or parent["IsDeleted"]:
            out[rel_name] = None
        else:
            out[rel_name] = project(parent, sub, target, store, url_prefix)
    return out
