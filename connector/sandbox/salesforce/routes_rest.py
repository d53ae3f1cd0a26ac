"""Single-record REST resources: versions, limits, describe, sObject rows, external-id upsert.

Upsert by external id (``PATCH sobjects/<obj>/<field>/<value>``) answers 201 with
``{"id", "success", "errors", "created": true}`` when it creates the record, and from API
version 46.0 on 200 with ``"created": false`` when it updates one (204 before 46.0); several
matching records answer 300 with the list of their URLs (REST API Developer Guide, "Insert or
Update (Upsert) a Record Using an External ID").
"""

from __future__ import annotations

from typing import Any

from connector.sandbox.salesforce.describe import (
    basic_info,
    describe_global,
    describe_object,
)
from connector.sandbox.salesforce.errors import (
    ApiError,
    SalesforceApiError,
    not_found,
    request_error,
)
from connector.sandbox.salesforce.http import ApiRequest, ApiResponse
from connector.sandbox.salesforce.ids import normalize_id
from connector.sandbox.salesforce.records import Record
from connector.sandbox.salesforce.schema import FieldDef, ObjectDef
from connector.sandbox.salesforce.state import SalesforceState
from connector.sandbox.salesforce.validation import check_field_names, unknown_field_error
from connector.sandbox.salesforce.writes import WriteOp, WriteResult

UPSERT_BODY_SINCE = 46.0
_RELEASES = {
    "55.0": "Summer '22", "56.0": "Winter '23", "57.0": "Spring '23", "58.0": "Summer '23",
    "59.0": "Winter '24", "60.0": "Spring '24", "61.0": "Summer '24", "62.0": "Winter '25",
    "63.0": "Spring '25", "64.0": "Summer '25", "65.0": "Winter '26",
}  # fmt: skip
_NOT_FOUND_STATUS = {"ENTITY_IS_DELETED": 404, "NOT_FOUND": 404}


def supported_versions(latest: str) -> list[str]:
    top = max(float(latest), 62.0)
    return [f"{v:.1f}" for v in (float(n) for n in range(31, int(top) + 1))]


def record_body(record: Record, obj: ObjectDef, prefix: str, fields: list[str] | None) -> Any:
    out: dict[str, Any] = {
        "attributes": {"type": obj.name, "url": f"{prefix}/sobjects/{obj.name}/{record['Id']}"}
    }
    if fields is None:
        out.update(record)
    else:
        for name in fields:
            out[name] = record[name]
    return out


def single_write_error(result: WriteResult) -> SalesforceApiError:
    """A failed single-record write as a whole-request error (with ``fields``)."""
    status = max((_NOT_FOUND_STATUS.get(e.code, 400) for e in result.errors), default=400)
    return SalesforceApiError(status, list(result.errors))


