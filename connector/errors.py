"""The connector's exceptions.

::

    ConnectorError
    ├── ConfigError              bad or missing configuration; nothing was started
    │   └── MappingContractError    a target's live schema no longer fits its mapping
    └── AdapterError             a system could not be used
        ├── RetryableAdapterError   gave up after retries (429, 5xx, timeouts); try again later
        └── FatalAdapterError       authentication, permissions, quota: stop using the system
            └── PartialWriteError       ... after a batch's write had answers for some records

Mapping problems raise :class:`connector.mapping.MappingError`, which names file and line.
A tripped safety valve is not an exception either: the run ends with status
``stopped_by_safety_valve`` (exit code 4). Per-record refusals are not exceptions: they come back as
:class:`connector.records.WriteError` and end in the dead-letter list.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from connector.records import WriteResult


class ConnectorError(Exception):
    """Base of the connector's own errors."""


class ConfigError(ConnectorError):
    pass


class AdapterError(ConnectorError):
    def __init__(self, system: str, message: str, code: str = "ADAPTER_ERROR") -> None:
        super().__init__(f"{system}: {message}")
        self.system = system
        self.code = code
        self.message = message


class RetryableAdapterError(AdapterError):
    pass


class FatalAdapterError(AdapterError):
    pass


class PartialWriteError(FatalAdapterError):
    """The system went down in the middle of a batch's write.

    ``answered`` has one entry per request of the batch, in order: the result the system
    already gave for it (it counts: the record was written, or refused, whatever follows),
    or None for a record still unanswered, which waits for the system like the rest."""

    def __init__(
        self,
        system: str,
        message: str,
        code: str,
        answered: Sequence[WriteResult | None],
    ) -> None:
        super().__init__(system, message, code)
        self.answered = list(answered)


class MappingContractError(ConfigError):
    """The live schema of a target no longer fits the mapping (a field renamed, a picklist
    value removed): the run stops before writing anything."""

    def __init__(self, problems: dict[str, list[str]]) -> None:
        self.problems = problems
        lines = [
            f"  {system}: {problem}" for system, found in problems.items() for problem in found
        ]
        super().__init__("the mappings no longer fit the targets' schemas:\n" + "\n".join(lines))
