"""Does the org fit the mapping? Compare a mapping with the org's describe results.

Checked per mapped object: the sObject exists; the key field exists and is an External ID
(upserts need it); every mapped field exists, is writable, and has a type the field's format
can be written to; restricted picklists accept every value the value map can produce; text
lengths are at least the mapping's ``max_length``; Salesforce keeps at least the mapping's
decimal ``scale`` (otherwise it rounds, and every run would see a difference and write
again); and no required field is left without a mapping (creates would fail).

Everything here is pure: the caller fetches the describes (see
:meth:`SalesforceTarget.describe_contract`), which keeps this testable without an org.
"""

from __future__ import annotations

from collections.abc import Mapping

from adapters.salesforce.describe import FieldInfo, ObjectInfo
from connector.mapping import CompiledField, CompiledMapping, CompiledObject, FieldFormat, Owner
from connector.mapping.spec import FieldSpec, MappingSpec
from connector.schema import UnknownCurrencyError, minor_units
from connector.schema.currency import check_currency

TEXT_TYPES = frozenset(
    {
        "string",
        "textarea",
        "email",
        "phone",
        "url",
        "picklist",
        "multipicklist",
        "combobox",
        "encryptedstring",
    }
)
FRACTION_TYPES = frozenset({"double", "currency", "percent"})
NUMBER_TYPES = FRACTION_TYPES | {"int", "long"}
COMPATIBLE: dict[FieldFormat, frozenset[str]] = {
    FieldFormat.STRING: TEXT_TYPES,
    FieldFormat.DECIMAL: FRACTION_TYPES,
    FieldFormat.INTEGER: NUMBER_TYPES,
    FieldFormat.MINOR_UNITS: NUMBER_TYPES,
    FieldFormat.EPOCH: NUMBER_TYPES,
    FieldFormat.BOOLEAN: frozenset({"boolean"}),
    FieldFormat.DATE: frozenset({"date"}),
    FieldFormat.DATETIME: frozenset({"datetime"}),
}
# Fields every record has that Salesforce fills itself.
_SYSTEM_FIELDS = frozenset({"id", "ownerid", "isdeleted", "createddate", "systemmodstamp"})


def _spec_of(spec: MappingSpec | None, obj: CompiledObject, target: str) -> FieldSpec | None:
    if spec is None or obj.name not in spec.objects:
        return None
    return next((f for f in spec.objects[obj.name].fields if f.target == target), None)


def _possible_values(field_spec: FieldSpec | None) -> set[str] | None:
    """Every value a field can be written with, when the mapping enumerates them."""
    if field_spec is None:
        return None
    if field_spec.constant is not None:
        return {str(field_spec.constant)}
    if field_spec.map is None:
        return None
    values = {str(v) for v in field_spec.map.values() if v is not None}
    if field_spec.has_default and field_spec.default is not None:
        values.add(str(field_spec.default))
    return values


def _money_precision(
    where: str,
    spec: CompiledField,
    info: FieldInfo,
    field_spec: FieldSpec | None,
    obj: ObjectInfo,
) -> list[str]:
    """A currency field written at each currency's own precision (no scale in the mapping)
    must keep as many decimals as the org's currencies have, or Salesforce rounds them."""
    if info.type != "currency" or spec.fmt is not FieldFormat.DECIMAL:
        return []
    if field_spec is not None and field_spec.scale is not None:
        return []
    codes = obj.field("CurrencyIsoCode")
    currencies = sorted(codes.picklist_values) if codes is not None else []
    finer = [code for code in currencies if _minor_units(code) > info.scale]
    if not finer:
        return []
    return [
        f"{where}: Salesforce keeps {info.scale} decimals, {', '.join(finer)} "
        f"{'has' if len(finer) == 1 else 'have'} more: raise the field's decimal places "
        f"to {max(_minor_units(code) for code in finer)}"
    ]


def _minor_units(code: str) -> int:
    try:
        return minor_units(check_currency(code))
    except UnknownCurrencyError:
        return 0


