"""Custom objects and fields for the Salesforce emulator, so a mapping can be tried before
an org has them.

Two sources, both turned into the schema file the emulator reads (``schema_path``, the shape
of ``salesforce/default_schema.yaml``):

- a Salesforce mapping: every object and field it writes that the emulated org lacks,
  typed from the mapping (``format``, ``scale``, ``max_length``, ``map``, ``ref``);
- a describe file: what ``GET /services/data/vXX.X/sobjects/<name>/describe`` answers for
  each object (one result, a list of them, or ``{"sobjects": [...]}``), so an org's real
  objects can be copied as they are. Attributes the emulator does not model are left out.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import yaml

from connector.mapping import FieldFormat, MappingError, MappingSpec, compile_mapping
from connector.mapping.spec import FieldSpec, ObjectSpec
from connector.sandbox.salesforce.schema import Schema, SchemaError, load_schema

SCHEMA_FILE = "salesforce_schema.json"
DEFAULT_TEXT_LENGTH = 255
DEFAULT_SCALE = 4  # as many decimals as any currency has (CLF; KWD and BHD have 3)
MAX_STRING_LENGTH = 255  # beyond it Salesforce has long text areas

#: Describe attributes the emulator models (the rest of a real describe is left out).
_KEPT = frozenset(
    {"name", "type", "label", "length", "precision", "scale", "nillable", "createable",
     "updateable", "externalId", "unique", "caseSensitive", "idLookup", "restrictedPicklist",
     "relationshipName", "defaultedOnCreate", "defaultValue", "picklistValues", "referenceTo"}
)  # fmt: skip
_OBJECT_KEPT = ("label", "labelPlural", "keyPrefix", "custom")
#: Added to every object by the emulator itself.
_SYSTEM = frozenset(
    {"id", "isdeleted", "createddate", "createdbyid", "lastmodifieddate", "lastmodifiedbyid",
     "systemmodstamp", "ownerid"}
)  # fmt: skip
#: Compound fields (read-only views over their parts) the emulator has no type for.
_COMPOUND = frozenset({"address", "location"})

Objects = dict[str, dict[str, Any]]


# -- from a mapping ------------------------------------------------------------------------


def _typed(spec: FieldSpec) -> dict[str, Any]:
    fmt = spec.format
    if fmt is FieldFormat.DECIMAL:
        scale = spec.scale if spec.scale is not None else DEFAULT_SCALE
        return {"type": "double", "precision": 18, "scale": scale}
    if fmt in (FieldFormat.INTEGER, FieldFormat.MINOR_UNITS, FieldFormat.EPOCH):
        return {"type": "double", "precision": 18, "scale": 0}
    if fmt is FieldFormat.BOOLEAN:
        return {
            "type": "boolean",
            "nillable": False,
            "defaultedOnCreate": True,
            "defaultValue": False,
        }
    if fmt is FieldFormat.DATE:
        return {"type": "date"}
    if fmt is FieldFormat.DATETIME:
        return {"type": "datetime"}
    if spec.map is not None:
        values = sorted({str(v) for v in [*spec.map.values(), spec.default] if v is not None})
        return {
            "type": "picklist",
            "length": DEFAULT_TEXT_LENGTH,
            "picklistValues": [{"value": value} for value in values],
        }
    length = spec.max_length or DEFAULT_TEXT_LENGTH
    return {"type": "string" if length <= MAX_STRING_LENGTH else "textarea", "length": length}


def _field(spec: FieldSpec, mapping: MappingSpec) -> dict[str, Any] | None:
    if spec.lines is not None or spec.lookup is not None:
        return None  # Odoo's kinds of field: nothing a Salesforce org holds
    entry: dict[str, Any] = {"name": spec.target, "label": _label(spec.target)}
    if spec.ref is not None:
        relationship = f"{spec.target[:-3]}__r" if spec.target.endswith("__c") else None
        entry.update(
            type="reference",
            referenceTo=[mapping.objects[spec.ref].target],
            relationshipName=relationship,
        )
        return entry
    entry.update(_typed(spec))
    return entry


def _label(name: str) -> str:
    return name.removesuffix("__c").replace("_", " ")


def _missing_fields(obj: ObjectSpec, mapping: MappingSpec, org: Schema) -> list[dict[str, Any]]:
    known = org.get(obj.target)
    fields: list[dict[str, Any]] = []
    if known is None or known.field(obj.key.field) is None:
        fields.append(
            {"name": obj.key.field, "label": _label(obj.key.field), "type": "string",
             "length": DEFAULT_TEXT_LENGTH, "externalId": True, "unique": True}
        )  # fmt: skip
    for spec in obj.fields:
        if known is not None and known.field(spec.target) is not None:
            continue
        entry = _field(spec, mapping)
        if entry is not None:
            fields.append(entry)
    return fields


def schema_from_mapping(path: Path) -> Objects:
    """The objects and fields a Salesforce mapping writes that the emulated org lacks.

    Raises :class:`~connector.mapping.MappingError` for a mapping that does not validate.
    """
    compile_mapping(path)  # every problem reported with file, line and field
    mapping = MappingSpec.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))
    org = load_schema()
    objects: Objects = {}
    for obj in mapping.objects.values():
        fields = _missing_fields(obj, mapping, org)
        if not fields:
            continue
        entry = objects.setdefault(obj.target, {"fields": []})
        if org.get(obj.target) is None:
            entry["label"] = _label(obj.target)
        entry["fields"].extend(fields)
    return objects


# -- from a describe file ------------------------------------------------------------------


def _describes(data: Any, path: Path) -> list[Mapping[str, Any]]:
    if isinstance(data, Mapping) and isinstance(data.get("sobjects"), list):
        data = data["sobjects"]
    if isinstance(data, Mapping):
        data = [data]
    if not isinstance(data, list) or not all(
        isinstance(d, Mapping)
        and isinstance(d.get("name"), str)
        and isinstance(d.get("fields"), list)
        for d in data
    ):
        raise SchemaError(
            f"{path}: expected an sObject describe result ({{'name': ..., 'fields': [...]}}), "
            "a list of them, or {'sobjects': [...]}"
        )
    return data


def _described_field(raw: Mapping[str, Any], known: set[str]) -> dict[str, Any] | None:
    name = raw.get("name")
    if not isinstance(name, str) or "type" not in raw:
        return None
    if name.lower() in _SYSTEM or raw["type"] in _COMPOUND:
        return None
    entry = {key: value for key, value in raw.items() if key in _KEPT and value is not None}
    if "picklistValues" in entry:
        entry["picklistValues"] = [
            {k: v[k] for k in ("value", "label", "active", "defaultValue") if k in v}
            for v in entry["picklistValues"]
        ]
    if raw["type"] == "reference":
        # Lookups to objects the sandbox does not have (Contact, Group, ...) cannot be kept.
        targets = [t for t in entry.get("referenceTo", []) if t == "User" or t in known]
        if not targets:
            return None
        entry["referenceTo"] = targets
    return entry


def schema_from_describe(path: Path) -> Objects:
    """Objects and fields from a file of describe results (JSON, or YAML)."""
    text = path.read_text(encoding="utf-8")
    try:
        data = json.loads(text) if path.suffix.lower() == ".json" else yaml.safe_load(text)
    except (ValueError, yaml.YAMLError) as exc:
        raise SchemaError(f"{path}: not JSON or YAML: {exc}") from exc
    if isinstance(data, Mapping) and isinstance(data.get("objects"), Mapping):
        return dict(data["objects"])  # already the emulator's own shape
    describes = _describes(data, path)
    known = set(load_schema().objects) | {str(d["name"]) for d in describes}
    objects: Objects = {}
    for describe in describes:
        entry: dict[str, Any] = {k: describe[k] for k in _OBJECT_KEPT if k in describe}
        fields = (_described_field(raw, known) for raw in describe["fields"])
        entry["fields"] = [f for f in fields if f is not None]
        objects[str(describe["name"])] = entry
    return objects


# -- the file the emulator reads -----------------------------------------------------------


def write_schema(directory: Path, parts: Iterable[Objects]) -> Path | None:
    """Merge ``parts`` (later ones win, field by field) into the emulator's schema file.

    Returns None when there is nothing to add. Raises :class:`SchemaError` when the result
    would not load (a lookup to an unknown object, a field without a type).
    """
    merged: Objects = {}
    for part in parts:
        for name, obj in part.items():
            entry = merged.setdefault(name, {"fields": []})
            entry.update({k: v for k, v in obj.items() if k != "fields"})
            by_name = {str(f["name"]).lower(): f for f in entry["fields"]}
            for field in obj.get("fields") or []:
                by_name[str(field["name"]).lower()] = field
            entry["fields"] = list(by_name.values())
    if not merged:
        return None
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / SCHEMA_FILE
    path.write_text(json.dumps({"objects": merged}, indent=2), encoding="utf-8")
    try:
        load_schema(path)
    except (KeyError, TypeError) as exc:
        raise SchemaError(f"{path}: {exc}") from exc
    return path


__all__ = [
    "MappingError",
    "SchemaError",
    "schema_from_describe",
    "schema_from_mapping",
    "write_schema",
]
