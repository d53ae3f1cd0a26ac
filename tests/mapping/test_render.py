"""Rendering canonical subscriptions into normalised target records."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from pathlib import Path

import pytest

from connector.mapping import RenderError, compile_mapping, mapping_json_schema
from connector.schema import IntervalUnit, SubscriptionStatus
from tests.factories import MAPPINGS, forever_percent, item, load_default_mappings, subscription


def test_default_mappings_load() -> None:
    """The shipped Salesforce and Odoo mappings are valid."""
    mappings = load_default_mappings()
    assert list(mappings["salesforce"].objects) == ["account", "subscription"]
    assert list(mappings["odoo"].objects) == ["partner", "subscription"]


def test_salesforce_subscription_record() -> None:
    """Status, plan, money, dates and references come out in the target's vocabulary."""
    sub = subscription(
        3,
        status=SubscriptionStatus.PAST_DUE,
        items=(item("pro", 2, discounts=(forever_percent("10"),)),),
        cancel_at=dt.datetime(2026, 6, 30, 12, 30, tzinfo=dt.UTC),
    )
    rendered = load_default_mappings()["salesforce"].render(sub)
    key, account = rendered["account"]
    assert key == "cus_00003"
    assert account["Name"] == "Customer 3"
    key, record = rendered["subscription"]
    assert key == "sub_00003"
    assert record["Account__c"] == {"ref": "account", "key": "cus_00003"}
    assert record["Status__c"] == "Past Due"
    assert record["Billing_Interval__c"] == "Month"
    assert record["Quantity__c"] == 2
    assert record["MRR__c"] == "178.2"  # 2 x 99 - 10 %
    assert record["ARR__c"] == "2138.4"
    assert record["Discount_Percent__c"] == "10"
    assert record["Tax_Rate__c"] == "19"
    assert record["Cancel_At__c"] == "2026-06-30T12:30:00Z"
    assert record["Start_Date__c"] == "2026-01-01"
    assert record["Cancel_At_Period_End__c"] is False


def test_odoo_lines_and_lookups() -> None:
    """Items become lines keyed by item id; catalogue values become look-ups."""
    sub = subscription(4, items=(item("pro", 2), item("starter", 1, item_id="si_0")))
    _key, record = load_default_mappings()["odoo"].render(sub)["subscription"]
    lines = record["sale_subscription_line_ids"]
    assert isinstance(lines, list)
    assert [line["key"] for line in lines if isinstance(line, dict)] == ["si_0", "si_1"]
    assert lines[1] == {
        "key": "si_1",
        "product_id": {"lookup": "product.product", "by": "default_code", "value": "pro"},
        "name": "Pro",
        "product_uom_qty": "2",
        "price_unit": "99",
        "discount": "0",
    }
    assert record["stage_id"] == {
        "lookup": "sale.subscription.stage",
        "by": "name",
        "value": "In progress",
    }


def test_odoo_discounts_are_lines_of_their_own() -> None:
    """A subscription coupon is a negative line on the DISCOUNT product, the line discount
    stays 0, and the lines add up to billing's invoice: 2 x 99.00 - 20 % = 158.40."""
    sub = subscription(4, items=(item("pro", 2),), discounts=(forever_percent("20"),))
    _key, record = load_default_mappings()["odoo"].render(sub)["subscription"]
    lines = record["sale_subscription_line_ids"]
    assert isinstance(lines, list)
    by_key = {line["key"]: line for line in lines if isinstance(line, dict)}
    assert by_key["di_loyal"] == {
        "key": "di_loyal",
        "product_id": {"lookup": "product.product", "by": "default_code", "value": "DISCOUNT"},
        "name": "20% off (20 % off)",
        "product_uom_qty": "1",
        "price_unit": "-39.6",
        "discount": "0",
    }
    total = sum(
        Decimal(str(line["product_uom_qty"])) * Decimal(str(line["price_unit"]))
        for line in by_key.values()
    )
    assert total == Decimal("158.40") == sub.recurring_net.amount


