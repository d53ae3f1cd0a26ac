"""Writing a batch of creates and updates of one mapped object, answering per record.

Calls per batch (N records; "≤" where a step is skipped when nothing needs it):

- ≤ 1 ``ir.model.data.search_read`` resolving the batch's own external ids (a planned create
  whose record exists after all becomes an update: re-runs never duplicate) and the
  external ids of the records they reference (``ref: partner``), none for ids this run
  resolved already;
- ≤ 1 ``search_read`` per look-up model for values not cached yet;
- ≤ 1 ``search_read`` checking that records behind planned creates' external ids are gone;
- creates: 1 ``load`` (Odoo's import API) creating the headers, their lines and the
  external ids of both in one transaction (see :mod:`.loading`), + 1 more ``load`` when
  Odoo refuses some records (that call is rolled back whole; the rest are loaded again);
- updates: the current header fields, lines and line external ids when lines or
  side-effect-prone fields change, as this run's planning read them (:mod:`.run_memo`;
  ≤ 3 reads when it did not); then one ``write(ids, vals)`` per group of records
  whose vals are identical, and one ``write`` per record otherwise. Odoo has no batch write
  with per-record values, so a batch of N records with distinct changes costs N writes (a
  failed group write is retried record by record so one bad record does not fail its
  group); ≤ 1 ``search_read``, 1 ``ir.model.data`` search_read and 1 create for lines added
  by updates;
- ``sale.subscription``: the follow-up writes of :mod:`.model_rules`.

A created record and its external id are one transaction, so a crash can no longer leave a
record the next run does not find (and creates again).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from adapters.odoo import xmlids
from adapters.odoo.client import OdooClient, Row, Vals
from adapters.odoo.errors import OdooRefused
from adapters.odoo.grouping import group_by_vals
from adapters.odoo.lines import (
    CurrentLine,
    LineCommands,
    LineValues,
    ValsOf,
    line_commands,
    rewrite_commands,
    untaxed,
)
from adapters.odoo.load_rows import CellError, Column, Layout, Line, LoadRecord
from adapters.odoo.loading import Block, Refusal, load_blocks
from adapters.odoo.lookups import LookupCache
from adapters.odoo.model_rules import FollowUp, ModelRules, rules_for
from adapters.odoo.reader import IMD, OdooReader
from adapters.odoo.schema import FieldInfo, ObjectInfo
from adapters.odoo.values import ConversionError, to_odoo
from connector.errors import RetryableAdapterError
from connector.mapping import CompiledMapping
from connector.records import JsonValue, WriteError, WriteRequest, WriteResult
from connector.redaction import redact_text


class RecordFailed(Exception):
    """One record cannot be written; carries the error to report for it."""

    def __init__(self, error: WriteError) -> None:
        super().__init__(str(error))
        self.error = error


@dataclass
class _Item:
    request: WriteRequest
    name: str  # our external id's name
    record_id: int | None = None
    vals: Vals = field(default_factory=dict)  # header vals, lines excluded
    lines: dict[str, list[LineValues]] = field(default_factory=dict)
    commands: dict[str, LineCommands] = field(default_factory=dict)
    before: dict[str, set[int]] = field(default_factory=dict)  # line ids before our write
    result: WriteResult | None = None

    def fail(self, error: WriteError) -> None:
        self.result = WriteResult(self.request.key, False, error=error)

    def succeed(self, created: bool) -> None:
        self.result = WriteResult(self.request.key, True, str(self.record_id), created=created)

    @property
    def pending(self) -> bool:
        return self.result is None


def _refused(exc: OdooRefused) -> WriteError:
    return WriteError(exc.code, redact_text(exc.message), retryable=False, fields=exc.fields)


def _transient(exc: RetryableAdapterError) -> WriteError:
    return WriteError(exc.code, redact_text(exc.message), retryable=True)


def _failure(exc: OdooRefused | RetryableAdapterError) -> WriteError:
    return _refused(exc) if isinstance(exc, OdooRefused) else _transient(exc)


class OdooWriter:
    def __init__(
        self,
        client: OdooClient,
        reader: OdooReader,
        lookups: LookupCache,
        mapping: CompiledMapping,
        namespace: str,
    ) -> None:
        self.client = client
        self.reader = reader
        self.lookups = lookups
        self.mapping = mapping
        self.namespace = namespace

    # -- entry point -------------------------------------------------------------------

    def write(self, obj: ObjectInfo, requests: Sequence[WriteRequest]) -> list[WriteResult]:
        items = [_Item(r, xmlids.record_name(obj.name, r.key)) for r in requests]
        self._write_items(obj, items)
        self._forget_rows(obj, items)
        self.reader.memo.remember_ids(
            {item.name: item.record_id for item in items if item.record_id is not None}
        )
        out: list[WriteResult] = []
        for item in items:
            if item.result is None:  # defensive: every path sets a result
                item.fail(WriteError("NOT_WRITTEN", "no outcome", retryable=True))
            assert item.result is not None
            out.append(item.result)
        return out

    def _write_items(self, obj: ObjectInfo, items: list[_Item]) -> None:
        """Write ``items``; a call of several records that runs out of retries leaves them
        pending, and they go on one by one (:meth:`_alone`)."""
        rules = rules_for(
            obj.model,
            self.client,
            frozenset(f.target for f in obj.fields),
            self.reader.memo.stage_types,
        )
        resolved: dict[tuple[str, str], dict[str, int]] = {}
        try:
            refs, found = self._resolve_ids(obj, items)
            resolved = self._resolve_lookups(obj, items)
            for item in items:
                self._prepare(obj, item, refs, found, resolved)
            self._drop_stale_ids(obj, [i for i in items if i.pending and i.record_id is not None])
        except OdooRefused as exc:
            for item in items:
                if item.pending:
                    item.fail(_refused(exc))
        except RetryableAdapterError as exc:
            self._alone(obj, [i for i in items if i.pending], exc, shared=len(items) > 1)
            return
        creates = [i for i in items if i.pending and i.record_id is None]
        updates = [i for i in items if i.pending and i.record_id is not None]
        for phase, batch in ((self._create, creates), (self._update, updates)):
            if not batch:
                continue
            lost: RetryableAdapterError | None = None
            try:
                phase(obj, batch, rules, resolved)
            except RetryableAdapterError as exc:
                lost = exc
            # Records a lost call of several left pending have had no call of their own yet.
            pending = [item for item in batch if item.pending]
            if pending:
                error = lost or RetryableAdapterError(
                    self.client.system, "a call of its batch ran out of retries", "NOT_WRITTEN"
                )
                self._alone(obj, pending, error, shared=len(items) > 1)

    def _alone(
        self, obj: ObjectInfo, pending: list[_Item], exc: RetryableAdapterError, *, shared: bool
    ) -> None:
        """Pending records after a call ran out of retries: when that call carried other
        records too, each one goes on in calls of its own (every step is idempotent: load by
        external id, writes of values, line commands computed again from what Odoo holds);
        a record is failed only when a call of its own is lost."""
        if not shared:
            for item in pending:
                item.fail(_transient(exc))
            return
        for item in pending:
            fresh = _Item(item.request, item.name)
            self._write_items(obj, [fresh])
            item.record_id, item.result = fresh.record_id, fresh.result

    # -- resolving ids, references and look-ups --------------------------------------

    def _resolve_ids(
        self, obj: ObjectInfo, items: Sequence[_Item]
    ) -> tuple[dict[tuple[str, str], int], dict[str, int]]:
        wanted: dict[str, str] = {item.name: obj.model for item in items}
        ref_names: dict[tuple[str, str], str] = {}
        for item in items:
            for spec in obj.fields:
                value = item.request.fields.get(spec.target)
                if spec.kind == "ref" and spec.ref_object and isinstance(value, dict):
                    key = str(value.get("key"))
                    name = xmlids.record_name(spec.ref_object, key)
                    ref_names[(spec.ref_object, key)] = name
                    wanted[name] = self.mapping.objects[spec.ref_object].target
        own = self.reader.find_known(wanted)
        refs = {pair: own[name].id for pair, name in ref_names.items() if name in own}
        found = {name: record.id for name, record in own.items()}
        return refs, found

    def _resolve_lookups(
        self, obj: ObjectInfo, items: Sequence[_Item]
    ) -> dict[tuple[str, str], dict[str, int]]:
        wanted: dict[tuple[str, str], set[str]] = {}

        def collect(spec: FieldInfo, value: JsonValue) -> None:
            if (
                spec.lookup is not None
                and isinstance(value, dict)
                and value.get("value") is not None
            ):
                wanted.setdefault(spec.lookup, set()).add(str(value["value"]))

        for item in items:
            for spec in obj.fields:
                value = item.request.fields.get(spec.target)
                if spec.kind == "lines" and isinstance(value, list):
                    for line in value:
                        if isinstance(line, dict):
                            for child in spec.children:
                                collect(child, line.get(child.target))
                else:
                    collect(spec, value)
        return {
            (model, by): self.lookups.resolve(model, by, values)
            for (model, by), values in wanted.items()
        }

    def _drop_stale_ids(self, obj: ObjectInfo, items: Sequence[_Item]) -> None:
        """Forget external ids whose record is gone, so the record is created again.

        Odoo deletes a record's external ids with it, so this only happens after deletions
        behind the ORM's back. Checked only for planned creates that found an external id:
        normally there are none and this costs no call. The stale external ids themselves
        are ``load``'s business: it drops a header's whose record is gone and re-binds a
        line's (odoo/models.py ``_load_records``; ir_fields.py ``O2MIdMapper``, an upsert).
        """
        suspects = [item for item in items if item.request.op == "create"]
        if not suspects:
            return
        ids = sorted({item.record_id for item in suspects if item.record_id is not None})
        alive = {
            int(row["id"])
            for row in self.client.search_read(
                obj.model, [("id", "in", ids)], ["id"], context={"active_test": False}
            )
        }
        for item in suspects:
            if item.record_id not in alive:
                item.record_id = None

    def _prepare(
        self,
        obj: ObjectInfo,
        item: _Item,
        refs: Mapping[tuple[str, str], int],
        found: Mapping[str, int],
        resolved: Mapping[tuple[str, str], Mapping[str, int]],
    ) -> None:
        item.record_id = found.get(item.name)
        if item.request.op == "update" and item.record_id is None:
            # Deleted in Odoo since it was read: the next run will plan a full create.
            item.fail(
                WriteError(
                    "RECORD_GONE",
                    f"{obj.model} {self.namespace}.{item.name} no longer exists",
                    retryable=True,
                )
            )
            return
        try:
            for spec in obj.fields:
                if spec.target not in item.request.fields:
                    if item.request.op == "create" and spec.kind != "lines":
                        # Plans leave empty values out of creates, but Odoo gives a field
                        # left out its default (subscription_oca: recurring_next_date and
                        # date_start default to today), so empty is said explicitly.
                        item.vals[spec.target] = False
                    continue
                value = item.request.fields[spec.target]
                if spec.kind == "lines":
                    item.lines[spec.target] = [
                        line
                        for line in (value if isinstance(value, list) else [])
                        if isinstance(line, dict)
                    ]
                    # Resolve every line now, so a bad line fails its record before any call.
                    for line in item.lines[spec.target]:
                        self.line_vals(spec, line, [c.target for c in spec.children], resolved)
                else:
                    item.vals[spec.target] = self.field_vals(spec, value, refs, resolved)
        except RecordFailed as exc:
            item.fail(exc.error)

    def field_vals(
        self,
        spec: FieldInfo,
        value: JsonValue,
        refs: Mapping[tuple[str, str], int],
        resolved: Mapping[tuple[str, str], Mapping[str, int]],
    ) -> Any:
        """The Odoo value of one plain, ref or look-up field."""
        if value is None:
            return False
        if spec.kind == "ref" and spec.ref_object is not None:
            key = str(value.get("key")) if isinstance(value, dict) else str(value)
            ref_id = refs.get((spec.ref_object, key))
            if ref_id is None:
                model = self.mapping.objects[spec.ref_object].target
                raise RecordFailed(
                    WriteError(
                        "REF_NOT_FOUND",
                        f"no {model} with external id "
                        f"{self.namespace}.{xmlids.record_name(spec.ref_object, key)}",
                        retryable=True,
                        fields=(spec.target,),
                    )
                )
            return ref_id
        if spec.lookup is not None:
            model, by = spec.lookup
            wanted = str(value.get("value")) if isinstance(value, dict) else str(value)
            lookup_id = resolved.get(spec.lookup, {}).get(wanted)
            if lookup_id is None:
                described = f"named {wanted!r}" if by == "name" else f"with {by} {wanted!r}"
                raise RecordFailed(
                    WriteError(
                        "LOOKUP_NOT_FOUND",
                        f"no {model} {described}",
                        retryable=False,
                        fields=(spec.target,),
                    )
                )
            return lookup_id
        try:
            return to_odoo(spec.fmt, value)
        except (ConversionError, ValueError) as exc:
            raise RecordFailed(
                WriteError("INVALID_VALUE", str(exc), retryable=False, fields=(spec.target,))
            ) from exc

    def line_vals(
        self,
        spec: FieldInfo,
        line: LineValues,
        fields: Sequence[str],
        resolved: Mapping[tuple[str, str], Mapping[str, int]],
    ) -> Vals:
        children = {child.target: child for child in spec.children}
        vals: Vals = {}
        for name in fields:
            child = children[name]
            try:
                vals[name] = self.field_vals(child, line.get(name), {}, resolved)
            except RecordFailed as exc:
                error = exc.error
                where = f"{spec.target}[{line.get('key')}].{name}"
                raise RecordFailed(
                    WriteError(error.code, error.message, error.retryable, (where,))
                ) from exc
        return {**vals, **untaxed(vals, children)}

    # -- creates -----------------------------------------------------------------------

    def _create(
        self,
        obj: ObjectInfo,
        items: list[_Item],
        rules: ModelRules,
        resolved: Mapping[tuple[str, str], Mapping[str, int]],
    ) -> None:
        many2one = frozenset(f.target for f in obj.fields if f.kind in ("ref", "lookup"))
        children = {spec.target: _load_columns(spec) for spec in obj.lines()}
        # Normally one layout (the same mapped fields) and so one load for the whole batch.
        groups: dict[Layout, list[tuple[_Item, Block]]] = {}
        for item in items:
            try:
                record = self._load_record(obj, item, resolved)
                layout = Layout.of(record, many2one, children)
                groups.setdefault(layout, []).append((item, layout.rows(record)))
            except RecordFailed as exc:
                item.fail(exc.error)
            except CellError as exc:
                item.fail(WriteError("INVALID_VALUE", str(exc), retryable=False))
        resent_items: list[_Item] = []
        for layout, group in groups.items():
            resent: set[int] = set()
            try:
                outcomes = load_blocks(
                    self.client,
                    obj.model,
                    layout.fields(),
                    [block for _, block in group],
                    resent,
                )
            except OdooRefused as exc:
                # The call itself was refused (e.g. a column the model lacks): no record
                # of the group can be told apart, and none was saved.
                for item, _block in group:
                    item.fail(_refused(exc))
                continue
            except RetryableAdapterError as exc:
                # Atomic, so nothing of the group was saved: the other groups go on, and
                # a group of several records is left pending to be loaded record by record.
                if len(group) == 1:
                    group[0][0].fail(_transient(exc))
                continue
            for index, ((item, _block), outcome) in enumerate(zip(group, outcomes, strict=True)):
                if isinstance(outcome, Refusal):
                    message = redact_text(outcome.message)
                    item.fail(WriteError(outcome.code, message, False, outcome.fields))
                else:
                    item.record_id = outcome
                    item.succeed(created=True)
                    if index in resent:
                        resent_items.append(item)
        made = [item for item in items if _ok(item)]
        created = [(item.record_id, item.vals) for item in made if item.record_id is not None]
        self._follow_up(obj, rules.after_create(created), made)
        self._restore_lines(obj, [i for i in resent_items if _ok(i)], rules, resolved)

    def _restore_lines(
        self,
        obj: ObjectInfo,
        items: list[_Item],
        rules: ModelRules,
        resolved: Mapping[tuple[str, str], Mapping[str, int]],
    ) -> None:
        """A load sent again updated the records an earlier attempt had saved, and Odoo
        reprices subscription lines on such an update (REAL_SYSTEMS: a second ``load()`` of
        an existing external id): billing's line values are written back, lines only."""
        if not items or not obj.lines():
            return
        for item in items:
            item.vals, item.commands = {}, {}
        line_specs = list(obj.lines())
        try:
            headers = self._headers(obj, items, {spec.target for spec in line_specs})
            current = self._current_lines(obj, items, line_specs, headers)
        except RetryableAdapterError as exc:
            if len(items) == 1:
                items[0].result = WriteResult(items[0].request.key, False, error=_transient(exc))
                return
            for item in items:  # a lost read of several records: each one on its own
                self._restore_lines(obj, [item], rules, resolved)
            return
        for item in items:
            assert item.record_id is not None
            for spec in line_specs:
                if spec.target not in item.lines:
                    continue
                children = [c.target for c in spec.children]
                commands = line_commands(
                    item.lines[spec.target],
                    current.get((spec.target, item.record_id), []),
                    children,
                    self._vals_of(spec, resolved),
                )
                if not commands.empty:
                    item.commands[spec.target] = commands
        self._write_grouped(obj, [item for item in items if item.commands], rules)

    def _load_record(
        self, obj: ObjectInfo, item: _Item, resolved: Mapping[tuple[str, str], Mapping[str, int]]
    ) -> LoadRecord:
        """The header, its lines and their external ids (``module.name``) as one record."""
        lines: dict[str, list[Line]] = {}
        for spec in obj.lines():
            if spec.target not in item.lines:
                continue
            names = [c.target for c in spec.children]
            lines[spec.target] = [
                Line(
                    self._xmlid(xmlids.line_name(item.name, str(line.get("key")))),
                    self.line_vals(spec, line, names, resolved),
                )
                for line in item.lines[spec.target]
            ]
        return LoadRecord(self._xmlid(item.name), item.vals, lines)

    def _xmlid(self, name: str) -> str:
        return f"{self.namespace}.{name}"

    # -- updates -----------------------------------------------------------------------

    def _headers(self, obj: ObjectInfo, items: Sequence[_Item], fields: set[str]) -> dict[int, Row]:
        """The records' current ``fields``: as this run read them, or read now."""
        ids = sorted({item.record_id for item in items if item.record_id is not None})
        if not ids or not fields:
            return {}
        memo = self.reader.memo
        remembered = {i: row for i in ids if (row := memo.row(obj.model, i, fields)) is not None}
        if len(remembered) == len(ids):
            return remembered
        rows = self.client.search_read(
            obj.model, [("id", "in", ids)], sorted(fields), context={"active_test": False}
        )
        return {int(row["id"]): row for row in rows}

    def _update(
        self,
        obj: ObjectInfo,
        items: list[_Item],
        rules: ModelRules,
        resolved: Mapping[tuple[str, str], Mapping[str, int]],
    ) -> None:
        line_specs = [
            spec
            for spec in obj.lines()
            if any(
                spec.target in i.lines or spec.target in rules.recomputed_line_fields(i.vals)
                for i in items
            )
        ]
        wanted: set[str] = {spec.target for spec in line_specs}
        for item in items:
            wanted |= rules.current_fields(item.vals)
        headers = self._headers(obj, items, wanted)
        current_lines = self._current_lines(obj, items, line_specs, headers)
        for item in items:
            assert item.record_id is not None
            header = headers.get(item.record_id)
            item.vals = rules.complete_update(item.vals, header)
            recomputed = rules.recomputed_line_fields(item.vals)
            try:
                for spec in line_specs:
                    children = [c.target for c in spec.children]
                    keep = recomputed.get(spec.target, frozenset()) & set(children)
                    if spec.target not in item.lines and not keep:
                        continue
                    current = current_lines.get((spec.target, item.record_id), [])
                    item.before[spec.target] = {line.id for line in current}
                    vals_of = self._vals_of(spec, resolved)
                    if spec.target in item.lines:
                        commands = line_commands(
                            item.lines[spec.target], current, children, vals_of, keep
                        )
                    else:
                        commands = LineCommands(rewrite_commands(current, keep, vals_of), [])
                    if not commands.empty:
                        item.commands[spec.target] = commands
            except RecordFailed as exc:
                item.fail(exc.error)
        ready = [item for item in items if item.pending]
        self._write_grouped(obj, ready, rules)
        self._forget_rows(obj, ready)  # written (or half written): what was read is stale
        written = [item for item in ready if item.pending]
        for item in written:
            item.succeed(created=False)
        self._name_new_lines(obj, written)
        updated = [
            (item.record_id, item.vals, headers.get(item.record_id))
            for item in written
            if item.record_id is not None
        ]
        self._follow_up(obj, rules.after_update(updated), written)

    def _vals_of(
        self, spec: FieldInfo, resolved: Mapping[tuple[str, str], Mapping[str, int]]
    ) -> ValsOf:
        def vals_of(line: LineValues, names: Collection[str]) -> Vals:
            return self.line_vals(spec, line, list(names), resolved)

        return vals_of

    def _current_lines(
        self,
        obj: ObjectInfo,
        items: Sequence[_Item],
        line_specs: Sequence[FieldInfo],
        headers: Mapping[int, Row],
    ) -> dict[tuple[str, int], list[CurrentLine]]:
        if not line_specs:
            return {}
        rows_by_spec: dict[FieldInfo, dict[int, Row]] = {}
        memo = self.reader.memo
        for spec in line_specs:
            assert spec.lines_model is not None
            line_ids = sorted({i for h in headers.values() for i in _ids(h.get(spec.target))})
            children = [c.target for c in spec.children]
            remembered = {
                i: row
                for i in line_ids
                if (row := memo.row(spec.lines_model, i, children)) is not None
            }
            if len(remembered) == len(line_ids):
                rows_by_spec[spec] = remembered  # as this run read them
                continue
            rows = (
                self.client.search_read(spec.lines_model, [("id", "in", line_ids)], children)
                if line_ids
                else []
            )
            rows_by_spec[spec] = {int(r["id"]): r for r in rows}
        wanted_names = {
            (spec.lines_model, i)
            for spec, rows in rows_by_spec.items()
            if spec.lines_model is not None
            for i in rows
        }
        if all(pair in memo.names for pair in wanted_names):
            names = {pair: memo.names[pair] for pair in wanted_names}
        else:
            names = self.reader.names_of(
                {
                    spec.lines_model: rows.keys()
                    for spec, rows in rows_by_spec.items()
                    if spec.lines_model is not None
                }
            )
        out: dict[tuple[str, int], list[CurrentLine]] = {}
        for item in items:
            header = headers.get(item.record_id or 0)
            if header is None or item.record_id is None:
                continue
            for spec in line_specs:
                out[(spec.target, item.record_id)] = self.reader.lines_of(
                    spec, item.name, header, rows_by_spec[spec], names
                )
        return out

    def _write_grouped(self, obj: ObjectInfo, items: Sequence[_Item], rules: ModelRules) -> None:
        by_id = {item.record_id: item for item in items if item.record_id is not None}
        # Line commands are per record by nature: those records are written one by one.
        singles = [item for item in items if item.commands]
        plain = [(i.record_id, i.vals) for i in items if not i.commands and i.record_id]
        for ids, vals in group_by_vals(plain):
            try:
                self.client.write(obj.model, ids, vals)
            except (OdooRefused, RetryableAdapterError) as exc:
                if len(ids) == 1:
                    by_id[ids[0]].fail(_failure(exc))
                else:
                    # Find the record Odoo refuses; a lost call is not any one record's:
                    # each is written with a call of its own.
                    singles.extend(by_id[i] for i in ids)
        for item in singles:
            assert item.record_id is not None
            lines = {
                target: [list(command) for command in commands.commands]
                for target, commands in item.commands.items()
            }
            # Odoo reprices every line after a header write that changes what lines are
            # priced from (subscription_oca: partner_id, pricelist_id), line values of the same
            # call included: the header goes first, billing's line values after it.
            calls = (
                [dict(item.vals), lines]
                if lines and item.vals and rules.recomputed_line_fields(item.vals)
                else [{**item.vals, **lines}]
            )
            try:
                for vals in calls:
                    self.client.write(obj.model, [item.record_id], vals)
            except (OdooRefused, RetryableAdapterError) as exc:
                item.fail(_failure(exc))

    def _name_new_lines(self, obj: ObjectInfo, items: Sequence[_Item]) -> None:
        adding = [i for i in items if any(c.new_keys for c in i.commands.values())]
        if not adding:
            return
        specs = {spec.target: spec for spec in obj.lines()}
        try:
            headers = self._headers(
                obj, adding, {t for i in adding for t, c in i.commands.items() if c.new_keys}
            )
            rows: list[Vals] = []
            for item in adding:
                header = headers.get(item.record_id or 0, {})
                for target, commands in item.commands.items():
                    spec = specs[target]
                    assert spec.lines_model is not None
                    # Ids only grow (PostgreSQL sequences), so the lines that were not
                    # there before are the new ones, in command order.
                    fresh = sorted(set(_ids(header.get(target))) - item.before.get(target, set()))
                    for line_id, key in zip(fresh, commands.new_keys, strict=False):
                        rows.append(
                            self._imd(xmlids.line_name(item.name, key), spec.lines_model, line_id)
                        )
            if rows:
                self._release_names([str(row["name"]) for row in rows])
                self.client.create(IMD, rows)
                self.reader.memo.remember_names(
                    {(str(row["model"]), int(row["res_id"])): [str(row["name"])] for row in rows}
                )
        except (OdooRefused, RetryableAdapterError) as exc:
            if isinstance(exc, RetryableAdapterError) and len(adding) > 1:
                # A lost call of several records: each names its lines with calls of its
                # own (names still taken are released first, so sending again is safe).
                for item in adding:
                    self._name_new_lines(obj, [item])
                return
            # The lines exist without external ids: the next read shows them as foreign,
            # and the next write replaces them. Report the records as not yet in line.
            error = _failure(exc)
            for item in adding:
                item.result = WriteResult(
                    item.request.key, False, error=WriteError(error.code, error.message, True)
                )

    def _forget_rows(self, obj: ObjectInfo, items: Sequence[_Item]) -> None:
        """The rows this run read of these records and their lines no longer hold."""
        memo = self.reader.memo
        memo.drop_rows(obj.model, [i.record_id for i in items if i.record_id is not None])
        for spec in obj.lines():
            if spec.lines_model is not None:
                memo.drop_rows(
                    spec.lines_model,
                    [line for i in items for line in i.before.get(spec.target, ())],
                )

    def _release_names(self, names: Sequence[str]) -> None:
        """Free our external-id names before binding them to lines just added by an update.

        A name still taken belongs to a record that is gone: Odoo removes a record's external
        ids when the ORM deletes it, but not those of its lines, which the database deletes
        by cascade. Re-adding such a line must not collide with them.
        """
        rows = self.client.search_read(
            IMD, [("module", "=", self.namespace), ("name", "in", list(names))], ["id"]
        )
        if rows:
            self.client.unlink(IMD, [int(row["id"]) for row in rows])

    def _imd(self, name: str, model: str, res_id: int | None) -> Vals:
        return {
            "module": self.namespace,
            "name": name,
            "model": model,
            "res_id": res_id,
            "noupdate": True,
        }

    def _follow_up(self, obj: ObjectInfo, follow_ups: list[FollowUp], items: list[_Item]) -> None:
        """Writes subscription_oca needs after a create; a refusal costs only its record."""
        by_id = {item.record_id: item for item in items if item.record_id is not None}
        for follow_up in follow_ups:
            group = [by_id[i] for i in follow_up.ids if i in by_id and _ok(by_id[i])]
            if group:
                self._follow_up_group(obj, follow_up, group)

    def _follow_up_group(self, obj: ObjectInfo, follow_up: FollowUp, group: list[_Item]) -> None:
        ids = [item.record_id for item in group if item.record_id is not None]
        try:
            self.client.write(obj.model, ids, follow_up.vals)
        except (OdooRefused, RetryableAdapterError) as exc:
            if len(group) == 1:
                group[0].result = WriteResult(group[0].request.key, False, error=_failure(exc))
                return
            # Odoo refused the group, or the call was lost: write one by one, so only a
            # record whose own call fails is failed.
            for item in group:
                self._follow_up_group(obj, follow_up, [item])


def _ok(item: _Item) -> bool:
    return item.result is not None and item.result.ok


def _ids(raw: object) -> list[int]:
    if isinstance(raw, list):
        return [int(i) for i in raw if isinstance(i, int)]
    return []


def _load_columns(spec: FieldInfo) -> list[Column]:
    """The line columns of a ``load``: the mapped child fields, and the taxes
    :func:`.lines.untaxed` empties (an empty cell is False)."""
    columns = [Column(child.target, child.kind == "lookup") for child in spec.children]
    mapped = [child.target for child in spec.children]
    extra = untaxed(dict.fromkeys(mapped), mapped)
    return columns + [Column(name, False) for name in extra]
