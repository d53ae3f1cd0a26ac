"""Load mapping files, validate them against the canonical schema, and compile them.

Every problem is reported with the file, the line and the field it concerns, all at once,
so that an operator fixes a mapping in one pass and never discovers a typo mid-run.
"""

from __future__ import annotations

import hashlib
import string
from collections.abc import Callable, Iterable
from enum import Enum
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from connector.mapping.compiled import (
    CompiledField,
    CompiledMapping,
    CompiledObject,
    Render,
    RenderError,
)
from connector.mapping.formats import FORMATS_BY_KIND, FormatError, converter, decimal_text
from connector.mapping.issues import MappingError, MappingIssue
from connector.mapping.located_yaml import (
    DuplicateKeyError,
    LocatedDocument,
    Location,
    load_located,
)
from connector.mapping.paths import PathError, PathInfo, resolve
from connector.mapping.spec import FieldFormat, FieldSpec, MappingSpec, Overflow
from connector.records import JsonValue
from connector.schema import Subscription
from connector.schema.currency import MAX_MINOR_UNITS


def _loc_text(location: Location) -> str:
    text = ""
    for part in location:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "(document)"


class _Compiler:
    def __init__(self, document: LocatedDocument, spec: MappingSpec) -> None:
        self.document = document
        self.spec = spec
        self.issues: list[MappingIssue] = []

    def issue(self, location: Location, message: str) -> None:
        self.issues.append(
            MappingIssue(
                str(self.document.path),
                self.document.line_of(location),
                _loc_text(location),
                message,
            )
        )

    def compile(self, digest: str) -> CompiledMapping:
        objects: dict[str, CompiledObject] = {}
        for name, obj in self.spec.objects.items():
            where: Location = ("objects", name)
            key_info = self._resolve(Subscription, obj.key.source, (*where, "key", "source"))
            fields: list[CompiledField] = []
            seen: dict[str, int] = {}
            for index, field_spec in enumerate(obj.fields):
                at = (*where, "fields", index)
                if field_spec.target in seen:
                    self.issue(
                        (*at, "target"),
                        f"target field {field_spec.target!r} is mapped twice "
                        f"(also fields[{seen[field_spec.target]}])",
                    )
                    continue
                seen[field_spec.target] = index
                if field_spec.target == obj.key.field:
                    self.issue((*at, "target"), f"{field_spec.target!r} is the match key field")
                    continue
                compiled = self._field(Subscription, field_spec, at, allow_lines=True)
                if compiled is not None:
                    fields.append(compiled)
            if key_info is not None:
                key_getter = key_info.getter

                def key_of(
                    sub: Subscription, _get: Callable[[Any], Any] = key_getter
                ) -> str | None:
                    value = _get(sub)
                    return None if value is None else str(value)

                objects[name] = CompiledObject(
                    name, obj.target, obj.key.field, key_of, tuple(fields)
                )
        ordered = self._order(objects)
        if self.issues:
            raise MappingError(self.issues)
        return CompiledMapping(
            system=self.spec.system,
            role=self.spec.role,
            objects=ordered,
            digest=digest,
            path=str(self.document.path),
        )

    def _order(self, objects: dict[str, CompiledObject]) -> dict[str, CompiledObject]:
        ordered: dict[str, CompiledObject] = {}
        visiting: set[str] = set()

        def visit(name: str) -> None:
            if name in ordered:
                return
            if name in visiting:
                self.issue(("objects", name), "objects reference each other in a cycle")
                return
            visiting.add(name)
            for dependency in sorted(objects[name].depends_on):
                if dependency in objects:
                    visit(dependency)
            visiting.discard(name)
            ordered[name] = objects[name]

        for name in objects:
            visit(name)
        return ordered

    def _resolve(self, root: type[BaseModel], path: str, at: Location) -> PathInfo | None:
        try:
            return resolve(root, path)
        except PathError as exc:
            self.issue(at, f"unknown canonical field {path!r}: {exc}")
            return None

    def _field(
        self, root: type[BaseModel], spec: FieldSpec, at: Location, *, allow_lines: bool
    ) -> CompiledField | None:
        if spec.lines is not None:
            if not allow_lines:
                self.issue((*at, "lines"), "lines cannot be nested")
                return None
            return self._lines(root, spec, at)
        if spec.ref is not None:
            if spec.ref not in self.spec.objects:
                self.issue((*at, "ref"), f"ref names unknown object {spec.ref!r}")
                return None
            if root is not Subscription:
                self.issue((*at, "ref"), "ref is not available inside lines")
                return None
        value = self._value_renderer(root, spec, at)
        if value is None:
            return None
        render, fmt = value
        normalise: Render = converter(fmt, spec.scale)
        kind: Any = "value"
        if spec.ref is not None:
            render, normalise, kind = _as_ref(render, spec.ref), _passthrough, "ref"
        elif spec.lookup is not None:
            render = _as_lookup(render, spec.lookup.model, spec.lookup.by)
            normalise, kind = _passthrough, "lookup"
        return CompiledField(
            target=spec.target,
            kind=kind,
            render=render,
            normalise=normalise,
            owner=spec.owner,
            drift=spec.drift,
            fmt=fmt if kind == "value" else None,
            ref_object=spec.ref,
            max_length=spec.max_length,
            lookup=(spec.lookup.model, spec.lookup.by) if spec.lookup is not None else None,
            source=spec.source,
        )

    def _lines(self, root: type[BaseModel], spec: FieldSpec, at: Location) -> CompiledField | None:
        assert spec.lines is not None
        assert spec.source is not None
        info = self._resolve(root, spec.source, (*at, "source"))
        if info is None:
            return None
        if info.collection_of is None:
            self.issue((*at, "source"), f"{spec.source!r} is not a collection")
            return None
        element = info.collection_of
        key_info = self._resolve(element, spec.lines.key, (*at, "lines", "key"))
        children: list[CompiledField] = []
        seen: set[str] = set()
        for index, child in enumerate(spec.lines.fields):
            child_at = (*at, "lines", "fields", index)
            if child.target in seen:
                self.issue((*child_at, "target"), f"target field {child.target!r} is mapped twice")
                continue
            seen.add(child.target)
            compiled = self._field(element, child, child_at, allow_lines=False)
            if compiled is not None:
                children.append(compiled)
        if key_info is None:
            return None
        return CompiledField(
            target=spec.target,
            kind="lines",
            render=_lines_renderer(info.getter, key_info.getter, tuple(children)),
            normalise=_lines_normaliser(tuple(children)),
            owner=spec.owner,
            drift=spec.drift,
            lines_model=spec.lines.model,
            children=tuple(children),
        )

    def _value_renderer(
        self, root: type[BaseModel], spec: FieldSpec, at: Location
    ) -> tuple[Render, FieldFormat] | None:
        if spec.constant is not None:
            fmt = spec.format or _infer_from_values([spec.constant])
            constant = converter(fmt, spec.scale)(spec.constant)
            return (lambda _root: constant), fmt
        if spec.template is not None:
            getters = self._template(root, spec.template, (*at, "template"))
            if getters is None:
                return None
            text = _template_renderer(spec.template, getters)
            if spec.case is not None:
                text = _cased(text, spec.case)
            if spec.max_length is not None:
                text = _bounded(text, spec.max_length, spec.on_overflow)
            return text, FieldFormat.STRING
        assert spec.source is not None
        info = self._resolve(root, spec.source, (*at, "source"))
        if info is None:
            return None
        if info.collection_of is not None:
            self.issue((*at, "source"), f"{spec.source!r} is a collection: map it with lines")
            return None
        getter = info.getter
        if spec.map is not None:
            if not self._check_map(info, spec, at):
                return None
            getter = _mapped(getter, spec)
            fmt = spec.format or _infer_from_values(list(spec.map.values()))
        else:
            allowed = FORMATS_BY_KIND[info.kind()]
            fmt = spec.format or allowed[0]
            if fmt not in allowed:
                self.issue(
                    (*at, "format"),
                    f"a {info.kind()} field cannot be written as {fmt.value} "
                    f"(use {', '.join(f.value for f in allowed)})",
                )
                return None
            if spec.has_default:
                getter = _defaulted(getter, spec.default)
            if _rounds_money(info, fmt, spec.scale):
                self.issue(
                    (*at, "scale"),
                    f"scale {spec.scale} would round money of currencies with more "
                    f"decimals (KWD and BHD have 3, CLF {MAX_MINOR_UNITS}): leave scale out "
                    "to write each amount at its own currency's precision",
                )
                return None
        render = _formatted(getter, converter(fmt, spec.scale))
        if spec.case is not None:
            render = _cased(render, spec.case)
        if spec.max_length is not None:
            render = _bounded(render, spec.max_length, spec.on_overflow)
        return render, fmt

    def _check_map(self, info: PathInfo, spec: FieldSpec, at: Location) -> bool:
        assert spec.map is not None
        enum = info.enum
        if enum is None:
            return True
        members = {str(member.value) for member in enum}
        ok = True
        unknown = sorted(set(spec.map) - members)
        if unknown:
            self.issue(
                (*at, "map", unknown[0]),
                f"{', '.join(map(repr, unknown))} is not a value of {spec.source} "
                f"(values: {', '.join(sorted(members))})",
            )
            ok = False
        missing = sorted(members - set(spec.map))
        if missing and not spec.has_default:
            self.issue(
                (*at, "map"),
                f"unmapped {spec.source} value(s) {', '.join(map(repr, missing))}: "
                "map every value or give a default",
            )
            ok = False
        return ok

    def _template(
        self, root: type[BaseModel], template: str, at: Location
    ) -> dict[str, Callable[[Any], Any]] | None:
        getters: dict[str, Callable[[Any], Any]] = {}
        try:
            parsed = list(string.Formatter().parse(template))
        except ValueError as exc:
            self.issue(at, f"bad template: {exc}")
            return None
        for _literal, name, spec, conversion in parsed:
            if name is None:
                continue
            if spec or conversion:
                self.issue(at, f"template slot {{{name}}} may not carry a format or conversion")
                return None
            info = self._resolve(root, name, at)
            if info is None:
                return None
            getters[name] = info.getter
        return getters


