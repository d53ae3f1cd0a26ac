"""The mapping against the database's models: checked before a run writes anything.

``fields_get`` tells, per model, which fields exist and their types. A mapping naming a
missing model or field, or writing a value of the wrong kind (a date into a many2one, lines
into a char field), is reported in plain words, so that an upgrade of the Odoo database that
renamed a field stops the connector at start instead of failing record by record.
"""

from __future__ import annotations

from collections.abc import Mapping

from adapters.odoo.schema import FieldInfo, ObjectInfo
from connector.mapping.spec import FieldFormat

Described = Mapping[str, Mapping[str, object]]

# Odoo field types each value format may be written to.
_TYPES: dict[FieldFormat | None, frozenset[str]] = {
    FieldFormat.STRING: frozenset({"char", "text", "html", "selection"}),
    FieldFormat.DECIMAL: frozenset({"float", "monetary", "integer"}),
    FieldFormat.MINOR_UNITS: frozenset({"integer", "float", "monetary"}),
    FieldFormat.INTEGER: frozenset({"integer", "float"}),
    FieldFormat.BOOLEAN: frozenset({"boolean"}),
    FieldFormat.DATE: frozenset({"date"}),
    FieldFormat.DATETIME: frozenset({"datetime"}),
    FieldFormat.EPOCH: frozenset({"integer"}),
    None: frozenset({"char", "text"}),
}


def field_problems(model: str, spec: FieldInfo, described: Described) -> list[str]:
    info = described.get(spec.target)
    where = f"{model}.{spec.target}"
    if info is None:
        return [f"{where}: no such field"]
    kind = str(info.get("type"))
    if spec.kind in ("ref", "lookup"):
        return [] if kind == "many2one" else [f"{where}: is {kind}, the mapping links a record"]
    if spec.kind == "lines":
        return [] if kind == "one2many" else [f"{where}: is {kind}, the mapping writes lines"]
    allowed = _TYPES.get(spec.fmt, _TYPES[None])
    if kind not in allowed:
        return [f"{where}: is {kind}, the mapping writes {spec.fmt.value if spec.fmt else 'text'}"]
    return []


def object_problems(
    obj: ObjectInfo, described: Described, lines: Mapping[str, Described]
) -> list[str]:
    problems: list[str] = []
    for spec in obj.fields:
        found = field_problems(obj.model, spec, described)
        problems.extend(found)
        if spec.kind == "lines" and not found and spec.lines_model is not None:
            children = lines.get(spec.lines_model, {})
            for child in spec.children:
                problems.extend(field_problems(spec.lines_model, child, children))
    return problems
