"""The mapping checked against Odoo's fields_get."""

from __future__ import annotations

from adapters.odoo.contract import object_problems
from adapters.odoo.schema import describe
from connector.mapping import CompiledMapping


def test_missing_and_mistyped_fields_are_named(mappings: dict[str, CompiledMapping]) -> None:
    """A renamed field and a field of the wrong type are reported in plain words."""
    objects = describe(mappings["odoo"])
    subscription = objects["subscription"]
    kinds = {"date": "date", "decimal": "float", "integer": "integer", "boolean": "boolean"}
    described = {
        spec.target: {
            "type": "many2one"
            if spec.kind in ("ref", "lookup")
            else "one2many"
            if spec.kind == "lines"
            else kinds.get(spec.fmt.value if spec.fmt else "", "char")
        }
        for spec in subscription.fields
    }
    del described["recurring_next_date"]
    described["date_start"] = {"type": "char"}
    lines = {
        "sale.subscription.line": {
            "product_id": {"type": "many2one"},
            "name": {"type": "char"},
            "product_uom_qty": {"type": "float"},
            "price_unit": {"type": "float"},
            "discount": {"type": "float"},
        }
    }
    problems = object_problems(subscription, described, lines)
    assert "sale.subscription.recurring_next_date: no such field" in problems
    assert "sale.subscription.date_start: is char, the mapping writes date" in problems
    assert len(problems) == 2, problems


def test_the_default_mapping_fits_the_emulated_database(target: object) -> None:
    """The shipped Odoo mapping fits subscription_oca's models as the sandbox serves them."""
    from adapters.odoo import OdooTarget

    assert isinstance(target, OdooTarget)
    assert target.describe_contract() == []
