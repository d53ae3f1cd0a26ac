"""DML engine: create / update / upsert / delete of one or many records, with allOrNone.

Every write path (single-record REST calls, sObject Collections, the sandbox bulk load) goes
through :meth:`WriteEngine.run`. It first checks every operation against the current data
(schema validation, uniqueness including values claimed earlier in the same request,
injected ``UNABLE_TO_LOCK_ROW`` / validation-rule faults), then applies the valid ones, or
none of them when ``all_or_none`` is set and one failed: the others then report
``ALL_OR_NONE_OPERATION_ROLLED_BACK`` (REST API Developer Guide, "sObject Collections").
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from connector.sandbox.common.faults import FaultInjector, FaultKind
from connector.sandbox.salesforce.errors import ApiError, RecordError
from connector.sandbox.salesforce.records import RecordStore, index_key
from connector.sandbox.salesforce.schema import FieldDef, ObjectDef, Schema
from connector.sandbox.salesforce.validation import validate_record

ROLLED_BACK = ApiError(
    "ALL_OR_NONE_OPERATION_ROLLED_BACK",
    "Record rolled back because not all records were valid and the request was using "
    "AllOrNone header",
)
DEFAULT_REJECT_MESSAGE = "Record rejected by a validation rule of the sandbox org."


@dataclass
class WriteOp:
    """One record operation. ``kind``: create, update, upsert or delete."""

    kind: str
    obj: ObjectDef
    body: Mapping[str, Any] = field(default_factory=dict)
    record_id: str | None = None
    ext_field: FieldDef | None = None
    ext_value: Any = None
    stamps: dict[str, str] | None = None
    preset_errors: list[ApiError] | None = None


@dataclass
class WriteResult:
    id: str | None
    success: bool
    errors: list[ApiError]
    created: bool | None = None

    def as_json(self, with_created: bool) -> dict[str, Any]:
        out: dict[str, Any] = {
            "id": self.id,
            "success": self.success,
            "errors": [e.record_entry() for e in self.errors],
        }
        if with_created:
            out["created"] = bool(self.created)
        return out


@dataclass
class _Plan:
    op: WriteOp
    action: str  # insert / update / delete
    record_id: str | None
    values: dict[str, Any]
    created: bool | None


class WriteEngine:
    def __init__(self, schema: Schema, store: RecordStore, injector: FaultInjector) -> None:
        self.schema = schema
        self.store = store
        self.injector = injector

    def _faults(self, op: WriteOp, record_id: str | None, method: str, path: str) -> list[ApiError]:
        lock = self.injector.take(FaultKind.LOCK_ROW, method, path)
        if lock is not None:
            return [
                ApiError(
                    "UNABLE_TO_LOCK_ROW",
                    lock.message
                    or f"unable to obtain exclusive access to this record or 1 records: "
                    f"{record_id or op.obj.key_prefix}",
                )
            ]
        if op.kind != "delete":
            reject = self.injector.take(FaultKind.REJECT_RECORD, method, path)
            if reject is not None:
                return [
                    ApiError(
                        "FIELD_CUSTOM_VALIDATION_EXCEPTION",
                        reject.message or DEFAULT_REJECT_MESSAGE,
                    )
                ]
        return []

    def _plan(
        self,
        op: WriteOp,
        claimed: dict[str, dict[tuple[str, Any], str]],
        slot: str,
        inject: bool,
        method: str,
        path: str,
    ) -> _Plan:
        if op.preset_errors:
            raise RecordError(op.preset_errors)
        store = self.store
        obj = op.obj
        if op.kind == "delete":
            assert op.record_id is not None
            live = store.live_exists(op.record_id)
            if live is None:
                raise RecordError(
                    [ApiError("INVALID_CROSS_REFERENCE_KEY", "invalid cross reference id")]
                )
            if not live:
                raise RecordError([ApiError("ENTITY_IS_DELETED", "entity is deleted")])
            if inject and (errors := self._faults(op, op.record_id, method, path)):
                raise RecordError(errors)
            return _Plan(op, "delete", op.record_id, {}, None)
        body = dict(op.body)
        target_id = op.record_id
        creating = op.kind == "create"
        if op.kind == "upsert":
            assert op.ext_field is not None
            matches = store.find_id_by_field(obj, op.ext_field, op.ext_value)
            if len(matches) > 1:
                raise RecordError(
                    [
                        ApiError(
                            "DUPLICATE_EXTERNAL_ID",
                            f"{op.ext_field.name}: more than one record found for external id "
                            f"field: {matches}",
                            (op.ext_field.name,),
                        )
                    ]
                )
            creating = not matches
            target_id = matches[0] if matches else None
            for key in list(body):
                if key.lower() == op.ext_field.name.lower():
                    del body[key]
            if creating:
                body[op.ext_field.name] = op.ext_value
        elif op.kind == "update":
            assert target_id is not None
            live = store.live_exists(target_id)
            if live is None:
                raise RecordError(
                    [ApiError("INVALID_CROSS_REFERENCE_KEY", "invalid cross reference id")]
                )
            if not live:
                raise RecordError([ApiError("ENTITY_IS_DELETED", "entity is deleted")])
        values = validate_record(self.schema, obj, body, creating, store)
        own = target_id or slot
        obj_claims = claimed.setdefault(obj.name, {})
        errors = store.unique_conflicts(obj, values, own, obj_claims)
        if errors:
            raise RecordError(errors)
        if inject and (errors := self._faults(op, target_id, method, path)):
            raise RecordError(errors)
        for fdef in obj.unique_fields():
            if values.get(fdef.name) is not None:
                obj_claims[(fdef.name, index_key(fdef, values[fdef.name]))] = own
        return _Plan(op, "insert" if creating else "update", target_id, values, creating)

    def run(
        self,
        ops: list[WriteOp],
        all_or_none: bool,
        method: str = "",
        path: str = "",
        inject: bool = True,
    ) -> list[WriteResult]:
        """Check, then apply the operations; results in the order of ``ops``."""
        with self.store.lock:
            claimed: dict[str, dict[tuple[str, Any], str]] = {}
            plans: list[_Plan | RecordError] = []
            for index, op in enumerate(ops):
                try:
                    plans.append(self._plan(op, claimed, f"#new{index}", inject, method, path))
                except RecordError as exc:
                    plans.append(exc)
            failed = any(isinstance(p, RecordError) for p in plans)
            results: list[WriteResult] = []
            if failed and all_or_none:
                for op, plan in zip(ops, plans, strict=True):
                    errors = plan.errors if isinstance(plan, RecordError) else [ROLLED_BACK]
                    results.append(WriteResult(_failed_id(op), False, errors))
                return results
            for op, plan in zip(ops, plans, strict=True):
                if isinstance(plan, RecordError):
                    results.append(WriteResult(_failed_id(op), False, plan.errors))
                    continue
                obj = plan.op.obj
                if plan.action == "insert":
                    record = self.store.insert(obj, plan.values, plan.op.stamps)
                    results.append(WriteResult(record["Id"], True, [], True))
                elif plan.action == "update":
                    assert plan.record_id is not None
                    self.store.update(obj, plan.record_id, plan.values)
                    results.append(WriteResult(plan.record_id, True, [], False))
                else:
                    assert plan.record_id is not None
                    self.store.delete(obj, plan.record_id)
                    results.append(WriteResult(plan.record_id, True, []))
            return results


def _failed_id(op: WriteOp) -> str | None:
    """Failed deletes and updates still name their record; failed creates have no id."""
    return op.record_id if op.kind in ("delete", "update") else None