def _passthrough(value: Any) -> JsonValue:
    return value  # type: ignore[no-any-return]


def _key_text(value: Any) -> str:
    if isinstance(value, Enum):
        return str(value.value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if hasattr(value, "as_tuple"):
        return decimal_text(value)
    return str(value)


def _mapped(getter: Callable[[Any], Any], spec: FieldSpec) -> Callable[[Any], Any]:
    table = spec.map or {}
    has_default, default = spec.has_default, spec.default

    def read(root: Any) -> Any:
        value = getter(root)
        if value is None:
            return default if has_default else None
        key = _key_text(value)
        if key in table:
            return table[key]
        if has_default:
            return default
        raise RenderError(spec.target, f"no value map entry for {key!r}")

    return read


def _defaulted(getter: Callable[[Any], Any], default: Any) -> Callable[[Any], Any]:
    def read(root: Any) -> Any:
        value = getter(root)
        return default if value is None else value

    return read


def _formatted(getter: Callable[[Any], Any], convert: Render) -> Render:
    def render(root: Any) -> JsonValue:
        try:
            return convert(getter(root))
        except FormatError as exc:
            raise ValueError(str(exc)) from exc

    return render


def _cased(render: Render, case: str) -> Render:
    def cased(root: Any) -> JsonValue:
        value = render(root)
        if isinstance(value, str):
            return value.upper() if case == "upper" else value.lower()
        return value

    return cased


def _bounded(render: Render, limit: int, overflow: Overflow) -> Render:
    def bounded(root: Any) -> JsonValue:
        value = render(root)
        if isinstance(value, str) and len(value) > limit:
            if overflow is Overflow.TRUNCATE:
                return value[:limit]
            raise ValueError(f"value of {len(value)} characters exceeds max_length {limit}")
        return value

    return bounded


def _template_renderer(template: str, getters: dict[str, Callable[[Any], Any]]) -> Render:
    pieces = [
        (literal, getters[name] if name is not None else None)
        for literal, name, _spec, _conversion in string.Formatter().parse(template)
    ]

    def render(root: Any) -> JsonValue:
        parts: list[str] = []
        for literal, getter in pieces:
            parts.append(literal)
            if getter is not None:
                value = getter(root)
                if value is not None:
                    parts.append(_key_text(value))
        text = "".join(parts)
        return text or None

    return render


def _as_ref(render: Render, obj: str) -> Render:
    def ref(root: Any) -> JsonValue:
        value = render(root)
        return None if value is None else {"ref": obj, "key": str(value)}

    return ref


def _as_lookup(render: Render, model: str, by: str) -> Render:
    def lookup(root: Any) -> JsonValue:
        value = render(root)
        return None if value is None else {"lookup": model, "by": by, "value": str(value)}

    return lookup


def _lines_renderer(
    items_of: Callable[[Any], Any],
    key_of: Callable[[Any], Any],
    children: tuple[CompiledField, ...],
) -> Render:
    def render(root: Any) -> JsonValue:
        lines: list[JsonValue] = []
        for item in items_of(root) or ():
            line: dict[str, JsonValue] = {"key": str(key_of(item))}
            for child in children:
                line[child.target] = child.render(item)
            lines.append(line)
        lines.sort(key=lambda line: str(line["key"]) if isinstance(line, dict) else "")
        return lines

    return render


def _lines_normaliser(children: tuple[CompiledField, ...]) -> Render:
    def normalise(raw: Any) -> JsonValue:
        lines: list[JsonValue] = []
        for line in raw or ():
            out: dict[str, JsonValue] = {"key": str(line.get("key"))}
            for child in children:
                out[child.target] = child.normalise(line.get(child.target))
            lines.append(out)
        lines.sort(key=lambda line: str(line["key"]) if isinstance(line, dict) else "")
        return lines

    return normalise


def _infer_from_values(values: Iterable[Any]) -> FieldFormat:
    kinds = {type(v) for v in values if v is not None}
    if kinds == {bool}:
        return FieldFormat.BOOLEAN
    if kinds == {int}:
        return FieldFormat.INTEGER
    return FieldFormat.STRING


def _pydantic_issues(document: LocatedDocument, error: ValidationError) -> list[MappingIssue]:
    issues = []
    for item in error.errors(include_url=False):
        location = tuple(
            part for part in item["loc"] if not (isinstance(part, str) and "[" in part)
        )
        issues.append(
            MappingIssue(
                str(document.path), document.line_of(location), _loc_text(location), item["msg"]
            )
        )
    return issues


def compile_mapping(path: Path, text: str | None = None) -> CompiledMapping:
    """Load, validate and compile one mapping file, or raise :class:`MappingError`."""
    raw = path.read_bytes() if text is None else text.encode()
    try:
        document = load_located(path, raw.decode("utf-8"))
    except DuplicateKeyError as exc:
        raise MappingError([MappingIssue(str(path), exc.line, exc.key, str(exc))]) from exc
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        raise MappingError([MappingIssue(str(path), line, "(syntax)", str(exc))]) from exc
    try:
        spec = MappingSpec.model_validate(document.data)
    except ValidationError as exc:
        raise MappingError(_pydantic_issues(document, exc)) from exc
    digest = hashlib.sha256(raw).hexdigest()[:16]
    return _Compiler(document, spec).compile(digest)


def load_mappings(paths: Iterable[Path]) -> dict[str, CompiledMapping]:
    """Compile several files (one per target system), reporting every issue of every file."""
    compiled: dict[str, CompiledMapping] = {}
    issues: list[MappingIssue] = []
    for path in paths:
        try:
            mapping = compile_mapping(path)
        except MappingError as exc:
            issues.extend(exc.issues)
            continue
        except OSError as exc:
            issues.append(MappingIssue(str(path), None, "(file)", str(exc)))
            continue
        if mapping.system in compiled:
            issues.append(
                MappingIssue(
                    str(path),
                    None,
                    "system",
                    f"a mapping for {mapping.system!r} "
                    f"is already loaded from {compiled[mapping.system].path}",
                )
            )
            continue
        compiled[mapping.system] = mapping
    if issues:
        raise MappingError(issues)
    return compiled


def mapping_json_schema() -> dict[str, Any]:
    """JSON Schema of the mapping file format, for editors' completion and validation."""
    schema = MappingSpec.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "subsync connector mapping file"
    return schema


def _rounds_money(info: PathInfo, fmt: FieldFormat, scale: int | None) -> bool:
    """A money value written as a decimal with fewer places than some currency has."""
    return (
        info.kind() == "money"
        and fmt is FieldFormat.DECIMAL
        and scale is not None
        and scale < MAX_MINOR_UNITS
    )
