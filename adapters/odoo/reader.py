"""Reading our records of the mapped objects back in the mapping's vocabulary.

Calls per read of several objects' keys (see :meth:`OdooReader.read_many`; a run's planning
makes one for every object, its read-back one for what it wrote):

1. one ``ir.model.data.search_read`` for every object's external ids -> record ids, and,
   for up to ``LINE_PREFIX_LOOKUPS`` records, their lines' external ids by name prefix; none
   when this run resolved them already (its read-back: see :mod:`.run_memo`);
2. per object, one read by id of the mapped fields + ``write_date`` (archived records
   included: they are still ours and must not be re-created); an object with lines is read
   with them nested, in one ``web_read``;
3. only for what steps 1-2 left unresolved (a larger read's lines, a referenced record of an
   object not asked for): one ``ir.model.data.search_read`` by ``res_id``;
4. one call per look-up model whose ids are not cached yet (see :mod:`.lookups`).

The modstamp combines the record's ``write_date`` with a digest of the ids and
``write_date`` of its lines and of the values read: a line edited or deleted directly in
Odoo leaves the header's ``write_date`` alone, and ``write_date`` has one-second
resolution, yet either must make the record look changed to the reconciler.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import orjson

from adapters.odoo import xmlids
from adapters.odoo.client import OdooClient, Row
from adapters.odoo.lines import CurrentLine
from adapters.odoo.lookups import LookupCache, many2one_id
from adapters.odoo.run_memo import RunMemo
from adapters.odoo.schema import FieldInfo, ObjectInfo
from adapters.odoo.values import from_odoo
from connector.mapping import CompiledMapping
from connector.records import JsonValue, TargetRecord

IMD = "ir.model.data"
ALL_RECORDS = {"active_test": False}
# Records whose lines' external ids are looked up with theirs, by name prefix (see read_many).
LINE_PREFIX_LOOKUPS = 20
# What was read of one object: ids by key, header rows by id, line rows by id per lines field
_Read = tuple["ObjectInfo", dict[str, int], dict[int, Row], dict["FieldInfo", dict[int, Row]]]


@dataclass(frozen=True, slots=True)
class OwnRecord:
    """Where one of our records lives: its id and its external id's name."""

    id: int
    name: str