def test_target_values_normalise_to_the_rendered_form() -> None:
    """What Salesforce answers (floats, +0000 offsets) compares equal to what we render."""
    obj = load_default_mappings()["salesforce"].objects["subscription"]
    _key, desired = obj.render(
        subscription(5, cancel_at=dt.datetime(2026, 6, 30, 12, 30, tzinfo=dt.UTC))
    )
    answered: dict[str, object] = {
        **desired,
        "MRR__c": 99.0,
        "Unit_Price__c": 99,
        "Quantity__c": 1.0,
        "Cancel_At__c": "2026-06-30T12:30:00.000+0000",
        "Tax_Rate__c": "19.000",
    }
    assert obj.normalise(answered) == desired  # type: ignore[arg-type]


def test_max_length_reject_raises_render_error(tmp_path: Path) -> None:
    """A too-long value for a rejecting field is an error naming the field."""
    path = tmp_path / "crm.yaml"
    path.write_text(
        "version: 1\nsystem: crm\nrole: crm\nobjects:\n  subscription:\n"
        "    target: S\n    key: {field: K, source: id}\n    fields:\n"
        "      - {target: Email__c, source: customer.email, max_length: 5}\n"
        "      - {target: Tax__c, source: customer.tax_id, max_length: 4, on_overflow: truncate}\n"
    )
    mapping = compile_mapping(path)
    with pytest.raises(RenderError, match=r"crm\.subscription\.Email__c: value of 20 characters"):
        mapping.render(subscription(1))
    short = subscription(1, customer=subscription(1).customer.replace(email="a@b"))
    assert mapping.render(short)["subscription"][1]["Tax__c"] == "DE00"


def test_unmapped_open_value_without_default_is_a_render_error(tmp_path: Path) -> None:
    """A plan code missing from a plan map fails that record only, naming the value."""
    path = tmp_path / "crm.yaml"
    path.write_text(
        "version: 1\nsystem: crm\nrole: crm\nobjects:\n  subscription:\n"
        "    target: S\n    key: {field: K, source: id}\n    fields:\n"
        "      - {target: Plan__c, source: plan_code, map: {starter: S}}\n"
    )
    with pytest.raises(RenderError, match="no value map entry for 'pro'"):
        compile_mapping(path).render(subscription(1))


def test_json_schema_export_describes_the_format() -> None:
    """The exported JSON Schema names the mapping options editors should offer."""
    schema = mapping_json_schema()
    text = json.dumps(schema)
    for word in ("objects", "drift", "owner", "max_length", "lookup", "lines"):
        assert word in text
    assert schema["title"] == "subsync connector mapping file"


def test_mapping_digest_changes_with_the_file(tmp_path: Path) -> None:
    """The mapping version recorded in the audit trail follows the file's content."""
    copy = tmp_path / "salesforce.yaml"
    original = (MAPPINGS / "salesforce.yaml").read_text()
    copy.write_text(original)
    first = compile_mapping(copy).digest
    copy.write_text(original + "\n# note\n")
    assert compile_mapping(copy).digest != first


def test_shipped_json_schema_is_current() -> None:
    """mappings/mapping.schema.json matches the format (regenerate: connector mappings schema)."""
    shipped = json.loads((MAPPINGS / "mapping.schema.json").read_text())
    assert shipped == mapping_json_schema()


def test_enterprise_mapping_targets_sale_orders_without_code_changes() -> None:
    """The Odoo Enterprise mapping sends the same subscription to sale.order and order lines."""
    enterprise = compile_mapping(MAPPINGS / "odoo_enterprise.yaml")
    assert enterprise.system == "odoo"
    subscription_object = enterprise.objects["subscription"]
    assert subscription_object.target == "sale.order"
    sub = subscription(
        9,
        status=SubscriptionStatus.PAUSED,
        items=(item("pro", 3, unit=IntervalUnit.MONTH, count=3),),
    )
    _key, order = enterprise.render(sub)["subscription"]
    assert order["subscription_state"] == "4_paused"
    assert order["plan_id"] == {
        "lookup": "sale.subscription.plan",
        "by": "name",
        "value": "MONTH-3",
    }
    assert order["client_order_ref"] == "sub_00009"
    lines = order["order_line"]
    assert isinstance(lines, list)
    (line,) = lines
    assert isinstance(line, dict)
    assert line["product_uom_qty"] == "3"
    lines_field = subscription_object.field("order_line")
    assert lines_field.lines_model == "sale.order.line"
