"""Describe results built from the schema: ``sobjects/<obj>/describe`` and ``sobjects/``.

Field attributes follow DescribeSObjectResult / Field in the REST API and SOAP API guides.
"""

from __future__ import annotations

from typing import Any

from connector.sandbox.salesforce.schema import FieldDef, ObjectDef, Schema

_SOAP_TYPES = {
    "id": "tns:ID",
    "reference": "tns:ID",
    "boolean": "xsd:boolean",
    "double": "xsd:double",
    "currency": "xsd:double",
    "percent": "xsd:double",
    "int": "xsd:int",
    "date": "xsd:date",
    "datetime": "xsd:dateTime",
}


def describe_field(fdef: FieldDef) -> dict[str, Any]:
    return {
        "aggregatable": fdef.type not in ("textarea",),
        "autoNumber": False,
        "byteLength": fdef.length * 3,
        "calculated": False,
        "caseSensitive": fdef.case_sensitive,
        "createable": fdef.createable,
        "custom": fdef.custom,
        "defaultValue": fdef.default_value,
        "defaultedOnCreate": fdef.defaulted_on_create or fdef.type == "id",
        "digits": 9 if fdef.type == "int" else 0,
        "externalId": fdef.external_id,
        "filterable": fdef.type != "textarea",
        "groupable": fdef.type not in ("double", "currency", "percent", "textarea"),
        "idLookup": fdef.id_lookup,
        "label": fdef.label,
        "length": fdef.length,
        "name": fdef.name,
        "nameField": fdef.name == "Name",
        "nillable": fdef.nillable,
        "picklistValues": [
            {
                "active": v.active,
                "defaultValue": v.default_value,
                "label": v.label,
                "validFor": None,
                "value": v.value,
            }
            for v in fdef.picklist_values
        ],
        "precision": fdef.precision,
        "referenceTo": list(fdef.reference_to),
        "relationshipName": fdef.relationship_name,
        "restrictedPicklist": fdef.restricted_picklist,
        "scale": fdef.scale,
        "soapType": _SOAP_TYPES.get(fdef.type, "xsd:string"),
        "sortable": fdef.type != "textarea",
        "type": fdef.type,
        "unique": fdef.unique,
        "updateable": fdef.updateable,
    }


def _urls(obj: ObjectDef, prefix: str) -> dict[str, str]:
    base = f"{prefix}/sobjects/{obj.name}"
    return {
        "rowTemplate": f"{base}/{{ID}}",
        "defaultValues": f"{base}/defaultValues?recordTypeId&fields",
        "describe": f"{base}/describe",
        "sobject": base,
    }


def _object_summary(obj: ObjectDef, prefix: str) -> dict[str, Any]:
    return {
        "activateable": False,
        "createable": True,
        "custom": obj.custom,
        "customSetting": False,
        "deletable": True,
        "keyPrefix": obj.key_prefix,
        "label": obj.label,
        "labelPlural": obj.label_plural,
        "layoutable": True,
        "mergeable": obj.name == "Account",
        "name": obj.name,
        "queryable": True,
        "replicateable": True,
        "retrieveable": True,
        "searchable": True,
        "triggerable": True,
        "undeletable": True,
        "updateable": True,
        "urls": _urls(obj, prefix),
    }


def describe_object(schema: Schema, obj: ObjectDef, prefix: str) -> dict[str, Any]:
    children = [
        {
            "cascadeDelete": False,
            "childSObject": other.name,
            "field": fdef.name,
            "relationshipName": (fdef.relationship_name or "").replace("__r", "s__r")
            if fdef.relationship_name
            else None,
        }
        for other in schema.objects.values()
        for fdef in other.fields.values()
        if obj.name in fdef.reference_to
    ]
    result = _object_summary(obj, prefix)
    result.update(
        {
            "childRelationships": children,
            "fields": [describe_field(f) for f in obj.fields.values()],
            "recordTypeInfos": [],
        }
    )
    return result


def describe_global(schema: Schema, prefix: str) -> dict[str, Any]:
    return {
        "encoding": "UTF-8",
        "maxBatchSize": 200,
        "sobjects": [_object_summary(o, prefix) for o in schema.objects.values()],
    }


def basic_info(obj: ObjectDef, prefix: str, recent: list[dict[str, Any]]) -> dict[str, Any]:
    """``GET sobjects/<obj>``: object summary and recent items."""
    return {"objectDescribe": _object_summary(obj, prefix), "recentItems": recent}
