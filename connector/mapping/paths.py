"""Canonical paths such as ``customer.email``, ``items[0].quantity`` or ``mrr``.

A path is checked against the canonical models' declared types once, at load time, and
compiled into a getter, so that a typo fails at start-up and rendering stays fast. Derived
values (``mrr``, ``plan_code``, ``discount_percent``...) are reachable like stored fields.
"""

from __future__ import annotations

import datetime as dt
import operator
import re
import types
import typing
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from enum import Enum
from functools import cached_property
from typing import Any, Union, get_args, get_origin

from pydantic import AwareDatetime, BaseModel

from connector.schema import Money
from connector.schema.derived import derived

Getter = Callable[[Any], Any]

_SEGMENT = re.compile(r"^(?P<name>[A-Za-z_][A-Za-z0-9_]*)(?:\[(?P<index>\d+)\])?$")


class PathError(ValueError):
    """A path that does not exist in the canonical schema."""


@dataclass(frozen=True)
class PathInfo:
    """The compiled form of a path: how to read it and what type it yields."""

    path: str
    getter: Getter
    value_type: Any  # the leaf type, Optional and Annotated unwrapped
    collection_of: type[BaseModel] | None  # set when the leaf is a tuple of models

    @property
    def enum(self) -> type[Enum] | None:
        vt = self.value_type
        return vt if isinstance(vt, type) and issubclass(vt, Enum) else None

    def kind(self) -> str:
        """A short name of the leaf type, for error messages and format inference."""
        vt = self.value_type
        if self.collection_of is not None:
            return "collection"
        if isinstance(vt, type):
            for klass, name in (
                (bool, "boolean"),
                (Enum, "enum"),
                (Money, "money"),
                (Decimal, "decimal"),
                (int, "integer"),
                (dt.datetime, "datetime"),
                (str, "string"),
                (BaseModel, "object"),
            ):
                if issubclass(vt, klass):
                    return name
        return "other"


def _unwrap(annotation: Any) -> Any:
    """Strip Annotated[...] and Optional[...] down to the value type."""
    while True:
        origin = get_origin(annotation)
        if origin is typing.Annotated:
            annotation = get_args(annotation)[0]
            continue
        if origin in (Union, types.UnionType):
            args = [a for a in get_args(annotation) if a is not type(None)]
            if len(args) == 1:
                annotation = args[0]
                continue
        if annotation is AwareDatetime:
            return dt.datetime
        return annotation


def _attribute_type(owner: type[BaseModel], name: str) -> Any:
    if name in owner.model_fields:
        return owner.model_fields[name].annotation
    member = getattr(owner, name, None)
    function: Any = None
    if isinstance(member, property):
        function = member.fget
    elif isinstance(member, cached_property | derived):
        function = member.func
    if function is None or name.startswith("_"):
        raise PathError(f"{owner.__name__} has no field {name!r}")
    hints = typing.get_type_hints(
        function, globalns=vars(__import__(owner.__module__, fromlist=["_"]))
    )
    return hints.get("return", Any)


def _step(getter: Getter, name: str, index: int | None) -> Getter:
    def read(obj: Any) -> Any:
        value = getter(obj)
        if value is None:
            return None
        value = getattr(value, name)
        if index is not None:
            return value[index] if index < len(value) else None
        return value

    return read


def _dict_step(getter: Getter, key: str) -> Getter:
    def read(obj: Any) -> Any:
        value = getter(obj)
        return None if value is None else value.get(key)

    return read


def _identity(obj: Any) -> Any:
    return obj


def _nullable(annotation: Any) -> bool:
    origin = get_origin(annotation)
    if origin is typing.Annotated:
        return _nullable(get_args(annotation)[0])
    return origin in (Union, types.UnionType) and type(None) in get_args(annotation)


def _chain(path: str) -> Getter:
    """A C-level getter for a plain attribute chain whose links are never None."""
    return operator.attrgetter(path)


def resolve(root: type[BaseModel], path: str) -> PathInfo:
    """Compile ``path`` against the model ``root`` or raise :class:`PathError`."""
    if not path:
        raise PathError("empty path")
    getter: Getter = _identity
    current: Any = root
    collection_of: type[BaseModel] | None = None
    segments = path.split(".")
    position = 0
    plain = True  # no index, no dict key, no optional link before the leaf
    while position < len(segments):
        segment = segments[position]
        collection_of = None
        origin = get_origin(current)
        if origin is dict:
            # free-form string maps (metadata): the next segment is a key
            getter = _dict_step(getter, segment)
            current = get_args(current)[1]
            position += 1
            plain = False
            continue
        match = _SEGMENT.match(segment)
        if match is None or not (isinstance(current, type) and issubclass(current, BaseModel)):
            where = ".".join(segments[:position]) or root.__name__
            hint = " (it is a list: index it, e.g. [0])" if get_origin(current) is tuple else ""
            raise PathError(f"{where} has no field {segment!r}{hint}")
        name = match.group("name")
        index_text = match.group("index")
        declared = _attribute_type(current, name)
        if _nullable(declared) and position < len(segments) - 1:
            plain = False
        annotation = _unwrap(declared)
        index: int | None = None
        if get_origin(annotation) is tuple:
            element = _unwrap(get_args(annotation)[0])
            if index_text is not None:
                index = int(index_text)
                annotation = element
                plain = False
            elif isinstance(element, type) and issubclass(element, BaseModel):
                collection_of = element
        elif index_text is not None:
            raise PathError(f"{name!r} is not a list and cannot be indexed")
        getter = _step(getter, name, index)
        current = annotation
        position += 1
    if plain:
        getter = _chain(path)
    return PathInfo(path=path, getter=getter, value_type=current, collection_of=collection_of)
