"""Everything the Salesforce sandbox holds: schema, records, sessions, usage, cursors.

Besides serving the HTTP API, :class:`SalesforceState` is the Python-level API for tests and
seeding: :meth:`load` bulk-inserts records (references to parents by external id allowed),
bypassing fault injection and API counting.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from connector.sandbox.common.faults import FaultInjector
from connector.sandbox.salesforce import persistence
from connector.sandbox.salesforce.auth import Credentials, SessionStore
from connector.sandbox.salesforce.config import SalesforceSandboxConfig
from connector.sandbox.salesforce.cursors import CursorStore
from connector.sandbox.salesforce.errors import ApiError
from connector.sandbox.salesforce.ids import IdGenerator, checksum
from connector.sandbox.salesforce.limits import ApiUsage
from connector.sandbox.salesforce.records import Record, RecordStore
from connector.sandbox.salesforce.schema import SANDBOX_USER_ID, ObjectDef, load_schema
from connector.sandbox.salesforce.validation import check_field_names
from connector.sandbox.salesforce.values import canonical_datetime
from connector.sandbox.salesforce.writes import WriteEngine, WriteOp

_STAMP_FIELDS = ("CreatedDate", "LastModifiedDate", "SystemModstamp")


class LoadError(ValueError):
    """A record of a bulk load was refused; nothing after it was loaded."""

    def __init__(self, object_name: str, index: int, errors: list[ApiError]) -> None:
        detail = "; ".join(f"{e.code}: {e.message}" for e in errors)
        super().__init__(f"{object_name}[{index}]: {detail}")
        self.object_name = object_name
        self.index = index
        self.errors = errors


class SalesforceState:
    def __init__(self, config: SalesforceSandboxConfig, injector: FaultInjector) -> None:
        self.config = config
        self.injector = injector
        self.schema = load_schema(config.schema_path)
        self.store = RecordStore(self.schema, IdGenerator())
        org15 = config.org_id[:15].ljust(15, "0")
        self.org_id = org15 + checksum(org15)
        self.user_id = SANDBOX_USER_ID
        self.sessions = SessionStore(self.org_id, config.session_ttl_seconds)
        self.usage = ApiUsage(config.daily_api_limit)
        self.cursors = CursorStore()
        self.writes = WriteEngine(self.schema, self.store, injector)
        self.credentials = Credentials(
            username=config.username,
            password=config.password,
            security_token=config.security_token,
            consumer_key=config.consumer_key,
            consumer_secret=config.consumer_secret,
            jwt_public_key=config.jwt_public_key,
        )
        if config.persist_path is not None:
            persistence.load(self.store, config.persist_path)
        if config.seed_data_path is not None and not any(self.store.tables.values()):
            self.load(json.loads(config.seed_data_path.read_text(encoding="utf-8")))

    # -- Python-level API ------------------------------------------------------------------

    def object(self, name: str) -> ObjectDef:
        obj = self.schema.get(name)
        if obj is None:
            raise KeyError(f"unknown sObject type {name!r}")
        return obj

    def _load_order(self, names: list[str]) -> list[str]:
        """Parents before children, so references by external id resolve."""
        ordered: list[str] = []
        pending = list(names)
        while pending:
            for name in pending:
                obj = self.object(name)
                parents = {t for f in obj.fields.values() for t in f.reference_to} - {name}
                if not parents & {p for p in pending if p != name}:
                    ordered.append(name)
                    pending.remove(name)
                    break
            else:
                ordered.extend(pending)
                break
        return ordered

    def load(self, data: Mapping[str, Sequence[Mapping[str, Any]]]) -> dict[str, list[str]]:
        """Insert records by object name; returns the new ids per object.

        Records are validated against the schema (a refused record raises
        :class:`LoadError`); ``CreatedDate`` / ``LastModifiedDate`` / ``SystemModstamp`` may be
        given to seed history. No API usage is counted and no faults are injected.
        """
        created: dict[str, list[str]] = {}
        for name in self._load_order(list(data)):
            obj = self.object(name)
            ops: list[WriteOp] = []
            for raw in data[name]:
                body = {k: v for k, v in raw.items() if k not in _STAMP_FIELDS}
                check_field_names(obj, body)
                stamps = {
                    k: stamp
                    for k in _STAMP_FIELDS
                    if isinstance(raw.get(k), str) and (stamp := canonical_datetime(raw[k]))
                }
                ops.append(WriteOp("create", obj, body, stamps=stamps or None))
            ids: list[str] = []
            chunk = 1000
            for start in range(0, len(ops), chunk):
                results = self.writes.run(ops[start : start + chunk], False, inject=False)
                for offset, result in enumerate(results):
                    if not result.success:
                        raise LoadError(name, start + offset, result.errors)
                    assert result.id is not None
                    ids.append(result.id)
            created[obj.name] = ids
        return created

    def records(self, name: str, include_deleted: bool = False) -> list[Record]:
        """Copies of the records of one object, in creation order."""
        obj = self.object(name)
        with self.store.lock:
            return [dict(r) for r in self.store.records(obj, include_deleted)]

    def reset(self) -> None:
        """Drop all records, cursors and the day's API usage (sessions stay valid)."""
        self.store.reset()
        self.cursors.clear()
        self.usage.reset()

    def save(self, path: Path | None = None) -> int:
        """Write the records to SQLite (``persist_path`` by default); returns the count."""
        target = path or self.config.persist_path
        if target is None:
            raise ValueError("no persist_path configured")
        return persistence.save(self.store, target)
