"""In-memory source and target, for tests and for trying mappings on exported data.

Both can be loaded from and saved to a JSON file, which lets ``connector reconcile`` run
against a file export without any live system. They honour the adapter protocols exactly,
including per-record errors, so the reconciler cannot tell them from real adapters.
"""

from __future__ import annotations

import itertools
import json
import threading
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from adapters.base import (
    ChangePage,
    MappedTarget,
    SourcePage,
    SourceRead,
    StampPage,
    estimate_calls,
)
from connector.mapping import CompiledMapping
from connector.records import (
    CallCounter,
    JsonValue,
    RecordError,
    TargetRecord,
    WriteError,
    WriteRequest,
    WriteResult,
)
from connector.schema import Subscription

DEFAULT_PAGE_SIZE = 100
DEFAULT_WRITE_BATCH = 200
DEFAULT_READ_BATCH = 500

RawSubscription = Subscription | Mapping[str, Any]


def _validation_reason(error: ValidationError) -> str:
    first = error.errors(include_url=False)[0]
    where = ".".join(str(part) for part in first["loc"]) or "(record)"
    more = f" (+{error.error_count() - 1} more)" if error.error_count() > 1 else ""
    return f"{where}: {first['msg']}{more}"


class MemorySource:
    """A billing source held in memory; raw dicts are validated on read, like API payloads."""

    def __init__(
        self,
        subscriptions: Sequence[RawSubscription] = (),
        *,
        system: str = "billing",
        page_size: int = DEFAULT_PAGE_SIZE,
    ) -> None:
        self._system = system
        self._calls = CallCounter()
        self._page_size = page_size
        self._lock = threading.Lock()
        self._records: dict[str, RawSubscription] = {}
        self._changes: list[tuple[int, str]] = []
        self._sequence = itertools.count(1)
        for subscription in subscriptions:
            self.put(subscription)

    @property
    def system(self) -> str:
        return self._system

    @property
    def calls(self) -> CallCounter:
        return self._calls

    @staticmethod
    def _key(raw: RawSubscription) -> str:
        return raw.id if isinstance(raw, Subscription) else str(raw.get("id", ""))

    def put(self, subscription: RawSubscription) -> None:
        """Create or replace a subscription, as a billing change would."""
        key = self._key(subscription)
        with self._lock:
            self._records[key] = subscription
            self._changes.append((next(self._sequence), key))

    def delete(self, key: str) -> None:
        with self._lock:
            self._records.pop(key, None)
            self._changes.append((next(self._sequence), key))

    def ids(self) -> list[str]:
        with self._lock:
            return list(self._records)

    def _parse(self, key: str, raw: RawSubscription) -> Subscription | RecordError:
        if isinstance(raw, Subscription):
            return raw
        try:
            return Subscription.model_validate_json(json.dumps(raw))
        except ValidationError as exc:
            return RecordError(key, _validation_reason(exc))

    def get(self, keys: Sequence[str]) -> SourceRead:
        self._calls.read("get", -(-len(keys) // self._page_size) if keys else 0)
        found: dict[str, Subscription] = {}
        errors: dict[str, RecordError] = {}
        missing: set[str] = set()
        with self._lock:
            raws = {key: self._records.get(key) for key in keys}
        for key, raw in raws.items():
            if raw is None:
                missing.add(key)
                continue
            parsed = self._parse(key, raw)
            if isinstance(parsed, RecordError):
                errors[key] = parsed
            else:
                found[key] = parsed
        return SourceRead(found, errors, frozenset(missing))

    def scan(self) -> Iterator[SourcePage]:
        with self._lock:
            items = list(self._records.items())
        for start in range(0, len(items), self._page_size):
            self._calls.read("scan")
            page: list[Subscription] = []
            errors: list[RecordError] = []
            for key, raw in items[start : start + self._page_size]:
                parsed = self._parse(key, raw)
                if isinstance(parsed, RecordError):
                    errors.append(parsed)
                else:
                    page.append(parsed)
            yield SourcePage(page, errors)

    def changed_since(self, cursor: str | None) -> Iterator[ChangePage]:
        after = int(cursor) if cursor else 0
        with self._lock:
            changes = [(seq, key) for seq, key in self._changes if seq > after]
        for start in range(0, len(changes), self._page_size):
            self._calls.read("changes")
            page = changes[start : start + self._page_size]
            keys = list(dict.fromkeys(key for _, key in page))
            yield ChangePage(keys, str(page[-1][0]))

    @classmethod
    def from_file(cls, path: Path, *, system: str = "billing") -> MemorySource:
        """Load a JSON list of canonical subscriptions (invalid ones are reported on read)."""
        data = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(data, list):
            raise ValueError(f"{path}: expected a JSON list of subscriptions")
        return cls(data, system=system)


Rejecter = Callable[[WriteRequest], WriteError | None]


class MemoryTarget(MappedTarget):
    """A target system held in memory, upserting by our match key like the real ones."""

    def __init__(
        self,
        mapping: CompiledMapping,
        *,
        write_batch: int = DEFAULT_WRITE_BATCH,
        read_batch: int = DEFAULT_READ_BATCH,
        rejecter: Rejecter | None = None,
    ) -> None:
        super().__init__(mapping)
        self._write_batch = write_batch
        self._read_batch = read_batch
        self._lock = threading.Lock()
        self.rejecter = rejecter
        self._stamps = itertools.count(1)
        self.records: dict[str, dict[str, TargetRecord]] = {name: {} for name in mapping.objects}

    def read_batch_size(self, object_name: str) -> int:
        return self._read_batch

    def write_batch_size(self, object_name: str) -> int:
        return self._write_batch

    def estimate_write_calls(self, object_name: str, creates: int, updates: int) -> int:
        return estimate_calls(creates + updates, self._write_batch)

    def read(self, object_name: str, keys: Sequence[str]) -> Mapping[str, TargetRecord]:
        unique = list(dict.fromkeys(keys))
        self._calls.read(
            f"read {object_name}", -(-len(unique) // self._read_batch) if unique else 0
        )
        with self._lock:
            table = self.records[object_name]
            return {key: table[key] for key in unique if key in table}

    def scan_stamps(self, object_name: str) -> Iterator[StampPage]:
        with self._lock:
            items = [(k, (r.modstamp, r.remote_id)) for k, r in self.records[object_name].items()]
        page_size = self._read_batch * 4
        for start in range(0, len(items), page_size):
            self._calls.read(f"scan {object_name}")
            yield dict(items[start : start + page_size])

    def write(self, object_name: str, requests: Sequence[WriteRequest]) -> Sequence[WriteResult]:
        if len(requests) > self._write_batch:
            raise ValueError(f"batch of {len(requests)} exceeds {self._write_batch}")
        self._calls.write(f"write {object_name}")
        results: list[WriteResult] = []
        with self._lock:
            table = self.records[object_name]
            for request in requests:
                error = self.rejecter(request) if self.rejecter else None
                if error is not None:
                    results.append(WriteResult(request.key, False, error=error))
                    continue
                existing = table.get(request.key)
                if existing is None:
                    remote_id = f"{object_name}-{uuid.uuid4().hex[:12]}"
                    table[request.key] = TargetRecord(
                        request.key, dict(request.fields), remote_id, self._stamp()
                    )
                    results.append(WriteResult(request.key, True, remote_id, created=True))
                else:
                    merged = {**existing.fields, **request.fields}
                    table[request.key] = TargetRecord(
                        request.key, merged, existing.remote_id, self._stamp()
                    )
                    results.append(WriteResult(request.key, True, existing.remote_id))
        return results

    def _stamp(self) -> str:
        # Like SystemModstamp: changes on every write, whoever makes it.
        return f"{uuid.uuid4().hex[:8]}-{next(self._stamps)}"

    def edit(self, object_name: str, key: str, **fields: JsonValue) -> None:
        """Change a record as a person using the target would."""
        with self._lock:
            record = self.records[object_name][key]
            merged = {**record.fields, **fields}
            self.records[object_name][key] = TargetRecord(
                key, merged, record.remote_id, self._stamp()
            )

    def remove(self, object_name: str, key: str) -> None:
        with self._lock:
            self.records[object_name].pop(key, None)

    def dump(self) -> dict[str, dict[str, dict[str, Any]]]:
        with self._lock:
            return {
                name: {
                    key: {
                        "remote_id": record.remote_id,
                        "modstamp": record.modstamp,
                        "fields": dict(record.fields),
                    }
                    for key, record in table.items()
                }
                for name, table in self.records.items()
            }

    def load(self, data: Mapping[str, Mapping[str, Mapping[str, Any]]]) -> None:
        with self._lock:
            for name, table in data.items():
                if name not in self.records:
                    raise ValueError(f"object {name!r} is not in the {self.system} mapping")
                for key, record in table.items():
                    self.records[name][key] = TargetRecord(
                        key, dict(record["fields"]), record.get("remote_id"), record.get("modstamp")
                    )
