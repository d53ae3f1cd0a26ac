"""A mapping compiled for rendering: canonical subscription -> normalised target records."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from connector.mapping.spec import DriftPolicy, FieldFormat, Owner
from connector.records import FieldValues, JsonValue
from connector.schema import Subscription

Render = Callable[[Any], JsonValue]
FieldKind = Literal["value", "ref", "lookup", "lines"]


class RenderError(ValueError):
    """A subscription whose values cannot be expressed in a target field."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


@dataclass(frozen=True, slots=True)
class CompiledField:
    target: str
    kind: FieldKind
    render: Render
    normalise: Render
    owner: Owner
    drift: DriftPolicy
    fmt: FieldFormat | None = None
    ref_object: str | None = None
    lines_model: str | None = None
    max_length: int | None = None
    lookup: tuple[str, str] | None = None  # (model, natural key path) of a look-up field
    children: tuple[CompiledField, ...] = ()  # the fields of each line of a lines field
    source: str | None = None  # the canonical path it renders, when it renders one


@dataclass(frozen=True, slots=True)
class CompiledObject:
    """One target object (sObject, Odoo model) and how to make its records."""

    name: str
    target: str
    key_field: str
    key_of: Callable[[Subscription], str | None]
    fields: tuple[CompiledField, ...]

    @property
    def depends_on(self) -> frozenset[str]:
        return frozenset(f.ref_object for f in self.fields if f.ref_object is not None)

    def field_for(self, source: str) -> CompiledField | None:
        """The field that renders canonical ``source`` (e.g. ``mrr``), if the object maps it."""
        for candidate in self.fields:
            if candidate.source == source:
                return candidate
        return None

    def field(self, target: str) -> CompiledField:
        for candidate in self.fields:
            if candidate.target == target:
                return candidate
        raise KeyError(target)

    def render(self, subscription: Subscription) -> tuple[str, FieldValues]:
        key = self.key_of(subscription)
        if not key:
            raise RenderError(self.key_field, "the match key is empty")
        values: FieldValues = {}
        for spec in self.fields:
            try:
                values[spec.target] = spec.render(subscription)
            except RenderError:
                raise
            except ValueError as exc:
                raise RenderError(spec.target, str(exc)) from exc
        return key, values

    def normalise(self, raw: Mapping[str, JsonValue]) -> FieldValues:
        """A target's record in comparable form; fields it does not return count as empty."""
        out: FieldValues = {}
        for spec in self.fields:
            try:
                out[spec.target] = spec.normalise(raw.get(spec.target))
            except ValueError:
                # Unreadable target data must not stop the plan: keep it as text so that it
                # differs from the desired value and gets overwritten (or reported).
                value = raw.get(spec.target)
                out[spec.target] = None if value is None else str(value)
        return out


@dataclass(frozen=True)
class CompiledMapping:
    """All objects of one target system, in an order where referenced objects come first."""

    system: str
    role: str
    objects: Mapping[str, CompiledObject]
    digest: str
    path: str

    def ordered(self) -> list[CompiledObject]:
        return list(self.objects.values())

    def render(self, subscription: Subscription) -> dict[str, tuple[str, FieldValues]]:
        rendered: dict[str, tuple[str, FieldValues]] = {}
        for obj in self.objects.values():
            try:
                rendered[obj.name] = obj.render(subscription)
            except RenderError as exc:
                raise RenderError(f"{self.system}.{obj.name}.{exc.field}", exc.message) from exc
        return rendered