class OdooReader:
    def __init__(
        self,
        client: OdooClient,
        lookups: LookupCache,
        mapping: CompiledMapping,
        namespace: str,
    ) -> None:
        self.client = client
        self.lookups = lookups
        self.mapping = mapping
        self.namespace = namespace
        self.memo = RunMemo()  # what this run read: its writes and read-back reuse it

    # -- external ids --------------------------------------------------------------

    def find(self, wanted: Mapping[str, str]) -> dict[str, OwnRecord]:
        """Resolve external id names (``name -> model``) in one call; absent ones are left out.

        An external id pointing to another model than expected is ignored: it is not ours.
        """
        if not wanted:
            return {}
        rows = self.client.search_read(
            IMD,
            [("module", "=", self.namespace), ("name", "in", sorted(wanted))],
            ["name", "model", "res_id"],
        )
        found: dict[str, OwnRecord] = {}
        for row in rows:
            name = str(row["name"])
            if wanted.get(name) == row["model"] and row["res_id"]:
                found.setdefault(name, OwnRecord(int(row["res_id"]), name))
        return found

    def find_known(self, wanted: Mapping[str, str]) -> dict[str, OwnRecord]:
        """As :meth:`find`, but names this run has resolved already cost no call."""
        known = {
            name: OwnRecord(self.memo.ids[name], name) for name in wanted if name in self.memo.ids
        }
        rest = {name: model for name, model in wanted.items() if name not in known}
        found = self.find(rest)
        self.memo.remember_ids({name: record.id for name, record in found.items()})
        return {**known, **found}

    def names_of(self, records: Mapping[str, Iterable[int]]) -> dict[tuple[str, int], list[str]]:
        """Our external id names of records (``model -> ids``), in one call."""
        pairs = {(model, i) for model, ids in records.items() for i in ids}
        if not pairs:
            return {}
        rows = self.client.search_read(
            IMD,
            [
                ("module", "=", self.namespace),
                ("model", "in", sorted({model for model, _ in pairs})),
                ("res_id", "in", sorted({i for _, i in pairs})),
            ],
            ["name", "model", "res_id"],
            "id",
        )
        names: dict[tuple[str, int], list[str]] = {}
        for row in rows:
            pair = (str(row["model"]), int(row["res_id"]))
            if pair in pairs:
                names.setdefault(pair, []).append(str(row["name"]))
        return names

    # -- records -------------------------------------------------------------------

    def read(self, obj: ObjectInfo, keys: Sequence[str]) -> dict[str, TargetRecord]:
        return self.read_many([(obj, keys)]).get(obj.name, {})

    def read_many(
        self, wanted: Sequence[tuple[ObjectInfo, Sequence[str]]]
    ) -> dict[str, dict[str, TargetRecord]]:
        """Records of several objects: one external-id look-up for all of them (and, for a
        few records, their lines' external ids too), then one read per model."""
        asked = [(obj, list(dict.fromkeys(keys))) for obj, keys in wanted if keys]
        models = {
            xmlids.record_name(obj.name, key): obj.model for obj, keys in asked for key in keys
        }
        # A few records' lines are found by their names' prefix in the same look-up; a large
        # read looks them up by id after reading the headers (many LIKE terms cost Odoo more).
        with_lines = [
            xmlids.record_name(obj.name, key) for obj, keys in asked if obj.lines() for key in keys
        ]
        if all(name in self.memo.ids for name in models):
            # Resolved earlier in this run (a read-back): the records are read by id.
            own = {name: OwnRecord(self.memo.ids[name], name) for name in models}
            known = self.memo.names  # read, and added to, in place
            prefixed: list[str] = []
        else:
            prefixed = with_lines if len(with_lines) <= LINE_PREFIX_LOOKUPS else []
            own, known = self._find_all(models, prefixed)
            self.memo.remember_ids({name: record.id for name, record in own.items()})
        covered = (
            {spec.lines_model for obj, _ in asked for spec in obj.lines()} if prefixed else set()
        )
        headers: list[
            tuple[ObjectInfo, dict[str, int], dict[int, Row], dict[FieldInfo, dict[int, Row]]]
        ] = []
        unresolved: dict[str, set[int]] = {}
        for obj, keys in asked:
            ids_by_key = {
                key: own[name].id
                for key in keys
                if (name := xmlids.record_name(obj.name, key)) in own
            }
            if not ids_by_key:
                continue
            by_id, lines = self._headers_and_lines(obj, sorted(set(ids_by_key.values())))
            rows = list(by_id.values())
            self.memo.remember_rows(obj.model, rows)
            for model, ids in self._referenced(obj, rows, lines).items():
                if model in covered:
                    # Their names came with the look-up; the others have none of ours.
                    self.memo.remember_names({(model, i): known.get((model, i), []) for i in ids})
                    continue
                missing = {i for i in ids if (model, i) not in known}
                if missing:
                    unresolved.setdefault(model, set()).update(missing)
            headers.append((obj, ids_by_key, by_id, lines))
        if unresolved:
            found = self.names_of(unresolved)
            known.update(found)
            self.memo.remember_names(
                {(m, i): found.get((m, i), []) for m, ids in unresolved.items() for i in ids}
            )
        out: dict[str, dict[str, TargetRecord]] = {obj.name: {} for obj, _ in asked}
        for obj, ids_by_key, by_id, lines in headers:
            self._prefetch_lookups(obj, list(by_id.values()), lines)
            out[obj.name] = self._records(obj, ids_by_key, by_id, lines, known)
        return out

    def _find_all(
        self, wanted: Mapping[str, str], line_prefixes: Sequence[str]
    ) -> tuple[dict[str, OwnRecord], dict[tuple[str, int], list[str]]]:
        """Our records by name (as :meth:`find`) and every name found per (model, id),
        including the lines of the records named in ``line_prefixes``, in one call."""
        if not wanted:
            return {}, {}
        domain: list[object] = [("module", "=", self.namespace)]
        terms: list[object] = [("name", "in", sorted(wanted))]
        for name in line_prefixes:
            # Odoo passes =like's pattern to SQL LIKE as it is (odoo/osv/expression.py), and
            # PostgreSQL's LIKE escapes with a backslash: "_" must not match any character.
            terms.append(("name", "=like", _like_literal(f"{name}{xmlids.LINE_INFIX}") + "%"))
        domain.extend(["|"] * (len(terms) - 1))
        domain.extend(terms)
        rows = self.client.search_read(IMD, domain, ["name", "model", "res_id"], "id")
        found: dict[str, OwnRecord] = {}
        names: dict[tuple[str, int], list[str]] = {}
        for row in rows:
            name, model, res_id = str(row["name"]), str(row["model"]), row["res_id"]
            if not res_id:
                continue
            names.setdefault((model, int(res_id)), []).append(name)
            if wanted.get(name) == model:
                found.setdefault(name, OwnRecord(int(res_id), name))
        self.memo.remember_names(names)
        return found, names

    def _referenced(
        self, obj: ObjectInfo, rows: Sequence[Row], lines: Mapping[FieldInfo, Mapping[int, Row]]
    ) -> dict[str, set[int]]:
        """Every referenced record and every line of these rows, per model."""
        referenced: dict[str, set[int]] = {}
        for spec in obj.fields:
            if spec.kind == "ref" and spec.ref_object is not None:
                model = self.mapping.objects[spec.ref_object].target
                referenced.setdefault(model, set()).update(
                    i for row in rows if (i := many2one_id(row.get(spec.target))) is not None
                )
        for spec, line_rows in lines.items():
            assert spec.lines_model is not None
            referenced.setdefault(spec.lines_model, set()).update(line_rows)
        return referenced

    def _records(
        self,
        obj: ObjectInfo,
        ids_by_key: Mapping[str, int],
        by_id: Mapping[int, Row],
        lines: Mapping[FieldInfo, Mapping[int, Row]],
        names: Mapping[tuple[str, int], list[str]],
    ) -> dict[str, TargetRecord]:
        out: dict[str, TargetRecord] = {}
        for key, record_id in ids_by_key.items():
            row = by_id.get(record_id)
            if row is None:
                continue  # the external id outlived its record: treat as absent
            name = xmlids.record_name(obj.name, key)
            values: dict[str, JsonValue] = {}
            stamps: list[str] = []
            for spec in obj.fields:
                if spec.kind == "lines":
                    current = self.lines_of(spec, name, row, lines.get(spec, {}), names)
                    values[spec.target] = [self._line_json(spec, line) for line in current]
                    stamps.extend(
                        f"{line_id}@{lines[spec][line_id].get('write_date')}"
                        for line_id in sorted(_ids(row.get(spec.target)))
                        if line_id in lines.get(spec, {})
                    )
                else:
                    values[spec.target] = self.field_value(spec, row.get(spec.target), names)
            out[key] = TargetRecord(
                key, values, str(record_id), _modstamp(row.get("write_date"), stamps, values)
            )
        return out

    def _headers_and_lines(
        self, obj: ObjectInfo, ids: list[int]
    ) -> tuple[dict[int, Row], dict[FieldInfo, dict[int, Row]]]:
        """The records' mapped fields and, for an object with lines, its lines' fields: one
        ``web_read`` with the lines nested (one call for both models), else a search by id
        (which reads archived records too, with ``active_test`` off)."""
        specs = obj.lines()
        if not specs:
            rows = self.client.search_read(
                obj.model,
                [("id", "in", ids)],
                [*(f.target for f in obj.fields), "write_date"],
                context=ALL_RECORDS,
            )
            return {int(row["id"]): row for row in rows}, {}
        specification: dict[str, object] = {f.target: {} for f in obj.fields if f.kind != "lines"}
        specification["write_date"] = {}
        for spec in specs:
            children: dict[str, object] = {c.target: {} for c in spec.children}
            specification[spec.target] = {"fields": {**children, "write_date": {}}}
        by_id: dict[int, Row] = {}
        lines: dict[FieldInfo, dict[int, Row]] = {spec: {} for spec in specs}
        for row in self.client.web_read(obj.model, ids, specification):
            for spec in specs:
                nested = [line for line in row.get(spec.target) or [] if isinstance(line, dict)]
                row[spec.target] = [int(line["id"]) for line in nested]
                for line in nested:
                    if len(line) > 1:  # a line Odoo could not read comes as {"id": ...} only
                        lines[spec][int(line["id"])] = line
            by_id[int(row["id"])] = row
        for spec, line_rows in lines.items():
            if spec.lines_model is not None:
                self.memo.remember_rows(spec.lines_model, line_rows.values())
        return by_id, lines

    def lines_of(
        self,
        spec: FieldInfo,
        record_name: str,
        header: Row,
        rows: Mapping[int, Row],
        names: Mapping[tuple[str, int], list[str]],
    ) -> list[CurrentLine]:
        """The header's current lines, with our line keys and normalised child values."""
        assert spec.lines_model is not None
        out: list[CurrentLine] = []
        for line_id in sorted(_ids(header.get(spec.target))):
            row = rows.get(line_id)
            if row is None:
                continue
            key = None
            for candidate in names.get((spec.lines_model, line_id), []):
                key = xmlids.key_of_line(record_name, candidate)
                if key is not None:
                    break
            values = {
                child.target: child.normalise(self.field_value(child, row.get(child.target), {}))
                for child in spec.children
            }
            out.append(CurrentLine(line_id, key, values))
        return out

    def _line_json(self, spec: FieldInfo, line: CurrentLine) -> JsonValue:
        # A line without our external id gets a key no billing item has ("#<id>"), so the
        # plan sees a difference and the next write removes it.
        out: dict[str, JsonValue] = {"key": line.key if line.key is not None else f"#{line.id}"}
        out.update(line.values)
        return out

    def field_value(
        self, spec: FieldInfo, raw: object, names: Mapping[tuple[str, int], list[str]]
    ) -> JsonValue:
        if spec.kind == "value":
            return from_odoo(spec.fmt, raw)
        if spec.kind == "ref" and spec.ref_object is not None:
            ref_id = many2one_id(raw)
            if ref_id is None:
                return None
            model = self.mapping.objects[spec.ref_object].target
            key = None
            for candidate in names.get((model, ref_id), []):
                key = xmlids.key_of_record(spec.ref_object, candidate)
                if key is not None:
                    break
            # Not one of ours: a key no billing customer has, so a diff shows it.
            return {"ref": spec.ref_object, "key": key if key is not None else f"#{ref_id}"}
        if spec.kind == "lookup":
            lookup_id = many2one_id(raw)
            if lookup_id is None:
                return None
            model, by = _lookup(spec)
            value = self.lookups.name(model, by, lookup_id)
            return {"lookup": model, "by": by, "value": value}
        return None

    def _prefetch_lookups(
        self,
        obj: ObjectInfo,
        rows: Sequence[Row],
        lines: Mapping[FieldInfo, Mapping[int, Row]],
    ) -> None:
        """Resolve every look-up id of the batch at once (one call per model, if uncached)."""
        wanted: dict[tuple[str, str], set[int]] = {}
        for spec in obj.fields:
            if spec.kind == "lookup":
                wanted.setdefault(_lookup(spec), set()).update(
                    i for row in rows if (i := many2one_id(row.get(spec.target))) is not None
                )
        for spec, line_rows in lines.items():
            for child in spec.children:
                if child.kind == "lookup":
                    wanted.setdefault(_lookup(child), set()).update(
                        i
                        for row in line_rows.values()
                        if (i := many2one_id(row.get(child.target))) is not None
                    )
        for (model, by), ids in wanted.items():
            if ids:
                self.lookups.names(model, by, ids)


def _lookup(spec: FieldInfo) -> tuple[str, str]:
    assert spec.lookup is not None
    return spec.lookup


def _ids(raw: object) -> list[int]:
    if isinstance(raw, list):
        return [int(i) for i in raw if isinstance(i, int)]
    return []


def _modstamp(
    write_date: object, line_stamps: Sequence[str], values: Mapping[str, JsonValue]
) -> str | None:
    """``<header write_date>#<digest of the lines' ids and write_dates and of the values>``.

    Odoo reports ``write_date`` to the second, so two changes within one second (ours, then
    a person's) would leave it equal; the digest of what was read closes that gap for free,
    since the values are read anyway. Lines count because editing or deleting a line
    directly does not touch the header's ``write_date``.
    """
    if not write_date:
        return None
    payload = orjson.dumps([list(line_stamps), values], option=orjson.OPT_SORT_KEYS, default=str)
    digest = hashlib.sha1(payload, usedforsecurity=False).hexdigest()
    return f"{write_date}#{digest[:12]}"


def _like_literal(text: str) -> str:
    """``text`` matched literally by SQL LIKE (backslash, the default escape, before each of
    ``\\``, ``%`` and ``_``)."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
