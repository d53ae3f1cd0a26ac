"""``ir.fields.converter``: the cells of a ``load`` (strings, as read from a CSV file) to the
values ``create``/``write`` take.

Follows odoo/addons/base/models/ir_fields.py (17.0): ``for_model`` (an empty cell sets the
field to ``False``, it does not leave it out), the ``_str_to_<type>`` converters,
``db_id_for`` (``/.id``, ``/id`` and name references) and ``_str_to_one2many``, whose
sub-records with an unknown external id become ``Command.create`` carrying that id (bound
by :meth:`OdooDatabase.importing`). A converter reports a problem by raising
:class:`ConversionProblem` (Odoo's ``ValueError(message, info)``) or by returning it as a
warning; the message keeps a ``%(field)s`` placeholder that ``load`` fills with the field's
label.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any, TypeAlias
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from connector.sandbox.odoo.database import DATE_FORMAT, DATETIME_FORMAT, OdooDatabase
from connector.sandbox.odoo.field_types import FieldSpec, ModelSpec
from connector.sandbox.odoo.x2many import CREATE, LINK, SET, UPDATE

# One extracted record: column -> cell, or -> sub-records for a relational column. The key
# None is a sub-field path ending at the relation itself (a reference by name).
Extracted: TypeAlias = "dict[str | None, str | list[Extracted]]"
REFERENCING: frozenset[str | None] = frozenset({None, "id", ".id"})
TRUES = frozenset({"1", "true", "yes"})
FALSES = frozenset({"", "0", "false", "no"})
# The time zone of the emulated admin user (see res.users.context_get).
USER_TZ = "Europe/Brussels"


class ConversionProblem(ValueError):
    """Odoo's ``ValueError(message, info)`` from a converter (``_format_import_error``).

    ``template`` holds ``%(field)s`` for the field's label; values quoted in it have their
    ``%`` doubled. ``info`` is merged into the import message (``moreinfo``...).
    """

    def __init__(self, template: str, info: dict[str, Any] | None = None) -> None:
        super().__init__(template)
        self.template = template
        self.info = info


class ConversionWarning(ConversionProblem):
    """``ir_fields.ImportWarning``: logged with type ``warning``, the value is kept."""


Log = Callable[[str, ConversionProblem], None]
# load()'s flush(xml_id=..., model=...): create the records batched so far first.
Flush = Callable[[str | None, str | None], None]


def _quote(value: object) -> str:
    return str(value).replace("%", "%%")


def _action(model: str, by_external_id: bool) -> dict[str, Any]:
    """The "Possible Values" window action ``db_id_for`` puts in ``moreinfo``."""
    action: dict[str, Any] = {
        "name": "Possible Values",
        "type": "ir.actions.act_window",
        "target": "new",
        "view_mode": "tree,form",
        "views": [[False, "list"], [False, "form"]],
        "context": {"create": False},
        "help": "See all possible values",
        "res_model": "ir.model.data" if by_external_id else model,
    }
    if by_external_id:
        action["domain"] = [["model", "=", model]]
    return action


def to_boolean(value: str) -> tuple[bool, list[ConversionProblem]]:
    """``_str_to_boolean``: an unknown word is True plus an *error* (not a warning)."""
    word = value.lower()
    if word in TRUES:
        return True, []
    if word in FALSES:
        return False, []
    problem = ConversionProblem(
        f"Unknown value '{_quote(value)}' for boolean field '%(field)s'",
        {"moreinfo": "Use '1' for yes and '0' for no"},
    )
    return True, [problem]


class Converter:
    """``ir.fields.converter`` for one ``load`` call.

    ``module`` qualifies external ids without a dot (context ``_import_current_module``),
    ``tz`` is the zone naive datetimes are read in, ``flush`` creates the records batched so
    far before an external id reference to one of them is resolved.
    """

    def __init__(
        self,
        db: OdooDatabase,
        module: str,
        context: dict[str, Any],
        flush: Flush,
    ) -> None:
        self.db = db
        self.module = module
        self.context = context
        self.flush = flush
        self._xmlid_cache: dict[str, tuple[str, int]] = {}

    # -- records ---------------------------------------------------------------------

    def record(self, model: str, record: Extracted, log: Log) -> dict[str, Any]:
        """``for_model(model)(record, log)``: converted vals; problems go to ``log``."""
        spec = self.db.spec(model)
        converted: dict[str, Any] = {}
        for name, value in record.items():
            if name is None or name in REFERENCING:
                continue
            if not value:
                converted[name] = False
                continue
            try:
                converted[name], warnings = self.field(spec, spec.fields[name], value)
            except ConversionProblem as problem:
                log(name, problem)
                continue
            for warning in warnings:
                log(name, warning)
        return converted

    def field(
        self, spec: ModelSpec, field: FieldSpec, value: str | list[Extracted]
    ) -> tuple[Any, list[ConversionProblem]]:
        if field.type == "many2one":
            return self._many2one(spec, field, _subrecords(value))
        if field.type == "many2many":
            return self._many2many(spec, field, _subrecords(value))
        if field.type == "one2many":
            return self._one2many(spec, field, _subrecords(value))
        if not isinstance(value, str):
            raise ConversionProblem(f"Unexpected sub-records for field '%(field)s' ({field.type})")
        return self._scalar(field, value)

    # -- plain values ------------------------------------------------------------------

    def _scalar(self, field: FieldSpec, value: str) -> tuple[Any, list[ConversionProblem]]:
        kind = field.type
        if kind == "boolean":
            return to_boolean(value)
        if kind == "integer":
            try:
                return int(value), []
            except ValueError:
                raise ConversionProblem(
                    f"'{_quote(value)}' does not seem to be an integer for field '%(field)s'"
                ) from None
        if kind in ("float", "monetary"):
            try:
                return float(value), []
            except ValueError:
                raise ConversionProblem(
                    f"'{_quote(value)}' does not seem to be a number for field '%(field)s'"
                ) from None
        if kind == "date":
            try:
                # fields.Date.to_date reads the first 10 characters
                day = dt.datetime.strptime(value[:10], DATE_FORMAT).replace(tzinfo=dt.UTC)
                return day.date().isoformat(), []
            except ValueError:
                raise ConversionProblem(
                    f"'{_quote(value)}' does not seem to be a valid date for field '%(field)s'",
                    {"moreinfo": "Use the format '2012-12-31'"},
                ) from None
        if kind == "datetime":
            return self._datetime(value), []
        if kind == "selection":
            return self._selection(field, value), []
        return value, []  # char, text, html: as is

    def _datetime(self, value: str) -> str:
        text = f"{value} 00:00:00" if len(value) == 10 else value
        # _str_to_datetime reads the cell in the context's tz, else the user's (_input_tz),
        # and stores it in UTC: a client sending UTC must say so with context tz=UTC.
        try:
            parsed = dt.datetime.strptime(text, DATETIME_FORMAT).replace(tzinfo=self._zone())
        except ValueError:
            raise ConversionProblem(
                f"'{_quote(value)}' does not seem to be a valid datetime for field '%(field)s'",
                {"moreinfo": "Use the format '2012-12-31 23:59:59'"},
            ) from None
        return parsed.astimezone(dt.UTC).strftime(DATETIME_FORMAT)

    def _zone(self) -> dt.tzinfo:
        for name in (self.context.get("tz"), USER_TZ):
            if isinstance(name, str) and name:
                try:
                    return ZoneInfo(name)
                except (ZoneInfoNotFoundError, ValueError):
                    continue
        return dt.UTC

    def _selection(self, field: FieldSpec, value: str) -> str:
        wanted = value.lower()
        for key, label in field.selection:
            if wanted in (key.lower(), label.lower()):
                return key
        raise ConversionProblem(
            f"Value '{_quote(value)}' not found in selection field '%(field)s'",
            {"moreinfo": [label or key for key, label in field.selection if label or key]},
        )

    # -- references --------------------------------------------------------------------

    def db_id_for(
        self, field: FieldSpec, subfield: str | None, value: str
    ) -> tuple[int | bool, list[ConversionProblem]]:
        """``db_id_for``: the id ``value`` refers to, ``False`` for an empty reference."""
        assert field.relation is not None
        comodel = field.relation
        warnings: list[ConversionProblem] = []
        found: int | None = None
        if subfield == ".id":
            kind = "database id"
            if not to_boolean(value)[0]:
                return False, warnings
            try:
                tentative = int(value)
            except ValueError:
                raise ConversionProblem(
                    f"Invalid database id '{_quote(value)}' for the field '%(field)s'",
                    {"moreinfo": _action(comodel, True)},
                ) from None
            # search() applies active_test: an archived record is not found unless the
            # context turns it off.
            if self.db.search(comodel, [("id", "=", tentative)], context=self.context):
                found = tentative
        elif subfield == "id":
            kind = "external id"
            if not to_boolean(value)[0]:
                return False, warnings
            xmlid = value if "." in value else f"{self.module}.{value}"
            self.flush(xmlid, None)
            found = self._xmlid_to_record_id(xmlid, comodel)
        else:
            kind = "name"
            if value == "":
                return False, warnings
            self.flush(None, comodel)
            matches = self.db.name_search(comodel, value, [], "=", None)
            if len(matches) > 1:
                warnings.append(
                    ConversionWarning(
                        f"Found multiple matches for value '{_quote(value)}' in field "
                        f"'%(field)s' ({len(matches)} matches)"
                    )
                )
            if matches:
                found = int(matches[0][0])
        if found is None:
            raise ConversionProblem(
                f"No matching record found for {kind} '{_quote(value)}' in field '%(field)s'",
                {"moreinfo": _action(comodel, subfield in ("id", ".id"))},
            )
        return found, warnings

    def _xmlid_to_record_id(self, xmlid: str, model: str) -> int | None:
        """The record an external id names, if that record still exists (SQL JOIN)."""
        cached = self._xmlid_cache.get(xmlid)
        if cached is None:
            module, _, name = xmlid.partition(".")
            row = self.db.xmlid_row(module, name)
            if row is None or not row.exists:
                return None
            cached = self._xmlid_cache[xmlid] = (row.model, row.res_id)
        found_model, res_id = cached
        if found_model != model:
            raise ConversionProblem(
                _quote(f"Invalid external ID {xmlid}: expected model {model!r}, "
                       f"found {found_model!r}")
            )  # fmt: skip
        return res_id

    def _many2one(
        self, spec: ModelSpec, field: FieldSpec, values: list[Extracted]
    ) -> tuple[Any, list[ConversionProblem]]:
        if len(values) != 1:
            raise ConversionProblem(f"expected 1 value for field '%(field)s', got {len(values)}")
        subfield, reference = _referencing(values[0])
        return self.db_id_for(field, subfield, reference)

    def _many2many(
        self, spec: ModelSpec, field: FieldSpec, values: list[Extracted]
    ) -> tuple[Any, list[ConversionProblem]]:
        if len(values) != 1:
            raise ConversionProblem(f"expected 1 value for field '%(field)s', got {len(values)}")
        subfield, references = _referencing(values[0])
        ids: list[Any] = []
        warnings: list[ConversionProblem] = []
        for reference in references.split(","):
            found, more = self.db_id_for(field, subfield, reference)
            ids.append(found)
            warnings.extend(more)
        return [(SET, 0, ids)], warnings

    def _one2many(
        self, spec: ModelSpec, field: FieldSpec, records: list[Extracted]
    ) -> tuple[Any, list[ConversionProblem]]:
        assert field.relation is not None
        comodel = self.db.spec(field.relation)
        warnings: list[ConversionProblem] = []
        if len(records) == 1 and all(key in REFERENCING for key in records[0]):
            # One cell listing references (field/id = "a,b,c"), as for a many2many.
            subfield, references = _referencing(records[0])
            records = [{subfield: reference} for reference in references.split(",")]

        def log(name: str, problem: ConversionProblem) -> None:
            if isinstance(problem, ConversionWarning):
                warnings.append(problem)
                return
            # An error in a sub-record fails the whole one2many, named "Field/Sub-field".
            label = comodel.fields[name].string
            template = problem.template.replace("%(field)s", f"%(field)s/{_quote(label)}")
            raise ConversionProblem(template, problem.info)

        commands: list[tuple[Any, ...]] = []
        for record in records:
            refs = {k: v for k, v in record.items() if k in REFERENCING}
            writable = self.record(
                comodel.name, {k: v for k, v in record.items() if k not in REFERENCING}, log
            )
            found: int | bool | None = None
            if refs:
                subfield, reference = _referencing(refs)
                try:
                    found, more = self.db_id_for(field, subfield, reference)
                    warnings.extend(more)
                except ConversionProblem:
                    if subfield != "id":
                        raise
                    # An unknown external id: the sub-record is created and takes it.
                    writable["id"] = reference
            if found:
                commands.append((LINK, found, 0))
                commands.append((UPDATE, found, writable))
            else:
                commands.append((CREATE, 0, writable))
        return commands, warnings


def _subrecords(value: str | list[Extracted]) -> list[Extracted]:
    return value if isinstance(value, list) else [{None: value}]


def _referencing(record: Extracted) -> tuple[str | None, str]:
    """``_referencing_subfield``: the one reference column a relational cell may use."""
    keys = set(record)
    if keys - REFERENCING:
        raise ConversionProblem(
            "Can not create Many-To-One records indirectly, import the field separately"
        )
    if len(keys) > 1:
        raise ConversionProblem(
            "Ambiguous specification for field '%(field)s', only provide one of name, "
            "external id or database id"
        )
    (subfield,) = keys
    value = record[subfield]
    return subfield, value if isinstance(value, str) else ""
