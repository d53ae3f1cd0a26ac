"""YAML loading that remembers the line of every key, so errors can name file and line."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

Location = tuple[str | int, ...]


class DuplicateKeyError(ValueError):
    def __init__(self, key: str, line: int, first_line: int) -> None:
        super().__init__(f"duplicate key {key!r} (first defined on line {first_line})")
        self.key = key
        self.line = line


@dataclass(frozen=True)
class LocatedDocument:
    """A parsed YAML document and the 1-based line of each location in it."""

    path: Path
    data: Any
    lines: dict[Location, int]

    def line_of(self, location: Location) -> int | None:
        """Line of ``location`` or of its nearest enclosing location that has one."""
        probe = tuple(location)
        while probe:
            if probe in self.lines:
                return self.lines[probe]
            probe = probe[:-1]
        return self.lines.get((), None)


def _walk(node: yaml.Node, location: Location, lines: dict[Location, int]) -> None:
    lines[location] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        seen: dict[str, int] = {}
        for key_node, value_node in node.value:
            key = str(key_node.value)
            line = key_node.start_mark.line + 1
            if key in seen:
                raise DuplicateKeyError(key, line, seen[key])
            seen[key] = line
            lines[(*location, key)] = line
            _walk(value_node, (*location, key), lines)
            lines[(*location, key)] = line
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            _walk(item, (*location, index), lines)


def load_located(path: Path, text: str | None = None) -> LocatedDocument:
    """Parse one YAML document from ``path`` with safe tags only."""
    source = path.read_text(encoding="utf-8") if text is None else text
    loader = yaml.SafeLoader(source)
    try:
        node = loader.get_single_node()
        lines: dict[Location, int] = {}
        data: Any = None
        if node is not None:
            _walk(node, (), lines)
            data = loader.construct_document(node)
    finally:
        loader.dispose()
    return LocatedDocument(path=path, data=data, lines=lines)
