"""What is wrong with a mapping file, as the operator reads it: file, line, field, message.

Kept apart from the loader so that a command can name these errors without loading the
mappings' models.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class MappingIssue:
    file: str
    line: int | None
    field: str
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line is not None else self.file
        return f"{where}: {self.field}: {self.message}"


class MappingError(ValueError):
    """One or more problems in mapping files; ``issues`` names each file, line and field."""

    def __init__(self, issues: list[MappingIssue]) -> None:
        self.issues = issues
        super().__init__("invalid mapping:\n" + "\n".join(f"  {issue}" for issue in issues))
