"""The mapping file format, as pydantic models (its JSON Schema is exported for editors)."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated, Literal, Self

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    model_validator,
)

Scalar = str | int | bool | None
Identifier = Annotated[str, StringConstraints(pattern=r"^[A-Za-z_][A-Za-z0-9_.]*$")]


class Owner(StrEnum):
    """Which system is authoritative for a field.

    ``billing``: the billing system; the connector keeps the target in line with it.
    ``target``: the CRM or ERP itself; the connector only fills the field when it creates the
    record and never touches it afterwards.
    """

    BILLING = "billing"
    TARGET = "target"


class DriftPolicy(StrEnum):
    """What to do when a target's value moved away from what was last synced.

    ``overwrite``: put the billing value back (audited as drift corrected);
    ``report``: leave it, and report the difference on every run until someone resolves it;
    ``accept``: keep the target's value and treat it as the new synced value.
    """

    OVERWRITE = "overwrite"
    REPORT = "report"
    ACCEPT = "accept"


class FieldFormat(StrEnum):
    STRING = "string"
    DECIMAL = "decimal"
    MINOR_UNITS = "minor_units"
    INTEGER = "integer"
    BOOLEAN = "boolean"
    DATE = "date"
    DATETIME = "datetime"
    EPOCH = "epoch"


class Overflow(StrEnum):
    TRUNCATE = "truncate"
    REJECT = "reject"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class LookupSpec(_Strict):
    """Resolve the value to a record of the target's reference data by a natural key."""

    model: Annotated[str, Field(min_length=1)]
    by: Annotated[str, Field(min_length=1)]


class FieldSpec(_Strict):
    """One target field and how its value is made from the canonical subscription."""

    target: Annotated[str, Field(min_length=1)]
    source: str | None = Field(default=None, description="canonical path, e.g. customer.email")
    template: str | None = Field(default=None, description="text with {canonical.path} slots")
    constant: Scalar = Field(default=None, description="a fixed value")
    map: dict[str, Scalar] | None = Field(default=None, description="value map, source -> target")
    default: Scalar = Field(default=None, description="value for unmapped or empty sources")
    format: FieldFormat | None = None
    scale: Annotated[int, Field(ge=0, le=10)] | None = None
    case: Literal["upper", "lower"] | None = None
    max_length: Annotated[int, Field(ge=1)] | None = None
    on_overflow: Overflow = Overflow.REJECT
    ref: Identifier | None = Field(default=None, description="object of this mapping it links to")
    lookup: LookupSpec | None = None
    lines: LinesSpec | None = None
    owner: Owner = Owner.BILLING
    drift: DriftPolicy = DriftPolicy.OVERWRITE
    description: str | None = None

    @model_validator(mode="after")
    def _one_origin(self) -> Self:
        origins = [
            name
            for name in ("source", "template", "constant")
            if name in self.model_fields_set and getattr(self, name) is not None
        ]
        if len(origins) != 1:
            raise ValueError("set exactly one of source, template or constant")
        if self.lines is not None and self.source is None:
            raise ValueError("lines need a source collection (e.g. items)")
        exclusive = [n for n in ("ref", "lookup", "lines") if getattr(self, n) is not None]
        if len(exclusive) > 1:
            raise ValueError(f"{' and '.join(exclusive)} cannot be combined")
        if exclusive and self.format is not None:
            raise ValueError(f"format does not apply to a {exclusive[0]} field")
        if self.max_length is not None and self.format not in (None, FieldFormat.STRING):
            raise ValueError("max_length applies to string fields only")
        if self.scale is not None and self.format not in (None, FieldFormat.DECIMAL):
            raise ValueError("scale applies to decimal fields only")
        return self

    @property
    def has_default(self) -> bool:
        return "default" in self.model_fields_set


class LinesSpec(_Strict):
    """Child lines (e.g. Odoo subscription lines) made from a canonical collection."""

    model: Annotated[str, Field(min_length=1)]
    key: Annotated[str, Field(min_length=1, description="path in one element, e.g. id")]
    fields: Annotated[list[FieldSpec], Field(min_length=1)]


class KeySpec(_Strict):
    """The match key: the target field holding our id, and the canonical path it comes from."""

    field: Annotated[str, Field(min_length=1)]
    source: Annotated[str, Field(min_length=1)]


class ObjectSpec(_Strict):
    target: Annotated[str, Field(min_length=1, description="sObject or Odoo model")]
    key: KeySpec
    fields: Annotated[list[FieldSpec], Field(min_length=1)]
    description: str | None = None


class MappingSpec(_Strict):
    """A whole mapping file: how the canonical schema maps onto one target system."""

    version: Literal[1]
    system: Identifier
    role: Literal["crm", "erp"]
    description: str | None = None
    objects: Annotated[dict[Identifier, ObjectSpec], Field(min_length=1)]


FieldSpec.model_rebuild()


def load_spec(path: Path) -> MappingSpec | None:
    """A mapping file's spec as written (value maps, scales), for checks against a live
    target; None if the file cannot be read again (it was validated at start-up)."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        return MappingSpec.model_validate(data)
    except (OSError, yaml.YAMLError, ValidationError):
        return None
