"""Field declarations (models are data) and their ``fields_get`` description."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

FieldType = Literal[
    "char",
    "text",
    "html",
    "integer",
    "float",
    "monetary",
    "boolean",
    "date",
    "datetime",
    "selection",
    "many2one",
    "one2many",
    "many2many",
]

RELATIONAL: frozenset[str] = frozenset({"many2one", "one2many", "many2many"})
X2MANY: frozenset[str] = frozenset({"one2many", "many2many"})
NUMERIC: frozenset[str] = frozenset({"integer", "float", "monetary"})


@dataclass(frozen=True)
class FieldSpec:
    """One field of an emulated model.

    ``related`` is a path (``("pricelist_id", "currency_id")``) read through at read time,
    ``computed`` marks values the emulator computes itself. As in Odoo, a client may still
    write a *stored* computed field (``readonly`` only binds the web client): the written
    value is kept until a dependency changes; non-stored ones ignore writes,
    ``inverse`` names the many2one on the comodel that backs a one2many.
    """

    name: str
    type: FieldType
    string: str
    required: bool = False
    readonly: bool = False
    relation: str | None = None
    inverse: str | None = None
    selection: tuple[tuple[str, str], ...] = ()
    size: int | None = None
    related: tuple[str, ...] | None = None
    computed: bool = False
    default: Any = None
    index: bool = False
    store: bool = True
    help: str | None = None

    @property
    def is_x2many(self) -> bool:
        return self.type in X2MANY

    def empty(self) -> Any:
        """The stored value of an unset field, as Odoo reads it back."""
        if self.type in X2MANY:
            return []
        if self.type in ("integer", "float", "monetary"):
            return 0 if self.type == "integer" else 0.0
        return False

    def describe(self) -> dict[str, Any]:
        """This field as Odoo 17's ``fields_get`` describes it."""
        desc: dict[str, Any] = {
            "type": self.type,
            "string": self.string,
            "name": self.name,
            "required": self.required,
            "readonly": self.readonly or self.computed or self.related is not None,
            "store": self.store,
            "sortable": self.store,
            "searchable": True,
            "groupable": self.store and self.type not in X2MANY,
            "exportable": True,
            "manual": False,
            "company_dependent": False,
            "change_default": False,
            "depends": list(self.related or ()) if self.related else [],
        }
        if self.help:
            desc["help"] = self.help
        if self.related:
            desc["related"] = ".".join(self.related)
        if self.type in ("char", "text", "html"):
            desc["translate"] = False
            desc["trim"] = True
            if self.size is not None:
                desc["size"] = self.size
        if self.type in RELATIONAL:
            desc["relation"] = self.relation
            desc["domain"] = []
            desc["context"] = {}
            if self.type == "one2many":
                desc["relation_field"] = self.inverse
            if self.type == "many2one":
                desc["ondelete"] = "set null"
        if self.type == "selection":
            desc["selection"] = [list(pair) for pair in self.selection]
        if self.type in NUMERIC:
            desc["group_operator"] = "sum"
        if self.type == "monetary":
            desc["currency_field"] = "currency_id"
        return desc


@dataclass(frozen=True)
class ModelSpec:
    """One emulated model: its name, label, fields and default order."""

    name: str
    description: str
    fields: dict[str, FieldSpec] = field(default_factory=dict)
    order: str = "id"
    rec_name: str = "name"

    @property
    def has_active(self) -> bool:
        return "active" in self.fields
