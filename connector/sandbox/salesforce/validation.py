"""Checks and converts a record body against the schema, failing as Salesforce fails.

The error codes and messages follow what the REST API returns for a failed DML operation
(``StatusCode`` values in the SOAP API Developer Guide), e.g. ``REQUIRED_FIELD_MISSING`` with
``fields``, ``STRING_TOO_LONG``, ``INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol

from connector.sandbox.salesforce.errors import ApiError, RecordError, SalesforceApiError
from connector.sandbox.salesforce.ids import normalize_id
from connector.sandbox.salesforce.schema import SANDBOX_USER_ID, FieldDef, ObjectDef, Schema
from connector.sandbox.salesforce.values import canonical_date, canonical_datetime


class RecordLookup(Protocol):
    """What validation needs from the record store."""

    def find_id_by_field(self, obj: ObjectDef, fdef: FieldDef, value: Any) -> list[str]: ...

    def live_exists(self, record_id: str) -> bool | None: ...


def unknown_field_error(obj: ObjectDef, name: str) -> SalesforceApiError:
    return SalesforceApiError(
        400,
        [
            ApiError(
                "INVALID_FIELD",
                f"No such column '{name}' on sobject of type {obj.name}",
                with_fields=False,
            )
        ],
    )


def _type_error(fdef: FieldDef, value: Any) -> ApiError:
    return ApiError(
        "INVALID_TYPE_ON_FIELD_IN_RECORD",
        f"{fdef.label}: value not of required type: {value}",
        (fdef.name,),
    )


def _convert_number(fdef: FieldDef, value: Any) -> float | ApiError:
    if isinstance(value, bool):
        return _type_error(fdef, value)
    if isinstance(value, (int, float)):
        number = float(value)
    elif isinstance(value, str):
        try:
            number = float(value.strip())
        except ValueError:
            return _type_error(fdef, value)
    else:
        return _type_error(fdef, value)
    if fdef.precision:
        integer_digits = fdef.precision - fdef.scale
        if abs(number) >= 10**integer_digits:
            return ApiError(
                "NUMBER_OUTSIDE_VALID_RANGE",
                f"{fdef.label}: value outside of valid range on numeric field: {value}",
                (fdef.name,),
            )
        number = round(number, fdef.scale)
    return number


def _convert_text(fdef: FieldDef, value: Any) -> str | ApiError:
    if isinstance(value, (dict, list)):
        return _type_error(fdef, value)
    text = ("true" if value else "false") if isinstance(value, bool) else str(value)
    if fdef.type == "picklist":
        if fdef.restricted_picklist and text not in fdef.active_values():
            return ApiError(
                "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST",
                f"{fdef.label}: bad value for restricted picklist field: {text}",
                (fdef.name,),
            )
    elif fdef.length and len(text) > fdef.length:
        return ApiError(
            "STRING_TOO_LONG",
            f"{fdef.label}: data value too large: {text} (max length={fdef.length})",
            (fdef.name,),
        )
    return text


def _convert_value(
    schema: Schema, fdef: FieldDef, value: Any, lookup: RecordLookup
) -> Any | ApiError:
    kind = fdef.type
    if fdef.is_text:
        return _convert_text(fdef, value)
    if fdef.is_number:
        return _convert_number(fdef, value)
    if kind == "boolean":
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.lower() in ("true", "false"):
            return value.lower() == "true"
        return _type_error(fdef, value)
    if kind == "date":
        converted = canonical_date(value) if isinstance(value, str) else None
        return converted if converted is not None else _type_error(fdef, value)
    if kind == "datetime":
        converted = canonical_datetime(value) if isinstance(value, str) else None
        return converted if converted is not None else _type_error(fdef, value)
    if kind == "reference":
        return _convert_reference(schema, fdef, value, lookup)
    return value


def _convert_reference(
    schema: Schema, fdef: FieldDef, value: Any, lookup: RecordLookup
) -> str | ApiError:
    target_name = fdef.reference_to[0] if fdef.reference_to else ""
    record_id = normalize_id(value) if isinstance(value, str) else None
    if record_id is None:
        return ApiError(
            "MALFORMED_ID", f"{fdef.label}: id value of incorrect type: {value}", (fdef.name,)
        )
    if target_name == "User":
        return record_id
    target = schema.get(target_name)
    if target is None or record_id[:3] != target.key_prefix:
        return ApiError(
            "FIELD_INTEGRITY_EXCEPTION",
            f"{fdef.label} ID: id value of incorrect type: {value}",
            (fdef.name,),
        )
    exists = lookup.live_exists(record_id)
    if exists is None:
        return ApiError(
            "INVALID_CROSS_REFERENCE_KEY",
            f"invalid cross reference id: {value}",
            (fdef.name,),
        )
    if not exists:
        return ApiError("ENTITY_IS_DELETED", "entity is deleted", (fdef.name,))
    return record_id


def _resolve_relationship(
    schema: Schema, fdef: FieldDef, ref: Any, lookup: RecordLookup
) -> str | ApiError:
    """Resolve ``"Account__r": {"Stripe_Customer_Id__c": "cus_1"}`` to the parent's Id."""
    target = schema.get(fdef.reference_to[0]) if fdef.reference_to else None
    if target is None or not isinstance(ref, Mapping):
        return _type_error(fdef, ref)
    keys = [k for k in ref if k != "attributes"]
    if len(keys) != 1:
        return ApiError(
            "INVALID_FIELD",
            f"Foreign key external ID: more than one field specified for {fdef.relationship_name}",
            (fdef.name,),
        )
    key_field = target.field(keys[0])
    if key_field is None or not (key_field.external_id or key_field.id_lookup):
        return ApiError(
            "INVALID_FIELD",
            f"Foreign key external ID field {keys[0]} is not an external ID or idLookup field "
            f"on {target.name}",
            (fdef.name,),
        )
    value = ref[keys[0]]
    matches = lookup.find_id_by_field(target, key_field, value)
    if not matches:
        # Message as the REST API words it for an unknown parent external id.
        return ApiError(
            "INVALID_FIELD",
            f"Foreign key external ID: {value} not found for field {key_field.name} in entity "
            f"{target.name}",
            (),
        )
    if len(matches) > 1:
        return ApiError(
            "INVALID_FIELD",
            f"Foreign key external ID: {value} matches more than one record for field "
            f"{key_field.name} in entity {target.name}",
            (),
        )
    return matches[0]


