"""Odoo search domains: prefix notation (``&``, ``|``, ``!``) over ``(path, operator, value)``.

Semantics follow Odoo 17's ``odoo/osv/expression.py``: consecutive terms are implicitly
AND-ed; ``('f', '=', False)`` matches unset values; ``!=`` / ``not in`` / ``not ilike``
also match unset values (Odoo adds ``OR col IS NULL``); order comparisons never match unset
values; a dotted path (``partner_id.ref``) follows many2one / x2many links, matching when any
linked record matches (Odoo's sub-query: records without a link never match, whatever the
operator). Malformed leaves raise ``ValueError("Invalid leaf ...")`` and unknown
fields ``ValueError("Invalid field model.field in leaf ...")``, as Odoo does.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cached_property
from typing import Any, Protocol

from connector.sandbox.odoo.errors import PyValueError
from connector.sandbox.odoo.field_types import ModelSpec

TERM_OPERATORS = frozenset(
    {
        "=", "!=", "<=", "<", ">", ">=", "=?", "=like", "=ilike", "like", "not like",
        "ilike", "not ilike", "in", "not in", "child_of", "parent_of", "any", "not any",
    }
)  # fmt: skip
NEGATIVE = frozenset({"!=", "not like", "not ilike", "not in"})
INDEXABLE = frozenset({"=", "in"})


class Store(Protocol):
    """What the domain evaluator needs from the database."""

    def spec(self, model: str) -> ModelSpec: ...

    def rows(self, model: str) -> dict[int, dict[str, Any]]: ...

    def value(self, model: str, row: dict[str, Any], field: str) -> Any: ...

    def index_lookup(self, model: str, field: str, values: list[Any]) -> set[int] | None: ...

    def index_estimate(self, model: str, field: str, values: list[Any]) -> int | None: ...

    def index_prefixed(self, model: str, field: str, prefix: str) -> set[int] | None: ...


@dataclass(frozen=True)
class Leaf:
    path: tuple[str, ...]
    operator: str
    value: Any
    text: str

    @cached_property
    def members(self) -> Members:
        """The value of an ``in`` / ``not in`` leaf, prepared once for every row it tests."""
        return Members.of(self.value)


@dataclass(frozen=True)
class Members:
    """A list operand as a set: a hash look-up per row, as PostgreSQL's index gives Odoo.

    Without it every row costs a scan of the list, and a batch of 1,000 external ids against
    40,000 rows costs 40 million comparisons where Odoo costs 1,000 index probes.
    """

    values: frozenset[Any] | tuple[Any, ...]  # a tuple only when a member is unhashable
    has_false: bool

    @staticmethod
    def of(value: Any) -> Members:
        values = tuple(value) if isinstance(value, list | tuple | set) else (value,)
        has_false = any(v is False or v is None for v in values)
        try:
            return Members(frozenset(values), has_false)
        except TypeError:
            return Members(values, has_false)


@dataclass(frozen=True)
class Node:
    op: str  # "&", "|", "!"
    children: tuple[Node | Leaf | bool, ...]


Term = Node | Leaf | bool


def _leaf_text(element: Any) -> str:
    if isinstance(element, list):
        return "(" + ", ".join(repr(part) for part in element) + ")"
    return str(element)


def _is_leaf(element: Any) -> bool:
    return (
        isinstance(element, list | tuple)
        and len(element) == 3
        and isinstance(element[1], str)
        and element[1].lower() in TERM_OPERATORS | {"<>", "=="}
        and (isinstance(element[0], str) or tuple(element) in ((1, "=", 1), (0, "=", 1)))
    )


def parse(domain: Any) -> Term:
    """Parse a domain into a tree; an empty domain is ``True``."""
    if domain is None or domain is False:
        return True
    if not isinstance(domain, list | tuple):
        raise PyValueError(
            "Domains to normalize must have a 'domain' form: a list or tuple of domain components"
        )
    stack: list[Term] = []
    for element in reversed(list(domain)):
        if element in ("&", "|"):
            if len(stack) < 2:
                raise PyValueError(f"Domain {domain!r} is syntactically not correct.")
            left, right = stack.pop(), stack.pop()
            stack.append(Node(str(element), (left, right)))
        elif element == "!":
            if not stack:
                raise PyValueError(f"Domain {domain!r} is syntactically not correct.")
            stack.append(Node("!", (stack.pop(),)))
        elif _is_leaf(element):
            left, operator, right = element
            if left in (0, 1):
                stack.append(left == 1)
                continue
            operator = operator.lower()
            operator = {"<>": "!=", "==": "="}.get(operator, operator)
            stack.append(Leaf(tuple(str(left).split(".")), operator, right, _leaf_text(element)))
        else:
            raise PyValueError(f"Invalid leaf {_leaf_text(element)}")
    if not stack:
        return True
    term = stack.pop()
    while stack:  # implicit '&' between consecutive top-level terms
        term = Node("&", (term, stack.pop()))
    return term


def mentions(term: Term, field: str) -> bool:
    """Whether any leaf of ``term`` is on ``field`` (Odoo's test to skip ``active`` filtering)."""
    if isinstance(term, Leaf):
        return term.path[0] == field
    if isinstance(term, Node):
        return any(mentions(child, field) for child in term.children)
    return False


def _like(pattern: str, value: str, sql: bool, ci: bool) -> bool:
    if not sql:
        return (pattern.lower() in value.lower()) if ci else (pattern in value)
    if ci:
        return _like_regex(pattern.lower()).fullmatch(value.lower()) is not None
    return _like_regex(pattern).fullmatch(value) is not None


def _like_prefix(leaf: Leaf) -> str | None:
    """The literal prefix of an ``=like 'prefix%'`` leaf (a btree range scan), else None."""
    if leaf.operator != "=like" or not isinstance(leaf.value, str):
        return None
    pattern = leaf.value
    if not pattern.endswith("%") or pattern.endswith("\\%"):
        return None
    literal: list[str] = []
    chars = iter(pattern[:-1])
    for ch in chars:
        if ch == "\\":
            literal.append(next(chars, "\\"))
        elif ch in "%_":
            return None  # a wildcard inside: not a plain prefix
        else:
            literal.append(ch)
    return "".join(literal)


@functools.lru_cache(maxsize=4096)
def _like_regex(pattern: str) -> re.Pattern[str]:
    """SQL LIKE as PostgreSQL reads it (Odoo passes ``=like`` patterns through unchanged):
    ``%`` any run, ``_`` one character, and a backslash (the default escape) makes the next
    character literal."""
    out: list[str] = []
    chars = iter(pattern)
    for ch in chars:
        if ch == "\\":
            out.append(re.escape(next(chars, "\\")))
        elif ch == "%":
            out.append(".*")
        elif ch == "_":
            out.append(".")
        else:
            out.append(re.escape(ch))
    return re.compile("".join(out), re.DOTALL)


def _is_empty(value: Any) -> bool:
    return value is False or value is None or value == []


def compare(stored: Any, operator: str, value: Any, ftype: str) -> bool:
    """Evaluate one leaf on a scalar (or id list for x2many) stored value.

    ``value`` may come as :class:`Members` (prepared by the leaf) for ``in`` / ``not in``.
    """
    if ftype in ("one2many", "many2many"):
        ids = stored or []
        if operator in ("=", "!=") and value is False:
            return (not ids) == (operator == "=")
        wanted = (value if isinstance(value, Members) else Members.of(value)).values
        hit = any(i in wanted for i in ids)
        if operator in ("in", "="):
            return hit
        if operator in ("not in", "!="):
            return not hit
        raise PyValueError(f"Invalid operator {operator!r} for x2many field")
    empty = _is_empty(stored) and ftype != "boolean"
    if ftype == "boolean":
        stored = bool(stored)
        if value is None:
            value = False
    if operator == "=?":
        return True if _is_empty(value) else compare(stored, "=", value, ftype)
    if operator in ("=", "!="):
        if value is False or value is None:
            result = (not stored) if ftype == "boolean" else empty
        else:
            if ftype in ("float", "monetary"):
                result = not empty and float(stored) == float(value)
            else:
                result = not empty and stored == value
        return result if operator == "=" else not result
    if operator in ("in", "not in"):
        members = value if isinstance(value, Members) else Members.of(value)
        if ftype == "boolean":
            result = stored in {bool(v) for v in members.values}
        else:
            result = (empty and members.has_false) or (not empty and stored in members.values)
        return result if operator == "in" else not result
    if operator in ("like", "ilike", "=like", "=ilike", "not like", "not ilike"):
        positive = operator.replace("not ", "")
        if empty:
            return operator.startswith("not")
        result = _like(
            "" if value is False else str(value),
            str(stored),
            sql=positive.startswith("="),
            ci="ilike" in positive,
        )
        return not result if operator.startswith("not") else result
    if operator in ("<", ">", "<=", ">="):
        if empty or value is False or value is None:
            return False
        if ftype in ("date", "datetime") and isinstance(value, str):
            left, right = str(stored), value.replace("T", " ").removesuffix("Z")[:19]
            if ftype == "datetime" and len(right) == 10:
                right += " 00:00:00"
            return _ORDER_OPS[operator](left, right)
        try:
            return _ORDER_OPS[operator](stored, value)
        except TypeError:
            return False
    raise PyValueError(f"Invalid operator {operator!r}")


_ORDER_OPS: dict[str, Callable[[Any, Any], bool]] = {
    "<": lambda a, b: a < b,
    ">": lambda a, b: a > b,
    "<=": lambda a, b: a <= b,
    ">=": lambda a, b: a >= b,
}


class Evaluator:
    """Evaluates parsed domains against one store, using its indexes when it can."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def validate(self, model: str, term: Term) -> None:
        if isinstance(term, Leaf):
            self._check_path(model, term)
        elif isinstance(term, Node):
            for child in term.children:
                self.validate(model, child)

    def _check_path(self, model: str, leaf: Leaf) -> None:
        spec = self.store.spec(model)
        for position, name in enumerate(leaf.path):
            field = spec.fields.get(name)
            if field is None:
                raise PyValueError(f"Invalid field {spec.name}.{name} in leaf {leaf.text}")
            if position < len(leaf.path) - 1:
                if field.relation is None:
                    raise PyValueError(f"Invalid field {spec.name}.{name} in leaf {leaf.text}")
                spec = self.store.spec(field.relation)

    def _indexed(self, model: str, leaf: Leaf) -> tuple[str, list[Any]] | None:
        """(field, values) when an index answers this single-field leaf, else ``None``."""
        if len(leaf.path) > 1 or leaf.operator not in INDEXABLE:
            return None
        values = leaf.value if leaf.operator == "in" else [leaf.value]
        if not isinstance(values, list | tuple):
            return None
        name = leaf.path[0]
        if name == "id":
            return name, [v for v in values if isinstance(v, int) and not isinstance(v, bool)]
        if any(v is False or v is None for v in values):
            return None
        field = self.store.spec(model).fields[name]
        if field.type == "many2one" and not all(
            isinstance(v, int) and not isinstance(v, bool) for v in values
        ):
            return None  # names are name-searched, not looked up
        return name, list(values)

    def estimate(self, model: str, term: Term) -> int | None:
        """How many candidates :meth:`candidates` would give, or ``None`` if unknown cheaply."""
        if isinstance(term, Leaf):
            prefix = _like_prefix(term) if len(term.path) == 1 else None
            if prefix is not None:
                found = self.store.index_prefixed(model, term.path[0], prefix)
                return None if found is None else len(found)
            indexed = self._indexed(model, term)
            if indexed is None:
                return None
            name, values = indexed
            if name == "id":
                return len(values)
            return self.store.index_estimate(model, name, values)
        if isinstance(term, Node) and term.op in ("&", "|"):
            sizes = [self.estimate(model, child) for child in term.children]
            known = [size for size in sizes if size is not None]
            if term.op == "&":
                return min(known) if known else None
            return sum(known) if len(known) == len(sizes) else None
        return None

    def candidates(self, model: str, term: Term) -> set[int] | None:
        """Ids that may match (from indexes), or ``None`` when a scan is needed.

        A superset is fine: every candidate is matched against the whole domain afterwards.
        """
        if isinstance(term, Leaf):
            if len(term.path) > 1:
                return self._path_candidates(model, term)
            prefix = _like_prefix(term)
            if prefix is not None:
                return self.store.index_prefixed(model, term.path[0], prefix)
            indexed = self._indexed(model, term)
            if indexed is None:
                return None
            name, values = indexed
            if name == "id":
                return set(values)
            return self.store.index_lookup(model, name, values)
        if isinstance(term, Node) and term.op == "&":
            # As a query planner does: the most selective indexed child bounds the result.
            # Intersecting it with large sets (``module = x`` holds every external id of a
            # module) would cost more than matching its few rows against the other children.
            sized = [
                (size, index)
                for index, child in enumerate(term.children)
                if (size := self.estimate(model, child)) is not None
            ]
            if sized:
                return self.candidates(model, term.children[min(sized)[1]])
            sets = [s for s in (self.candidates(model, c) for c in term.children) if s is not None]
            if not sets:
                return None
            sets.sort(key=len)
            result = sets[0]
            for other in sets[1:]:
                result = result & other
            return result
        if isinstance(term, Node) and term.op == "|":
            union: set[int] = set()
            for child in term.children:
                found = self.candidates(model, child)
                if found is None:
                    return None
                union |= found
            return union
        return None

    def _path_candidates(self, model: str, leaf: Leaf) -> set[int] | None:
        """``partner_id.ref = x``: find matching partners first, then use the m2o index
        (Odoo runs the same as a sub-query)."""
        field = self.store.spec(model).fields[leaf.path[0]]
        if field.type != "many2one" or field.relation is None:
            return None
        sub_leaf = Leaf(leaf.path[1:], leaf.operator, leaf.value, leaf.text)
        targets = self.matching_ids(field.relation, sub_leaf)
        return self.store.index_lookup(model, leaf.path[0], sorted(targets))

    def matching_ids(self, model: str, term: Term) -> set[int]:
        rows = self.store.rows(model)
        candidates = self.candidates(model, term)
        pool = rows.values() if candidates is None else (rows[i] for i in candidates if i in rows)
        return {row["id"] for row in pool if self.match(model, row, term)}

    def match(self, model: str, row: dict[str, Any], term: Term) -> bool:
        if term is True or term is False:
            return term
        if isinstance(term, Node):
            if term.op == "&":
                return all(self.match(model, row, child) for child in term.children)
            if term.op == "|":
                return any(self.match(model, row, child) for child in term.children)
            return not self.match(model, row, term.children[0])
        return self._match_leaf(model, row, term, term.path)

    def _match_leaf(
        self, model: str, row: dict[str, Any], leaf: Leaf, path: tuple[str, ...]
    ) -> bool:
        spec = self.store.spec(model)
        field = spec.fields[path[0]]
        stored = row["id"] if path[0] == "id" else self.store.value(model, row, path[0])
        if len(path) > 1:
            assert field.relation is not None
            ids: Iterable[int] = (
                stored if isinstance(stored, list) else ([stored] if stored else [])
            )
            rows = self.store.rows(field.relation)
            linked = [rows[i] for i in ids if i in rows]
            # Odoo 17 turns a path into "link in (sub-query with the same operator)", so even
            # negative operators need a linked record that satisfies them.
            return any(self._match_leaf(field.relation, r, leaf, path[1:]) for r in linked)
        if leaf.operator in ("child_of", "parent_of"):
            return self._hierarchy(model, row, leaf)
        value = leaf.value
        if field.type == "many2one" and isinstance(value, str) and leaf.operator in (
            "=", "!=", "like", "ilike", "not like", "not ilike", "=like", "=ilike",
        ):  # fmt: skip
            # Odoo name-searches the comodel when a many2one is compared with a string.
            assert field.relation is not None
            target = self.store.rows(field.relation).get(stored) if stored else None
            if target is None:
                return leaf.operator in NEGATIVE
            label = self.store.value(field.relation, target, "display_name")
            operator = "ilike" if leaf.operator == "=" else leaf.operator
            operator = "not ilike" if operator == "!=" else operator
            return compare(label, operator, value, "char")
        if leaf.operator in ("in", "not in"):
            return compare(stored, leaf.operator, leaf.members, field.type)
        return compare(stored, leaf.operator, value, field.type)

    def _hierarchy(self, model: str, row: dict[str, Any], leaf: Leaf) -> bool:
        wanted = set(leaf.value if isinstance(leaf.value, list | tuple) else [leaf.value])
        rows = self.store.rows(model)
        if leaf.operator == "child_of":
            current: dict[str, Any] | None = row
            seen: set[int] = set()
            while current is not None and current["id"] not in seen:
                if current["id"] in wanted:
                    return True
                seen.add(current["id"])
                parent = current.get("parent_id")
                current = rows.get(parent) if parent else None
            return False
        # parent_of: row is an ancestor of one of the wanted records
        for start in wanted:
            current = rows.get(start)
            while current is not None:
                if current["id"] == row["id"]:
                    return True
                parent = current.get("parent_id")
                current = rows.get(parent) if parent else None
        return False
