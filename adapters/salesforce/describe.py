"""The parts of ``sobjects/<SObject>/describe`` the adapter relies on, as typed data."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True)
class FieldInfo:
    name: str
    type: str
    length: int = 0
    precision: int = 0
    scale: int = 0
    nillable: bool = True
    createable: bool = True
    updateable: bool = True
    defaulted_on_create: bool = False
    external_id: bool = False
    id_lookup: bool = False
    case_sensitive: bool = False
    relationship_name: str | None = None
    reference_to: tuple[str, ...] = ()
    restricted_picklist: bool = False
    picklist_values: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class ObjectInfo:
    name: str
    fields: Mapping[str, FieldInfo] = field(default_factory=dict)  # by lower-case name

    def field(self, name: str) -> FieldInfo | None:
        return self.fields.get(name.lower())


def _int(value: Any) -> int:
    return int(value) if isinstance(value, int | float) and not isinstance(value, bool) else 0


def parse_field(data: Mapping[str, Any]) -> FieldInfo:
    picklist = data.get("picklistValues") or []
    return FieldInfo(
        name=str(data["name"]),
        type=str(data.get("type", "")),
        length=_int(data.get("length")),
        precision=_int(data.get("precision")),
        scale=_int(data.get("scale")),
        nillable=bool(data.get("nillable", True)),
        createable=bool(data.get("createable", True)),
        updateable=bool(data.get("updateable", True)),
        defaulted_on_create=bool(data.get("defaultedOnCreate", False)),
        external_id=bool(data.get("externalId", False)),
        id_lookup=bool(data.get("idLookup", False)),
        case_sensitive=bool(data.get("caseSensitive", False)),
        relationship_name=(str(data["relationshipName"]) if data.get("relationshipName") else None),
        reference_to=tuple(str(r) for r in data.get("referenceTo") or ()),
        restricted_picklist=bool(data.get("restrictedPicklist", False)),
        picklist_values=frozenset(
            str(v["value"])
            for v in picklist
            if isinstance(v, Mapping) and v.get("active", True) and "value" in v
        ),
    )


def parse_describe(data: Mapping[str, Any]) -> ObjectInfo:
    fields = [parse_field(f) for f in data.get("fields") or () if isinstance(f, Mapping)]
    return ObjectInfo(str(data.get("name", "")), {f.name.lower(): f for f in fields})


def conventional_relationship(field_name: str) -> str:
    """Salesforce's naming convention, when describe is not available.

    ``Account__c`` -> ``Account__r`` (custom lookups), ``AccountId`` -> ``Account``
    (standard lookups).
    """
    if field_name.endswith("__c"):
        return field_name[:-3] + "__r"
    if field_name.endswith("Id") and len(field_name) > 2:
        return field_name[:-2]
    return field_name