class RestRoutes:
    def __init__(self, state: SalesforceState) -> None:
        self.state = state

    # -- helpers ---------------------------------------------------------------------------

    def obj(self, name: str) -> ObjectDef:
        obj = self.state.schema.get(name)
        if obj is None:
            raise not_found()
        return obj

    def target(self, obj: ObjectDef, raw: str) -> Record:
        """The live record a path id names, or Salesforce's 404/400 answer."""
        record_id = normalize_id(raw)
        if record_id is None:
            raise not_found(
                f"Provided external ID field does not exist or is not accessible: {raw}"
            )
        if record_id[:3] != obj.key_prefix:
            raise SalesforceApiError(
                400,
                [
                    ApiError(
                        "MALFORMED_ID",
                        f"{obj.label} ID: id value of incorrect type: {raw}",
                        ("Id",),
                    )
                ],
            )
        record = self.state.store.get(record_id)
        if record is None:
            raise not_found()
        if record["IsDeleted"]:
            raise request_error(404, "ENTITY_IS_DELETED", "entity is deleted")
        return record

    def field_list(self, obj: ObjectDef, req: ApiRequest) -> list[str] | None:
        raw = req.query.get("fields")
        if not raw:
            return None
        names: list[str] = []
        for name in raw.split(","):
            fdef = obj.field(name.strip())
            if fdef is None:
                raise unknown_field_error(obj, name.strip())
            names.append(fdef.name)
        return names

    def body_dict(self, req: ApiRequest, obj: ObjectDef) -> dict[str, Any]:
        body = req.json()
        if not isinstance(body, dict):
            raise request_error(
                400,
                "JSON_PARSER_ERROR",
                f"Cannot deserialize instance of {obj.name} from {type(body).__name__} value",
            )
        check_field_names(obj, body)
        return body

    def ext_field(self, obj: ObjectDef, name: str) -> FieldDef:
        fdef = obj.field(name)
        if fdef is None or not (fdef.external_id or fdef.id_lookup):
            raise not_found(
                f"Provided external ID field does not exist or is not accessible: {name}"
            )
        return fdef

    # -- org-level resources -----------------------------------------------------------------

    def versions(self, req: ApiRequest) -> ApiResponse:
        return ApiResponse(
            200,
            [
                {
                    "label": _RELEASES.get(v, f"API {v}"),
                    "url": f"/services/data/v{v}",
                    "version": v,
                }
                for v in supported_versions(self.state.config.api_version)
            ],
        )

    def resources(self, req: ApiRequest) -> ApiResponse:
        prefix = req.data_prefix
        names = ("composite", "limits", "query", "queryAll", "sobjects")
        return ApiResponse(200, {name: f"{prefix}/{name}" for name in names})

    def limits(self, req: ApiRequest) -> ApiResponse:
        return ApiResponse(200, self.state.usage.limits_body())

    def describe_global(self, req: ApiRequest) -> ApiResponse:
        return ApiResponse(200, describe_global(self.state.schema, req.data_prefix))

    def describe(self, req: ApiRequest) -> ApiResponse:
        obj = self.obj(req.segments[1])
        return ApiResponse(200, describe_object(self.state.schema, obj, req.data_prefix))

    def info(self, req: ApiRequest) -> ApiResponse:
        obj = self.obj(req.segments[1])
        with self.state.store.lock:
            table = self.state.store.tables[obj.name]
            recent = [
                record_body(r, obj, req.data_prefix, ["Id", "Name"] if "Name" in r else ["Id"])
                for r in list(table.values())[-3:]
                if not r["IsDeleted"]
            ]
        return ApiResponse(200, basic_info(obj, req.data_prefix, recent))

    # -- rows ------------------------------------------------------------------------------

    def create(self, req: ApiRequest) -> ApiResponse:
        obj = self.obj(req.segments[1])
        body = self.body_dict(req, obj)
        result = self.state.writes.run([WriteOp("create", obj, body)], True, req.method, req.path)[
            0
        ]
        if not result.success:
            raise single_write_error(result)
        return ApiResponse(
            201,
            {"id": result.id, "success": True, "errors": []},
            headers=[(b"location", f"{req.data_prefix}/sobjects/{obj.name}/{result.id}".encode())],
        )

    def retrieve(self, req: ApiRequest) -> ApiResponse:
        obj = self.obj(req.segments[1])
        fields = self.field_list(obj, req)
        with self.state.store.lock:
            record = self.target(obj, req.segments[2])
            return ApiResponse(200, record_body(record, obj, req.data_prefix, fields))

    def update(self, req: ApiRequest) -> ApiResponse:
        obj = self.obj(req.segments[1])
        body = self.body_dict(req, obj)
        record_id = self.target(obj, req.segments[2])["Id"]
        result = self.state.writes.run(
            [WriteOp("update", obj, body, record_id=record_id)], True, req.method, req.path
        )[0]
        if not result.success:
            raise single_write_error(result)
        return ApiResponse(204)

    def delete(self, req: ApiRequest) -> ApiResponse:
        obj = self.obj(req.segments[1])
        record_id = self.target(obj, req.segments[2])["Id"]
        result = self.state.writes.run(
            [WriteOp("delete", obj, record_id=record_id)], True, req.method, req.path
        )[0]
        if not result.success:
            raise single_write_error(result)
        return ApiResponse(204)

    # -- by external id --------------------------------------------------------------------

    def _matches(self, req: ApiRequest) -> tuple[ObjectDef, FieldDef, str, list[str]]:
        obj = self.obj(req.segments[1])
        fdef = self.ext_field(obj, req.segments[2])
        value = "/".join(req.segments[3:])
        matches = self.state.store.find_id_by_field(obj, fdef, value)
        return obj, fdef, value, matches

    def _multiple(self, req: ApiRequest, obj: ObjectDef, matches: list[str]) -> SalesforceApiError:
        urls = [f"{req.data_prefix}/sobjects/{obj.name}/{i}" for i in matches]
        return SalesforceApiError(300, body_override=urls)

    def retrieve_external(self, req: ApiRequest) -> ApiResponse:
        with self.state.store.lock:
            obj, _, _, matches = self._matches(req)
            if not matches:
                raise not_found()
            if len(matches) > 1:
                raise self._multiple(req, obj, matches)
            record = self.state.store.get(matches[0])
            assert record is not None
            fields = self.field_list(obj, req)
            return ApiResponse(200, record_body(record, obj, req.data_prefix, fields))

    def delete_external(self, req: ApiRequest) -> ApiResponse:
        with self.state.store.lock:
            obj, _, _, matches = self._matches(req)
            if not matches:
                raise not_found()
            if len(matches) > 1:
                raise self._multiple(req, obj, matches)
            result = self.state.writes.run(
                [WriteOp("delete", obj, record_id=matches[0])], True, req.method, req.path
            )[0]
        if not result.success:
            raise single_write_error(result)
        return ApiResponse(204)

    def upsert(self, req: ApiRequest) -> ApiResponse:
        with self.state.store.lock:
            obj, fdef, value, matches = self._matches(req)
            body = self.body_dict(req, obj)
            if len(matches) > 1:
                raise self._multiple(req, obj, matches)
            for key, given in body.items():
                if key.lower() == fdef.name.lower() and given is not None and str(given) != value:
                    raise SalesforceApiError(
                        400,
                        [
                            ApiError(
                                "INVALID_FIELD",
                                f"The value of the external ID field in the body ({given}) "
                                f"doesn't match the value in the URL ({value})",
                                (fdef.name,),
                            )
                        ],
                    )
            if fdef.type == "id":
                if not matches:
                    raise not_found()
                op = WriteOp("update", obj, body, record_id=matches[0])
            else:
                op = WriteOp("upsert", obj, body, ext_field=fdef, ext_value=value)
            result = self.state.writes.run([op], True, req.method, req.path)[0]
        if not result.success:
            raise single_write_error(result)
        body_out: dict[str, Any] = {
            "id": result.id,
            "success": True,
            "errors": [],
            "created": bool(result.created),
        }
        if result.created:
            return ApiResponse(201, body_out)
        if float(req.version) >= UPSERT_BODY_SINCE:
            return ApiResponse(200, body_out)
        return ApiResponse(204)
