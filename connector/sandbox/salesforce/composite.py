"""sObject Collections: ``composite/sobjects`` create / update / delete / retrieve and
``composite/sobjects/<obj>/<externalIdField>`` upsert.

Up to 200 records per call (more answers 400 ``EXCEEDED_ID_LIMIT``); each record carries
``attributes.type``. A well-formed request answers 200 with one result per record, in order:
``{"id", "success", "errors": [{"statusCode", "message", "fields"}]}`` plus ``created`` for
upserts. With ``allOrNone`` true a single failure rolls every record back and the others
report ``ALL_OR_NONE_OPERATION_ROLLED_BACK`` (REST API Developer Guide, "sObject
Collections").
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from connector.sandbox.salesforce.errors import ApiError, request_error
from connector.sandbox.salesforce.http import ApiRequest, ApiResponse
from connector.sandbox.salesforce.ids import normalize_id
from connector.sandbox.salesforce.records import index_key
from connector.sandbox.salesforce.routes_rest import record_body
from connector.sandbox.salesforce.schema import ObjectDef
from connector.sandbox.salesforce.state import SalesforceState
from connector.sandbox.salesforce.validation import check_field_names, unknown_field_error
from connector.sandbox.salesforce.writes import WriteOp

MAX_RECORDS = 200
_LIMIT_MESSAGE = "record limit reached. cannot submit more than 200 records into this call"


def _truthy(value: Any) -> bool:
    if isinstance(value, str):
        return value.lower() == "true"
    return bool(value)


class CompositeRoutes:
    def __init__(self, state: SalesforceState) -> None:
        self.state = state

    def _records(self, req: ApiRequest) -> tuple[list[dict[str, Any]], bool]:
        body = req.json()
        if not isinstance(body, dict) or not isinstance(body.get("records"), list):
            raise request_error(
                400, "JSON_PARSER_ERROR", "Expected an object with a 'records' array."
            )
        records = body["records"]
        if len(records) > MAX_RECORDS:
            raise request_error(400, "EXCEEDED_ID_LIMIT", _LIMIT_MESSAGE)
        for record in records:
            if not isinstance(record, dict):
                raise request_error(400, "JSON_PARSER_ERROR", "Each record must be an object.")
        return records, _truthy(body.get("allOrNone", False))

    def _type_of(self, record: dict[str, Any]) -> ObjectDef:
        attributes = record.get("attributes")
        type_name = attributes.get("type") if isinstance(attributes, dict) else None
        if not type_name:
            raise request_error(
                400, "INVALID_TYPE", "Must send a concrete entity type in attributes.type."
            )
        obj = self.state.schema.get(str(type_name))
        if obj is None:
            raise request_error(
                400, "INVALID_TYPE", f"sObject type '{type_name}' is not supported."
            )
        check_field_names(obj, record)
        return obj

    def _answer(
        self, ops: list[WriteOp], all_or_none: bool, req: ApiRequest, upsert: bool
    ) -> ApiResponse:
        results = self.state.writes.run(ops, all_or_none, req.method, req.path)
        return ApiResponse(200, [r.as_json(upsert) for r in results])

    def create(self, req: ApiRequest) -> ApiResponse:
        records, all_or_none = self._records(req)
        ops = [WriteOp("create", self._type_of(r), r) for r in records]
        return self._answer(ops, all_or_none, req, upsert=False)

    def update(self, req: ApiRequest) -> ApiResponse:
        records, all_or_none = self._records(req)
        ops: list[WriteOp] = []
        for record in records:
            obj = self._type_of(record)
            body = {k: v for k, v in record.items() if k.lower() != "id"}
            raw_id = next((v for k, v in record.items() if k.lower() == "id"), None)
            op = WriteOp("update", obj, body)
            record_id = normalize_id(raw_id) if isinstance(raw_id, str) else None
            if raw_id is None:
                op.preset_errors = [
                    ApiError("MISSING_ARGUMENT", "Id not specified in an update call", ())
                ]
            elif record_id is None or record_id[:3] != obj.key_prefix:
                op.preset_errors = [
                    ApiError(
                        "MALFORMED_ID", f"{obj.label} ID: id value of incorrect type: {raw_id}"
                    )
                ]
            op.record_id = record_id
            ops.append(op)
        return self._answer(ops, all_or_none, req, upsert=False)

    def delete(self, req: ApiRequest) -> ApiResponse:
        query = req.query
        raw_ids = [i for i in query.get("ids", "").split(",") if i]
        if not raw_ids:
            raise request_error(400, "MISSING_ARGUMENT", "Required parameter 'ids' is missing.")
        if len(raw_ids) > MAX_RECORDS:
            raise request_error(400, "EXCEEDED_ID_LIMIT", _LIMIT_MESSAGE)
        ops: list[WriteOp] = []
        any_obj = next(iter(self.state.schema.objects.values()))
        for raw in raw_ids:
            record_id = normalize_id(raw)
            obj = self.state.store.object_of(record_id) if record_id else None
            op = WriteOp("delete", obj or any_obj, record_id=record_id or raw)
            if obj is None:
                op.preset_errors = [ApiError("MALFORMED_ID", f"malformed id {raw}")]
            ops.append(op)
        return self._answer(ops, _truthy(query.get("allOrNone", "false")), req, upsert=False)

    def retrieve(self, req: ApiRequest) -> ApiResponse:
        obj = self.state.schema.get(req.segments[2])
        if obj is None:
            raise request_error(404, "NOT_FOUND", "The requested resource does not exist")
        query = req.query
        raw_ids = [i for i in query.get("ids", "").split(",") if i]
        names = [n.strip() for n in query.get("fields", "").split(",") if n.strip()]
        if not raw_ids or not names:
            raise request_error(
                400, "MISSING_ARGUMENT", "Required parameters 'ids' and 'fields' are missing."
            )
        if len(raw_ids) > 2000:
            raise request_error(400, "EXCEEDED_ID_LIMIT", "Cannot retrieve more than 2000 ids")
        fields = []
        for name in names:
            fdef = obj.field(name)
            if fdef is None:
                raise unknown_field_error(obj, name)
            fields.append(fdef.name)
        out: list[Any] = []
        with self.state.store.lock:
            for raw in raw_ids:
                record_id = normalize_id(raw)
                record = self.state.store.get(record_id) if record_id else None
                if (
                    record is None
                    or record["IsDeleted"]
                    or record_id is None
                    or (record_id[:3] != obj.key_prefix)
                ):
                    out.append(None)
                else:
                    out.append(record_body(record, obj, req.data_prefix, fields))
        return ApiResponse(200, out)

    def upsert(self, req: ApiRequest) -> ApiResponse:
        obj = self.state.schema.get(req.segments[2])
        if obj is None:
            raise request_error(404, "NOT_FOUND", "The requested resource does not exist")
        fdef = obj.field(req.segments[3])
        if fdef is None or not (fdef.external_id or fdef.id_lookup) or fdef.type == "id":
            raise request_error(
                400,
                "INVALID_FIELD",
                f"Field name provided, {req.segments[3]} is not an External ID or indexed field "
                f"for {obj.name}",
            )
        records, all_or_none = self._records(req)
        ops: list[WriteOp] = []
        keys: list[Any] = []
        for record in records:
            record_obj = self._type_of(record)
            value = next((v for k, v in record.items() if k.lower() == fdef.name.lower()), None)
            op = WriteOp("upsert", obj, record, ext_field=fdef, ext_value=value)
            if record_obj is not obj:
                op.preset_errors = [
                    ApiError(
                        "INVALID_TYPE",
                        f"Record type {record_obj.name} does not match {obj.name} in the URL",
                    )
                ]
            elif value is None or value == "":
                op.preset_errors = [
                    ApiError("MISSING_ARGUMENT", f"{fdef.name} not specified", (fdef.name,))
                ]
            ops.append(op)
            keys.append(index_key(fdef, value) if value is not None else None)
        counts = Counter(k for k in keys if k is not None)
        for op, key in zip(ops, keys, strict=True):
            if key is not None and counts[key] > 1 and not op.preset_errors:
                op.preset_errors = [
                    ApiError(
                        "DUPLICATE_EXTERNAL_ID",
                        f"Duplicate external id specified: {op.ext_value}",
                        (fdef.name,),
                    )
                ]
        return self._answer(ops, all_or_none, req, upsert=True)