def _field_problems(
    where: str,
    mapping: CompiledMapping,
    spec: CompiledField,
    info: FieldInfo,
    field_spec: FieldSpec | None,
) -> list[str]:
    problems: list[str] = []
    if not info.createable:
        problems.append(f"{where}: not createable for the integration user")
    if not info.updateable and spec.owner is Owner.BILLING:
        problems.append(f"{where}: not updateable, but the mapping keeps it in line with billing")
    if spec.kind == "ref":
        parent = mapping.objects[spec.ref_object].target if spec.ref_object else None
        if info.type != "reference":
            problems.append(f"{where}: is a {info.type} field, but the mapping links it (ref)")
        elif parent is not None and parent not in info.reference_to:
            targets = ", ".join(info.reference_to) or "nothing"
            problems.append(f"{where}: looks up {targets}, but the mapping links it to {parent}")
        return problems
    fmt = spec.fmt or FieldFormat.STRING
    if info.type not in COMPATIBLE[fmt] and not (fmt is FieldFormat.DECIMAL and _whole(field_spec)):
        problems.append(
            f"{where}: a {info.type} field cannot hold the mapping's {fmt.value} values"
        )
    if info.restricted_picklist:
        values = _possible_values(field_spec)
        if values is not None:
            rejected = sorted(values - info.picklist_values)
            if rejected:
                problems.append(
                    f"{where}: restricted picklist lacks {', '.join(map(repr, rejected))} "
                    f"(allowed: {', '.join(sorted(info.picklist_values))})"
                )
    if info.type in TEXT_TYPES and info.length and not info.restricted_picklist:
        if spec.max_length is not None and spec.max_length > info.length:
            problems.append(
                f"{where}: holds {info.length} characters, the mapping allows {spec.max_length}"
            )
        values = _possible_values(field_spec) or set()
        too_long = sorted(v for v in values if len(v) > info.length)
        if too_long:
            problems.append(f"{where}: values longer than {info.length}: {', '.join(too_long)}")
    scale = field_spec.scale if field_spec is not None else None
    if info.type in FRACTION_TYPES and scale is not None and scale > info.scale:
        problems.append(
            f"{where}: Salesforce keeps {info.scale} decimals, the mapping {scale}: values "
            "would be rounded and differ on every run"
        )
    return problems


def _whole(field_spec: FieldSpec | None) -> bool:
    return field_spec is not None and field_spec.scale == 0


def _required_unmapped(obj: CompiledObject, info: ObjectInfo) -> list[str]:
    mapped = {obj.key_field.lower(), *(f.target.lower() for f in obj.fields)}
    missing = sorted(
        f.name
        for key, f in info.fields.items()
        if key not in mapped
        and key not in _SYSTEM_FIELDS
        and f.createable
        and not f.nillable
        and not f.defaulted_on_create
        and f.type != "boolean"
    )
    return [
        f"{obj.target}.{name}: required in Salesforce but not mapped: creates would fail"
        for name in missing
    ]


def contract_problems(
    mapping: CompiledMapping,
    infos: Mapping[str, ObjectInfo | None],
    spec: MappingSpec | None = None,
) -> list[str]:
    """Readable problems; an empty list means the org can take what the mapping writes."""
    problems: list[str] = []
    for obj in mapping.objects.values():
        info = infos.get(obj.target)
        if info is None:
            problems.append(f"{obj.target}: no such sObject (or the user cannot see it)")
            continue
        key = info.field(obj.key_field)
        if key is None:
            problems.append(f"{obj.target}.{obj.key_field}: no such field (the match key)")
        elif not key.external_id:
            problems.append(
                f"{obj.target}.{obj.key_field}: not an External ID field, so records cannot "
                "be upserted by it"
            )
        for field in obj.fields:
            where = f"{obj.target}.{field.target}"
            described = info.field(field.target)
            if described is None:
                problems.append(f"{where}: no such field")
                continue
            field_spec = _spec_of(spec, obj, field.target)
            problems.extend(_money_precision(where, field, described, field_spec, info))
            problems.extend(_field_problems(where, mapping, field, described, field_spec))
        problems.extend(_required_unmapped(obj, info))
    return problems
