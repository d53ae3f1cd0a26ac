"""What flows between the mapping, the planner and the target adapters.

Target field values are *normalised JSON values*: decimals as plain strings without trailing
zeros (or at the mapping's scale), dates as ``YYYY-MM-DD``, datetimes as
``YYYY-MM-DDTHH:MM:SSZ``, references to our own records as ``{"ref": object, "key": key}``,
look-ups of a target's reference data as ``{"lookup": model, "by": field, "value": value}``,
and child lines as lists of such dicts. Comparing, hashing and storing them is then exact and
cheap, and every adapter converts them to and from its wire format in one place.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal, TypeAlias

JsonValue: TypeAlias = bool | int | str | list["JsonValue"] | dict[str, "JsonValue"] | None
FieldValues: TypeAlias = dict[str, JsonValue]

WriteOp = Literal["create", "update"]


@dataclass(frozen=True, slots=True)
class TargetRecord:
    """A record as a target holds it now, in the mapping's vocabulary (not yet normalised)."""

    key: str
    fields: Mapping[str, JsonValue]
    remote_id: str | None = None
    # The target's own change marker (Salesforce SystemModstamp, Odoo write_date): equal
    # stamps mean the record has not been touched since the connector last saw it.
    modstamp: str | None = None


@dataclass(frozen=True, slots=True)
class WriteRequest:
    """One record to create or update, identified by our match key."""

    object_name: str
    key: str
    op: WriteOp
    fields: FieldValues
    remote_id: str | None = None


@dataclass(frozen=True, slots=True)
class WriteError:
    """Why a target refused one record, in the target's own words."""

    code: str
    message: str
    retryable: bool = False
    fields: tuple[str, ...] = ()
    # The system itself cannot be used (credentials, permissions, quota), not this record.
    system_down: bool = False

    def __str__(self) -> str:
        where = f" [{', '.join(self.fields)}]" if self.fields else ""
        return f"{self.code}: {self.message}{where}"


@dataclass(frozen=True, slots=True)
class WriteResult:
    key: str
    ok: bool
    remote_id: str | None = None
    created: bool = False
    error: WriteError | None = None


@dataclass(frozen=True, slots=True)
class RecordError:
    """A source record that could not be read into the canonical schema."""

    key: str
    reason: str


@dataclass(frozen=True, slots=True)
class SnapshotRow:
    """What the store keeps per target record after a run.

    ``fields`` is the three-way base. ``agreed_modstamp`` is the target's modstamp at a moment
    the record was seen equal to the desired values rendered with mapping ``mapping``: while
    both still hold and the subscription is unchanged, the record needs no look at all.
    """

    fields: FieldValues
    agreed_modstamp: str | None
    mapping: str


@dataclass(slots=True)
class CallCounter:
    """API calls one adapter made, split into reads and writes, by label."""

    reads: int = 0
    writes: int = 0
    by_label: dict[str, int] = field(default_factory=dict)
    # Calls are counted from several threads (reads side by side, systems written at once).
    _lock: threading.Lock = field(
        default_factory=threading.Lock, init=False, repr=False, compare=False
    )

    def read(self, label: str, count: int = 1) -> None:
        with self._lock:
            self.reads += count
            self.by_label[label] = self.by_label.get(label, 0) + count

    def write(self, label: str, count: int = 1) -> None:
        with self._lock:
            self.writes += count
            self.by_label[label] = self.by_label.get(label, 0) + count

    def total(self) -> int:
        return self.reads + self.writes
