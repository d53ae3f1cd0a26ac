"""Describe-style object schema of the sandbox org, loaded from YAML/JSON data.

The default objects live in ``default_schema.yaml`` next to this module; a user file of the
same shape (``schema_path``) adds objects or fields. Field and object names are matched
case-insensitively, as the REST API and SOQL do.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from connector.sandbox.salesforce.ids import checksum

DEFAULT_SCHEMA_PATH = Path(__file__).with_name("default_schema.yaml")
_SANDBOX_USER_15 = "0055g0000SbxUsr"
SANDBOX_USER_ID = _SANDBOX_USER_15 + checksum(_SANDBOX_USER_15)

TEXT_TYPES = frozenset({"string", "textarea", "email", "phone", "url", "picklist", "combobox"})
NUMBER_TYPES = frozenset({"double", "currency", "percent", "int"})


@dataclass(frozen=True)
class PicklistValue:
    value: str
    label: str
    active: bool = True
    default_value: bool = False


@dataclass(frozen=True)
class FieldDef:
    """One field, with the attributes the describe call reports."""

    name: str
    type: str
    label: str = ""
    length: int = 0
    precision: int = 0
    scale: int = 0
    nillable: bool = True
    createable: bool = True
    updateable: bool = True
    external_id: bool = False
    unique: bool = False
    case_sensitive: bool = False
    id_lookup: bool = False
    picklist_values: tuple[PicklistValue, ...] = ()
    restricted_picklist: bool = False
    reference_to: tuple[str, ...] = ()
    relationship_name: str | None = None
    defaulted_on_create: bool = False
    default_value: Any = None
    custom: bool = False

    @property
    def indexed(self) -> bool:
        """Whether equality lookups on this field use an index (Id, unique, external id)."""
        return self.type == "id" or self.unique or self.external_id

    @property
    def is_text(self) -> bool:
        return self.type in TEXT_TYPES

    @property
    def is_number(self) -> bool:
        return self.type in NUMBER_TYPES

    def active_values(self) -> frozenset[str]:
        return frozenset(v.value for v in self.picklist_values if v.active)


@dataclass
class ObjectDef:
    """One sObject type."""

    name: str
    label: str
    label_plural: str
    key_prefix: str
    custom: bool
    fields: dict[str, FieldDef] = field(default_factory=dict)
    _by_lower: dict[str, FieldDef] = field(default_factory=dict, repr=False)
    _relationships: dict[str, FieldDef] = field(default_factory=dict, repr=False)

    def add_field(self, fdef: FieldDef) -> None:
        self.fields[fdef.name] = fdef
        self._by_lower[fdef.name.lower()] = fdef
        if fdef.relationship_name:
            self._relationships[fdef.relationship_name.lower()] = fdef

    def field(self, name: str) -> FieldDef | None:
        """The field called ``name`` (any case), or None."""
        return self._by_lower.get(name.lower())

    def relationship(self, name: str) -> FieldDef | None:
        """The lookup field whose relationship name is ``name`` (any case), or None."""
        return self._relationships.get(name.lower())

    def unique_fields(self) -> list[FieldDef]:
        return [f for f in self.fields.values() if f.unique or f.external_id]


class SchemaError(ValueError):
    """The schema file is not usable."""


class Schema:
    """All sObject types of the org."""

    def __init__(self, objects: list[ObjectDef]) -> None:
        self.objects: dict[str, ObjectDef] = {o.name: o for o in objects}
        self._by_lower = {o.name.lower(): o for o in objects}
        self._by_prefix = {o.key_prefix: o for o in objects}

    def get(self, name: str) -> ObjectDef | None:
        return self._by_lower.get(name.lower())

    def by_prefix(self, prefix: str) -> ObjectDef | None:
        return self._by_prefix.get(prefix)


def _system_fields() -> list[FieldDef]:
    ro: dict[str, Any] = {"createable": False, "updateable": False}
    return [
        FieldDef("Id", "id", "Record ID", length=18, nillable=False, id_lookup=True, **ro),
        FieldDef("IsDeleted", "boolean", "Deleted", nillable=False, **ro),
        FieldDef("CreatedDate", "datetime", "Created Date", nillable=False, **ro),
        FieldDef(
            "CreatedById",
            "reference",
            "Created By ID",
            18,
            nillable=False,
            reference_to=("User",),
            **ro,
        ),
        FieldDef("LastModifiedDate", "datetime", "Last Modified Date", nillable=False, **ro),
        FieldDef(
            "LastModifiedById",
            "reference",
            "Last Modified By ID",
            18,
            nillable=False,
            reference_to=("User",),
            **ro,
        ),
        FieldDef("SystemModstamp", "datetime", "System Modstamp", nillable=False, **ro),
        FieldDef(
            "OwnerId",
            "reference",
            "Owner ID",
            18,
            nillable=False,
            createable=True,
            updateable=True,
            defaulted_on_create=True,
            reference_to=("User",),
        ),
    ]


_FIELD_KEYS = {
    "name": "name",
    "type": "type",
    "label": "label",
    "length": "length",
    "precision": "precision",
    "scale": "scale",
    "nillable": "nillable",
    "createable": "createable",
    "updateable": "updateable",
    "externalId": "external_id",
    "unique": "unique",
    "caseSensitive": "case_sensitive",
    "idLookup": "id_lookup",
    "restrictedPicklist": "restricted_picklist",
    "relationshipName": "relationship_name",
    "defaultedOnCreate": "defaulted_on_create",
    "defaultValue": "default_value",
}


def _field_from_data(data: dict[str, Any]) -> FieldDef:
    kwargs: dict[str, Any] = {}
    for key, value in data.items():
        if key == "picklistValues":
            kwargs["picklist_values"] = tuple(
                PicklistValue(
                    value=str(v["value"]),
                    label=str(v.get("label", v["value"])),
                    active=bool(v.get("active", True)),
                    default_value=bool(v.get("defaultValue", False)),
                )
                for v in value
            )
        elif key == "referenceTo":
            kwargs["reference_to"] = tuple(value)
        elif key in _FIELD_KEYS:
            kwargs[_FIELD_KEYS[key]] = value
        else:
            raise SchemaError(f"unknown field attribute {key!r} in field {data.get('name')!r}")
    if "name" not in kwargs or "type" not in kwargs:
        raise SchemaError(f"field definition needs name and type: {data!r}")
    name = str(kwargs["name"])
    kwargs.setdefault("label", name)
    kwargs["custom"] = name.endswith("__c")
    # Unique and external-id fields can be used to look records up (describe's idLookup).
    if kwargs.get("unique") or kwargs.get("external_id"):
        kwargs["id_lookup"] = True
    return FieldDef(**kwargs)


def _read(path: Path) -> dict[str, Any]:
    text = path.read_text(encoding="utf-8")
    data = json.loads(text) if path.suffix.lower() == ".json" else yaml.safe_load(text)
    if not isinstance(data, dict) or not isinstance(data.get("objects"), dict):
        raise SchemaError(f"{path}: expected a mapping with an 'objects' mapping")
    return data


def _next_custom_prefix(used: set[str]) -> str:
    alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    for second in alphabet:
        for third in alphabet:
            prefix = f"a{second}{third}"
            if prefix not in used:
                return prefix
    raise SchemaError("no key prefix left")


def load_schema(extra_path: Path | None = None) -> Schema:
    """The default schema, extended by ``extra_path`` (YAML or JSON) when given."""
    raw: dict[str, dict[str, Any]] = {}
    sources = [_read(DEFAULT_SCHEMA_PATH)]
    if extra_path is not None:
        sources.append(_read(extra_path))
    for source in sources:
        for obj_name, obj_data in source["objects"].items():
            target = raw.setdefault(str(obj_name), {"fields": {}})
            for key, value in (obj_data or {}).items():
                if key == "fields":
                    for fdata in value or []:
                        target["fields"][str(fdata["name"]).lower()] = fdata
                else:
                    target[key] = value
    used_prefixes = {str(o["keyPrefix"]) for o in raw.values() if "keyPrefix" in o}
    objects: list[ObjectDef] = []
    for obj_name, data in raw.items():
        prefix = str(data.get("keyPrefix") or _next_custom_prefix(used_prefixes))
        used_prefixes.add(prefix)
        obj = ObjectDef(
            name=obj_name,
            label=str(data.get("label", obj_name)),
            label_plural=str(data.get("labelPlural", data.get("label", obj_name))),
            key_prefix=prefix,
            custom=bool(data.get("custom", obj_name.endswith("__c"))),
        )
        for fdef in _system_fields():
            obj.add_field(fdef)
        for fdata in data["fields"].values():
            obj.add_field(_field_from_data(fdata))
        objects.append(obj)
    schema = Schema(objects)
    for obj in objects:
        for fdef in obj.fields.values():
            for ref in fdef.reference_to:
                if ref != "User" and schema.get(ref) is None:
                    raise SchemaError(f"{obj.name}.{fdef.name} references unknown {ref}")
    return schema
