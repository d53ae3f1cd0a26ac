"""``Model.load(fields, data)``: Odoo's import API, one atomic call with per-record messages.

Follows odoo/models.py (17.0) ``load``, ``_extract_records``, ``_convert_records`` and
``_load_records``:

- ``fields`` are column paths (``name``, ``partner_id/.id``, ``line_ids/product_id/id``,
  ``id`` for the external id); ``data`` is a matrix of strings. A row whose non-one2many
  cells are all empty continues the one2many sub-records of the record above it.
- cells are converted by :mod:`.import_convert`; a bad cell is an ``error`` message, the
  record is still tried without that field.
- records are created (or, when their external id names an existing record, written) in
  one go inside a savepoint; if that fails, one by one, each in its own savepoint, each
  failure adding a message (``UserError`` text, PostgreSQL's wording via ``PGERROR_TO_OE``,
  or "Unknown error during import"). When the batch failed with a ``UserError``, that
  error is also put first, attributed to the batch's *first* record, unless the same
  message is already there (a quirk a client must allow for).
- if any message is an error, everything is rolled back (``ROLLBACK TO SAVEPOINT
  model_load``): no record, no external id, and ``ids`` is ``False``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from connector.sandbox.odoo.database import ADMIN_UID, OdooDatabase
from connector.sandbox.odoo.errors import (
    AccessError,
    IntegrityViolation,
    MissingError,
    NotNullViolation,
    OdooError,
    PyKeyError,
    PyTypeError,
    SerializationFailure,
    UserError,
    ValidationError,
)
from connector.sandbox.odoo.import_convert import (
    ConversionProblem,
    ConversionWarning,
    Converter,
    Extracted,
)

Message = dict[str, Any]
# Returns the message of a sandbox fault rejecting the record about to be saved, if any.
RejectRecord = Callable[[], str | None]
# Given "create" or "write", the AccessError text of a sandbox fault denying that right.
DenyRight = Callable[[str], str | None]

# odoo.exceptions.UserError and its subclasses: their text becomes the message as is.
USER_ERRORS = (UserError, ValidationError, MissingError, AccessError)
TOO_MANY_ERRORS = (
    "Found more than 10 errors and more than one error per 10 records, interrupted to avoid "
    "showing too many errors."
)


def never_reject() -> str | None:
    return None


def never_deny(_operation: str) -> str | None:
    return None


def field_path(name: str) -> list[str | None]:
    """``fix_import_export_id_paths``: ``a.id``/``a:id`` spellings, split on ``/``."""
    fixed = re.sub(r"([^/])\.id", r"\1/.id", name)
    fixed = re.sub(r"([^/]):id", r"\1/id", fixed)
    return list(fixed.split("/"))


@dataclass
class _Pending:
    """One converted record waiting in the batch (``load``'s ``batch`` entries)."""

    xml_id: str | None
    values: dict[str, Any]
    info: Message  # rows and record index, copied into this record's messages


def _cells(data: Any, width: int) -> list[list[str]]:
    if not isinstance(data, list):
        raise PyTypeError(f"load() data must be a list of rows, not {type(data).__name__}")
    rows: list[list[str]] = []
    for row in data:
        if not isinstance(row, list) or not all(isinstance(cell, str) for cell in row):
            # Odoo's converters call str methods on every cell (data is list(list(str))).
            raise PyTypeError(f"load() rows must be lists of strings: {row!r}")
        rows.append([*row, *[""] * (width - len(row))])
    return rows


def extract(
    db: OdooDatabase, model: str, paths: Sequence[Sequence[str | None]], data: list[list[str]]
) -> Iterator[tuple[Extracted, Message]]:
    """``_extract_records``: one dict per record (relational columns as sub-records)."""
    fields = db.spec(model).fields
    for head, *_rest in paths:
        if head and "." not in head and head not in fields:
            # Odoo 17's _extract_records indexes the model's fields with the column name.
            raise PyKeyError(repr(head))

    def relational(name: str | None) -> bool:
        return name is not None and name in fields and fields[name].type in _RELATIONAL

    def one2many(name: str | None) -> bool:
        return name is not None and name in fields and fields[name].type == "one2many"

    o2m = [i for i, path in enumerate(paths) if one2many(path[0])]
    others = [i for i, path in enumerate(paths) if not one2many(path[0])]

    def continues(row: list[str]) -> bool:
        return any(row[i] for i in o2m) and not any(row[i] for i in others)

    heads = list(dict.fromkeys(path[0] for path in paths if relational(path[0])))
    index = 0
    while index < len(data):
        row = data[index]
        record: Extracted = {
            path[0]: row[i] for i, path in enumerate(paths) if not relational(path[0])
        }
        span = [row]
        for following in data[index + 1 :]:
            if not continues(following):
                break
            span.append(following)
        for head in heads:
            assert head is not None
            comodel = fields[head].relation
            assert comodel is not None
            columns = [(i, list(path[1:]) or [None]) for i, path in enumerate(paths)
                       if path[0] == head]  # fmt: skip
            sub_paths = [sub for _i, sub in columns]
            sub_rows = [[r[i] for i, _sub in columns] for r in span]
            sub_rows = [cells for cells in sub_rows if any(cells)]
            record[head] = [sub for sub, _info in extract(db, comodel, sub_paths, sub_rows)]
        yield record, {"rows": {"from": index, "to": index + len(span) - 1}}
        index += len(span)


_RELATIONAL = frozenset({"many2one", "one2many", "many2many"})


def _format(template: str, values: Message) -> str:
    try:
        return template % values
    except (KeyError, ValueError, TypeError):
        return template


def _python_class(exc: OdooError) -> str:
    """How ``type(e)`` prints for the server exception ``exc`` stands for."""
    return f"<class '{exc.name.removeprefix('builtins.')}'>"


def _pg_message(exc: OdooError) -> Message:
    """``PGERROR_TO_OE`` in odoo/models.py: PostgreSQL errors as import messages."""
    if isinstance(exc, NotNullViolation):
        return {
            "message": f"Missing required value for the field '{exc.field_string}' ({exc.field})",
            "field": exc.field,
        }
    if isinstance(exc, IntegrityViolation):
        # unique (on an index, not a named constraint) and foreign key: psycopg2's text
        return {"message": exc.pg_message}
    return {"message": exc.message}


class Load:
    """One ``load`` call on ``model`` (see the module docstring)."""

    def __init__(
        self,
        db: OdooDatabase,
        model: str,
        uid: int,
        context: dict[str, Any],
        reject: RejectRecord = never_reject,
        deny: DenyRight = never_deny,
    ) -> None:
        self.db = db
        self.deny = deny
        self.model = model
        self.spec = db.spec(model)
        self.uid = uid
        self.context = context
        self.reject = reject
        self.module = str(context.get("module") or "__import__")
        self.noupdate = bool(context.get("noupdate", False))
        self.ids: list[int] = []
        self.messages: list[Message] = []
        self.batch: list[_Pending] = []
        self.batch_xmlids: set[str] = set()
        self.converter = Converter(db, self.module, context, self.flush_for)
        # models a name reference may need the batch created for: root and one2many comodels
        self.creatable = {model}

    def run(self, fields: Any, data: Any) -> Message:
        if not isinstance(fields, list) or not all(isinstance(f, str) for f in fields):
            raise PyTypeError(f"load() fields must be a list of strings: {fields!r}")
        paths = [field_path(name) for name in fields]
        self._note_creatable(paths)
        rows = _cells(data, len(paths))
        with (
            self.db.transaction(),
            self.db.importing(self.module, self.noupdate),
            self.db.savepoint() as model_load,
        ):
            for dbid, xid, values, info in self._convert(extract(self.db, self.model, paths, rows)):
                if xid is not None:
                    xid = xid if "." in xid else f"{self.module}.{xid}"
                    self.batch_xmlids.add(xid)
                elif dbid is not None:
                    values["id"] = dbid
                self.batch.append(_Pending(xid, values, info))
            self.flush()
            failed = any(message["type"] == "error" for message in self.messages)
            if failed:
                model_load.rollback()  # odoo/models.py load(): any error undoes it all
        return {"ids": False if failed else self.ids, "messages": self.messages, "nextrow": 0}

    def _note_creatable(self, paths: Sequence[Sequence[str | None]]) -> None:
        for path in paths:
            fields = self.spec.fields
            for name in path:
                if name in (None, "id", ".id") or name not in fields:
                    break
                field = fields[name]
                if field.type != "one2many" or field.relation is None:
                    break
                self.creatable.add(field.relation)
                fields = self.db.spec(field.relation).fields

    # -- conversion ------------------------------------------------------------------

    def _convert(
        self, extracted: Iterator[tuple[Extracted, Message]]
    ) -> Iterator[tuple[int | None, str | None, dict[str, Any], Message]]:
        """``_convert_records``: (db id, external id, vals, info) per record."""
        for index, (record, extras) in enumerate(extracted):
            raw_xid = record.get("id")
            xid = raw_xid if isinstance(raw_xid, str) and raw_xid else None
            dbid: int | None = None
            raw_dbid = record.get(".id")
            if isinstance(raw_dbid, str) and raw_dbid:
                found = raw_dbid.isdigit() and bool(
                    self.db.search(self.model, [("id", "=", int(raw_dbid))], context=self.context)
                )
                if found:
                    dbid = int(raw_dbid)
                else:
                    self.messages.append({
                        **extras, "type": "error", "record": index, "field": ".id",
                        "message": f"Unknown database identifier '{raw_dbid}'",
                    })  # fmt: skip

            def log(name: str, problem: ConversionProblem, index: int = index,
                    extras: Message = extras) -> None:  # fmt: skip
                self.messages.append(self._message(extras, index, name, problem))

            values = self.converter.record(self.model, record, log)
            yield dbid, xid, values, {**extras, "record": index}

    def _message(
        self, extras: Message, index: int, name: str, problem: ConversionProblem
    ) -> Message:
        label = self.spec.fields[name].string
        message: Message = {
            **extras,
            "type": "warning" if isinstance(problem, ConversionWarning) else "error",
            "record": index,
            "field": name,
            "message": _format(problem.template, {**extras, "record": index, "field": label}),
        }
        if problem.info is not None:
            message.update(problem.info)
            message["field_name"] = label
        return message

    # -- saving the batch ------------------------------------------------------------

    def flush_for(self, xml_id: str | None = None, model: str | None = None) -> None:
        """Create the batch first when a reference may name one of its records."""
        if xml_id is not None and xml_id not in self.batch_xmlids:
            return
        if model is not None and model not in self.creatable:
            return
        self.flush()

    def flush(self) -> None:
        if not self.batch:
            return
        data_list = list(self.batch)
        self.batch.clear()
        self.batch_xmlids.clear()
        global_error: Message | None = None
        try:
            with self.db.savepoint():
                self.ids.extend(self._load_records(data_list))
            return
        # Caught before USER_ERRORS: an IntegrityViolation is also a ValidationError.
        except (IntegrityViolation, SerializationFailure):
            pass  # psycopg2 errors: found again below, one record at a time
        except USER_ERRORS as exc:
            global_error = {**data_list[0].info, "type": "error", "message": exc.message}
        except OdooError:
            pass  # any other error is also found again below, record by record
        errors = 0
        for number, data in enumerate(data_list, 1):
            try:
                with self.db.savepoint():
                    self.ids.extend(self._load_records([data]))
            except (IntegrityViolation, SerializationFailure) as exc:
                self.messages.append({**data.info, "type": "error", **_pg_message(exc)})
                errors += 1
            except USER_ERRORS as exc:
                self.messages.append({**data.info, "type": "error", "message": exc.message})
                errors += 1
            except OdooError as exc:
                self.messages.append({
                    **data.info, "type": "error",
                    "message": f"Unknown error during import: {_python_class(exc)}: "
                               f"{exc.message}",
                    "moreinfo": "Resolve other errors first",
                })  # fmt: skip
                errors += 1
            if errors >= 10 and errors >= number / 10:
                self.messages.append({"type": "warning", "message": TOO_MANY_ERRORS})
                break
        if errors and global_error is not None and global_error not in self.messages:
            self.messages.insert(0, global_error)

    def _load_records(self, data_list: Sequence[_Pending]) -> list[int]:
        """``_load_records``: write the records an external id (or ``.id``) names, create
        the others, then bind the external ids of both (an upsert)."""
        records: list[int] = [0] * len(data_list)
        to_update: list[int] = []
        to_create: list[int] = []
        named: list[int] = []
        for k, data in enumerate(data_list):
            if not data.xml_id:
                dbid = data.values.get("id")
                if isinstance(dbid, int) and dbid:
                    records[k] = dbid
                    to_update.append(k)
                else:
                    to_create.append(k)
                continue
            module, _, name = data.xml_id.partition(".")
            row = self.db.xmlid_row(module, name)
            if row is None:
                to_create.append(k)
            elif row.model != self.model:
                raise ValidationError(
                    f"For external id {data.xml_id} when trying to create/update a record of "
                    f"model {self.model} found record of different model {row.model} ({row.id})"
                )
            elif row.exists:
                records[k] = row.res_id
                named.append(k)
                to_update.append(k)
            else:
                # The external id outlived its record: drop it and create the record anew.
                self.db.unlink("ir.model.data", [row.id], ADMIN_UID)
                to_create.append(k)
        for k in to_update:
            self._check_fault("write")
            self.db.write(self.model, [records[k]], data_list[k].values, self.uid)
        for k in to_create:
            # _load_records_create -> create(): the model's create overrides run too.
            self._check_fault("create")
            records[k] = self.db.create_one(self.model, data_list[k].values, self.uid)
            if data_list[k].xml_id:
                named.append(k)
        for k in named:
            xml_id = data_list[k].xml_id
            assert xml_id is not None
            self.db.set_xmlid(xml_id, self.model, records[k], self.noupdate)
        return records

    def _check_fault(self, operation: str) -> None:
        # create() and write() check the model's access rights first (check_access_rights),
        # so a missing right fails every record of the batch, each with the same text.
        denied = self.deny(operation)
        if denied is not None:
            raise AccessError(denied)
        message = self.reject()
        if message is not None:
            raise ValidationError(message)


def load(
    db: OdooDatabase,
    model: str,
    fields: Any,
    data: Any,
    uid: int,
    context: dict[str, Any],
    reject: RejectRecord = never_reject,
    deny: DenyRight = never_deny,
) -> Message:
    """``model.load(fields, data)`` -> ``{"ids": [...] | False, "messages": [...]}``."""
    return Load(db, model, uid, context, reject, deny).run(fields, data)