def check_field_names(obj: ObjectDef, body: Mapping[str, Any]) -> None:
    """Raise the whole-request ``INVALID_FIELD`` error for a name the object lacks."""
    for name in body:
        if name == "attributes":
            continue
        if obj.field(name) is None and obj.relationship(name) is None:
            raise unknown_field_error(obj, name)


def validate_record(
    schema: Schema,
    obj: ObjectDef,
    body: Mapping[str, Any],
    creating: bool,
    lookup: RecordLookup,
) -> dict[str, Any]:
    """The body's values in canonical form, or :class:`RecordError` with every problem.

    Unknown field names must have been rejected by :func:`check_field_names`.
    """
    errors: list[ApiError] = []
    values: dict[str, Any] = {}
    not_writable: list[str] = []
    for name, raw in body.items():
        if name == "attributes":
            continue
        fdef = obj.field(name)
        if fdef is None:
            rel = obj.relationship(name)
            if rel is None:
                raise unknown_field_error(obj, name)
            writable = rel.createable if creating else rel.updateable
            if not writable:
                not_writable.append(rel.name)
                continue
            resolved = _resolve_relationship(schema, rel, raw, lookup)
            if isinstance(resolved, ApiError):
                errors.append(resolved)
            else:
                values[rel.name] = resolved
            continue
        writable = fdef.createable if creating else fdef.updateable
        if not writable:
            not_writable.append(fdef.name)
            continue
        if raw is None:
            if not fdef.nillable and fdef.type != "boolean":
                errors.append(
                    ApiError(
                        "REQUIRED_FIELD_MISSING",
                        f"Required fields are missing: [{fdef.name}]",
                        (fdef.name,),
                    )
                )
            elif fdef.type == "boolean":
                errors.append(_type_error(fdef, raw))
            else:
                values[fdef.name] = None
            continue
        converted = _convert_value(schema, fdef, raw, lookup)
        if isinstance(converted, ApiError):
            errors.append(converted)
        else:
            values[fdef.name] = converted
    if not_writable:
        errors.insert(
            0,
            ApiError(
                "INVALID_FIELD_FOR_INSERT_UPDATE",
                f"Unable to create/update fields: {', '.join(not_writable)}. Please check the "
                "security settings of this field and verify that it is read/write for your "
                "profile or permission set.",
                tuple(not_writable),
            ),
        )
    if creating:
        missing = [
            f.name
            for f in obj.fields.values()
            if f.createable
            and not f.nillable
            and not f.defaulted_on_create
            and values.get(f.name) is None
            and not any(e.code == "REQUIRED_FIELD_MISSING" and f.name in e.fields for e in errors)
        ]
        if missing:
            errors.append(
                ApiError(
                    "REQUIRED_FIELD_MISSING",
                    f"Required fields are missing: [{', '.join(missing)}]",
                    tuple(missing),
                )
            )
    if errors:
        raise RecordError(errors)
    return values


def default_values(obj: ObjectDef) -> dict[str, Any]:
    """Values of defaulted fields for a new record."""
    defaults: dict[str, Any] = {}
    for fdef in obj.fields.values():
        if fdef.name == "OwnerId":
            defaults["OwnerId"] = SANDBOX_USER_ID
        elif fdef.defaulted_on_create and fdef.default_value is not None:
            defaults[fdef.name] = fdef.default_value
        elif fdef.type == "boolean" and fdef.createable:
            defaults[fdef.name] = False
    return defaults
