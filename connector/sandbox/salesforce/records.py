"""In-memory record store with unique / external-id indexes and a recycle bin.

Records are plain dicts holding every schema field in its canonical JSON form (see
``values.py``). Deleted records stay in their table with ``IsDeleted = true`` (the recycle
bin, visible to ``queryAll``) and leave the unique indexes, so their external ids can be
reused. All methods take the store's re-entrant lock; callers doing several steps that must
be atomic (a whole sObject Collection) hold :attr:`RecordStore.lock` around them.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

from connector.sandbox.salesforce.errors import ApiError
from connector.sandbox.salesforce.ids import IdGenerator, normalize_id
from connector.sandbox.salesforce.schema import SANDBOX_USER_ID, FieldDef, ObjectDef, Schema
from connector.sandbox.salesforce.validation import default_values
from connector.sandbox.salesforce.values import now_stamp

Record = dict[str, Any]


def index_key(fdef: FieldDef, value: Any) -> Any:
    """Key under which ``value`` is indexed: text matches case-insensitively by default."""
    if isinstance(value, str) and not fdef.case_sensitive:
        return value.lower()
    return value


class RecordStore:
    """All records of the org, by object name and id."""

    def __init__(self, schema: Schema, ids: IdGenerator | None = None) -> None:
        self.schema = schema
        self.ids = ids or IdGenerator()
        self.lock = threading.RLock()
        self.tables: dict[str, dict[str, Record]] = {}
        # Index values are tuples: unlike lists, tuples of strings are untracked by the cyclic
        # garbage collector, which keeps collections cheap with 100,000s of records in memory.
        self._indexes: dict[str, dict[str, dict[Any, tuple[str, ...]]]] = {}
        self._clear()

    def _clear(self) -> None:
        self.tables = {name: {} for name in self.schema.objects}
        self._indexes = {
            obj.name: {f.name: {} for f in obj.unique_fields()}
            for obj in self.schema.objects.values()
        }

    def reset(self) -> None:
        with self.lock:
            self._clear()

    # -- reads -------------------------------------------------------------------------

    def object_of(self, record_id: str) -> ObjectDef | None:
        return self.schema.by_prefix(record_id[:3])

    def get(self, record_id: str) -> Record | None:
        """The record (live or deleted) with this 18-char id."""
        obj = self.object_of(record_id)
        if obj is None:
            return None
        return self.tables[obj.name].get(record_id)

    def live_exists(self, record_id: str) -> bool | None:
        """True if live, False if in the recycle bin, None if unknown."""
        record = self.get(record_id)
        if record is None:
            return None
        return not record["IsDeleted"]

    def find_id_by_field(self, obj: ObjectDef, fdef: FieldDef, value: Any) -> list[str]:
        """Ids of live records whose ``fdef`` equals ``value`` (indexed fields only)."""
        if fdef.type == "id":
            record_id = normalize_id(value) if isinstance(value, str) else None
            if record_id is None:
                return []
            record = self.tables[obj.name].get(record_id)
            return [record_id] if record is not None and not record["IsDeleted"] else []
        index = self._indexes[obj.name].get(fdef.name)
        if index is None:
            return [
                r["Id"]
                for r in self.tables[obj.name].values()
                if not r["IsDeleted"] and r.get(fdef.name) == value
            ]
        if isinstance(value, (int, float)) and not isinstance(value, bool) and fdef.is_text:
            value = str(value)
        return list(index.get(index_key(fdef, value), ()))

    def index_lookup(self, obj: ObjectDef, fdef: FieldDef, keys: list[Any]) -> list[str]:
        """Ids of live records whose indexed ``fdef`` has one of ``keys`` (index keys)."""
        index = self._indexes[obj.name][fdef.name]
        found: list[str] = []
        seen: set[str] = set()
        for key in keys:
            for record_id in index.get(key, ()):
                if record_id not in seen:
                    seen.add(record_id)
                    found.append(record_id)
        return found

    def has_index(self, obj: ObjectDef, fdef: FieldDef) -> bool:
        return fdef.name in self._indexes[obj.name]

    def records(self, obj: ObjectDef, include_deleted: bool = False) -> Iterator[Record]:
        table = self.tables[obj.name]
        if include_deleted:
            return iter(list(table.values()))
        return iter([r for r in table.values() if not r["IsDeleted"]])

    def count(self, obj: ObjectDef) -> int:
        return sum(1 for r in self.tables[obj.name].values() if not r["IsDeleted"])

    # -- uniqueness -------------------------------------------------------------------

    def unique_conflicts(
        self,
        obj: ObjectDef,
        values: dict[str, Any],
        own_id: str | None,
        claimed: dict[tuple[str, Any], str] | None = None,
    ) -> list[ApiError]:
        """``DUPLICATE_VALUE`` errors for unique values already held by another record.

        ``claimed`` holds values taken earlier in the same request (by key (field, index
        key) -> id or a placeholder) so duplicates inside one collection are caught too.
        """
        errors: list[ApiError] = []
        indexes = self._indexes[obj.name]
        for name, index in indexes.items():
            fdef = obj.fields[name]
            if not fdef.unique or values.get(name) is None:
                continue
            key = index_key(fdef, values[name])
            holders = [i for i in index.get(key, ()) if i != own_id]
            if claimed is not None and (name, key) in claimed and claimed[(name, key)] != own_id:
                holders.append(claimed[(name, key)])
            if holders:
                errors.append(
                    ApiError(
                        "DUPLICATE_VALUE",
                        f"duplicate value found: {name} duplicates value on record with id: "
                        f"{holders[0]}",
                        (),
                    )
                )
        return errors

    # -- writes ------------------------------------------------------------------------

    def _index_add(self, obj: ObjectDef, record: Record) -> None:
        for name, index in self._indexes[obj.name].items():
            value = record.get(name)
            if value is not None:
                key = index_key(obj.fields[name], value)
                index[key] = (*index.get(key, ()), record["Id"])

    def _index_remove(self, obj: ObjectDef, record: Record) -> None:
        for name, index in self._indexes[obj.name].items():
            value = record.get(name)
            if value is None:
                continue
            key = index_key(obj.fields[name], value)
            holders = index.get(key, ())
            if record["Id"] in holders:
                remaining = tuple(h for h in holders if h != record["Id"])
                if remaining:
                    index[key] = remaining
                else:
                    del index[key]

    def insert(
        self, obj: ObjectDef, values: dict[str, Any], stamps: dict[str, str] | None = None
    ) -> Record:
        """Create a record from validated values; returns the stored record."""
        with self.lock:
            record_id = self.ids.new_id(obj.key_prefix)
            now = now_stamp()
            record: Record = dict.fromkeys(obj.fields)
            record.update(default_values(obj))
            record.update(values)
            record["Id"] = record_id
            record["IsDeleted"] = False
            record["CreatedDate"] = now
            record["LastModifiedDate"] = now
            record["SystemModstamp"] = now
            record["CreatedById"] = SANDBOX_USER_ID
            record["LastModifiedById"] = SANDBOX_USER_ID
            if stamps:
                record.update(stamps)
            name_field = obj.fields.get("Name")
            if obj.custom and name_field is not None and record.get("Name") is None:
                # A custom object's text Name left empty takes the record Id.
                record["Name"] = record_id
            self.tables[obj.name][record_id] = record
            self._index_add(obj, record)
            return record

    def update(self, obj: ObjectDef, record_id: str, values: dict[str, Any]) -> Record:
        """Apply validated values to a live record; bumps LastModifiedDate/SystemModstamp."""
        with self.lock:
            record = self.tables[obj.name][record_id]
            self._index_remove(obj, record)
            record.update(values)
            now = now_stamp()
            record["LastModifiedDate"] = now
            record["SystemModstamp"] = now
            record["LastModifiedById"] = SANDBOX_USER_ID
            self._index_add(obj, record)
            return record

    def delete(self, obj: ObjectDef, record_id: str) -> None:
        """Move a live record to the recycle bin.

        As for a lookup relationship in Salesforce, children pointing at the deleted record
        have that lookup cleared.
        """
        with self.lock:
            record = self.tables[obj.name][record_id]
            self._index_remove(obj, record)
            record["IsDeleted"] = True
            now = now_stamp()
            record["LastModifiedDate"] = now
            record["SystemModstamp"] = now
            for child in self.schema.objects.values():
                lookups = [f.name for f in child.fields.values() if obj.name in f.reference_to]
                if not lookups:
                    continue
                for row in self.tables[child.name].values():
                    for name in lookups:
                        if row[name] == record_id:
                            row[name] = None

    def put_raw(self, obj: ObjectDef, record: Record) -> None:
        """Store a complete record as saved earlier (persistence); keeps its id."""
        with self.lock:
            full: Record = dict.fromkeys(obj.fields)
            full.update({k: v for k, v in record.items() if k in obj.fields})
            self.tables[obj.name][full["Id"]] = full
            if not full["IsDeleted"]:
                self._index_add(obj, full)
            self.ids.advance_past(full["Id"])
