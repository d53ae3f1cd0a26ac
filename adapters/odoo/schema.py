"""What the adapter needs to know about each mapped field, read off the compiled mapping once,
when the target is built, and checked: an unsupported shape stops the target at start-up."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from connector.mapping import CompiledField, CompiledMapping, CompiledObject
from connector.mapping.spec import FieldFormat


class SchemaError(ValueError):
    """The compiled mapping does not have the shape this adapter reads."""


# eq=False: each field is described once per target and used as a dictionary key for every
# record read, so it hashes by identity instead of hashing its compiled mapping each time.
@dataclass(frozen=True, slots=True, eq=False)
class FieldInfo:
    target: str
    kind: str  # value | ref | lookup | lines
    spec: CompiledField
    fmt: FieldFormat | None = None
    ref_object: str | None = None
    lookup: tuple[str, str] | None = None  # (model, key path)
    lines_model: str | None = None
    children: tuple[FieldInfo, ...] = ()

    def normalise(self, raw: Any) -> Any:
        return self.spec.normalise(raw)


@dataclass(frozen=True, slots=True)
class ObjectInfo:
    name: str
    model: str
    fields: tuple[FieldInfo, ...]
    compiled: CompiledObject

    def lines(self) -> tuple[FieldInfo, ...]:
        return tuple(f for f in self.fields if f.kind == "lines")

    def field(self, target: str) -> FieldInfo | None:
        return next((f for f in self.fields if f.target == target), None)


def _lookup_of(spec: CompiledField, where: str) -> tuple[str, str]:
    if spec.lookup is None:
        raise SchemaError(f"{where}: the compiled look-up field names no model")
    return spec.lookup


def describe_field(spec: CompiledField, where: str) -> FieldInfo:
    if spec.kind == "lookup":
        return FieldInfo(spec.target, spec.kind, spec, lookup=_lookup_of(spec, where))
    if spec.kind == "ref":
        return FieldInfo(spec.target, spec.kind, spec, ref_object=spec.ref_object)
    if spec.kind == "lines":
        children = tuple(
            describe_field(child, f"{where}.{child.target}") for child in spec.children
        )
        if any(child.kind in ("lines", "ref") for child in children):
            raise SchemaError(f"{where}: lines may hold only values and look-ups")
        return FieldInfo(
            spec.target, spec.kind, spec, lines_model=spec.lines_model, children=children
        )
    return FieldInfo(spec.target, spec.kind, spec, fmt=spec.fmt)


def describe(mapping: CompiledMapping) -> dict[str, ObjectInfo]:
    objects: dict[str, ObjectInfo] = {}
    for obj in mapping.ordered():
        if obj.key_field != "xmlid":
            raise SchemaError(
                f"{mapping.path}: {obj.name}: Odoo records are matched by external id; "
                f"set key.field to 'xmlid' (not {obj.key_field!r})"
            )
        fields = tuple(describe_field(spec, f"{obj.name}.{spec.target}") for spec in obj.fields)
        objects[obj.name] = ObjectInfo(obj.name, obj.target, fields, obj)
    return objects
