"""Objects have the keys, JSON types and nesting of Stripe's published examples."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import SHARED, unavailable
from tests.sandbox.stripe.helpers import Catalog, ok, subscribe
from tests.sandbox.stripe.shapes import shape_differences

FIXTURES = SHARED / "fixtures" / "stripe" / "fixtures3.json"

#: Fields Stripe documents as nullable that the examples happen to fill.
ITEM_NULLABLE = {
    "billing_thresholds",
    "plan.transform_usage",
    "price.custom_unit_amount",
    "price.transform_quantity",
}
NULLABLE: dict[str, frozenset[str]] = {
    "customer": frozenset(
        {"currency", "discount", "shipping", "invoice_settings.rendering_options"}
    ),
    "product": frozenset({"package_dimensions"}),
    "price": frozenset({"custom_unit_amount", "transform_quantity"}),
    "coupon": frozenset({"currency", "redeem_by"}),
    "tax_rate": frozenset({"flat_amount"}),
    "discount": frozenset(),
    "tax_id": frozenset(),
    "event": frozenset({"data.object.transform_usage"}),
    "subscription_item": frozenset(ITEM_NULLABLE),
    "subscription": frozenset(
        {
            "automatic_tax.liability",
            "billing_cycle_anchor_config",
            "billing_mode.flexible",
            "billing_thresholds",
            "ended_at",
            "managed_payments",
            "next_pending_invoice_item_invoice",
            "payment_settings.payment_method_options",
            "pending_invoice_item_interval",
            "pending_update",
            "transfer_data",
        }
        | {f"items.data[].{field}" for field in ITEM_NULLABLE}
    ),
}


def load_examples(path: Path) -> dict[str, Any]:
    """The example resources; skip when the shared folder is absent, but fail under CI=true."""
    if not path.is_file():
        unavailable(f"Stripe example fixtures missing: {path} (shared folder absent)")
    resources: dict[str, Any] = json.loads(path.read_text())["resources"]
    return resources


@pytest.fixture(scope="module")
def examples() -> dict[str, Any]:
    return load_examples(FIXTURES)


@pytest.fixture
def objects(client: httpx.Client, catalog: Catalog) -> dict[str, Any]:
    """One of each resource, in states that fill the fields the examples fill."""
    now = ok(client.get("/__sandbox/clock"))["now"]
    customer = ok(
        client.post(
            "/v1/customers",
            data={"email": "e@example.com", "name": "E", "address[country]": "DE"},
        )
    )
    product = ok(
        client.post(
            f"/v1/products/{catalog.product}",
            data={"default_price": catalog.price, "description": "Gold"},
        )
    )
    coupon = ok(
        client.post(
            "/v1/coupons",
            data={
                "percent_off": "25.5",
                "duration": "repeating",
                "duration_in_months": "3",
                "name": "25.5% off",
            },
        )
    )
    tax_rate = ok(
        client.post(
            "/v1/tax_rates",
            data={
                "display_name": "VAT",
                "percentage": "19",
                "inclusive": "false",
                "country": "DE",
                "jurisdiction": "DE",
                "description": "VAT Germany",
                "tax_type": "vat",
            },
        )
    )
    sub = subscribe(
        client,
        catalog,
        trial_period_days="7",
        cancel_at=str(now + 40 * 86400),
        **{"discounts[0][coupon]": coupon["id"]},
    )
    sub = ok(
        client.post(
            f"/v1/subscriptions/{sub['id']}",
            data={"pause_collection[behavior]": "mark_uncollectible"},
        )
    )
    discount = ok(client.get(f"/v1/subscriptions/{sub['id']}", params={"expand[]": "discounts"}))[
        "discounts"
    ][0]
    plan_event = ok(client.get("/v1/events", params={"type": "plan.created"}))["data"][0]
    return {
        "customer": customer,
        "product": product,
        "price": ok(client.get(f"/v1/prices/{catalog.price}")),
        "coupon": coupon,
        "tax_rate": tax_rate,
        "subscription": sub,
        "subscription_item": sub["items"]["data"][0],
        "discount": discount,
        "event": plan_event,
        "tax_id": ok(
            client.post(
                f"/v1/customers/{customer['id']}/tax_ids",
                data={"type": "eu_vat", "value": "DE123456789"},
            )
        ),
    }


@pytest.mark.parametrize(
    "resource",
    [
        "customer",
        "product",
        "price",
        "coupon",
        "tax_rate",
        "subscription",
        "subscription_item",
        "discount",
        "event",
        "tax_id",
    ],
)
def test_shape_matches_stripe_example(
    resource: str, examples: dict[str, Any], objects: dict[str, Any]
) -> None:
    """The emulator's object has the example's keys, JSON types and nesting."""
    expected = examples[resource]
    if resource == "event":
        # The event example embeds a plan from before 2025-03-31.basil (with the removed
        # ``aggregate_usage``); the current plan shape is the ``plan`` example.
        expected = {**expected, "data": {**expected["data"], "object": examples["plan"]}}
    problems = shape_differences(expected, objects[resource], NULLABLE[resource])
    assert problems == []


def test_shape_comparison_detects_differences() -> None:
    """The comparison reports missing keys, extra keys and type changes."""
    expected = {"a": 1, "b": {"c": "x"}, "d": [{"e": True}], "n": None}
    actual = {"a": "1", "b": {"c": "x", "z": 1}, "d": [{"e": 1}], "n": 5, "extra": 0}
    problems = shape_differences(expected, actual)
    assert any("unexpected keys ['extra']" in p for p in problems)
    assert any(p.startswith("a:") for p in problems)
    assert any(p.startswith("b: unexpected") for p in problems)
    assert any(p.startswith("d[].e") for p in problems)


def test_missing_fixtures_skip_outside_ci(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Without the shared folder the shape tests skip when CI is not set."""
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception):
        load_examples(tmp_path / "absent.json")


def test_missing_fixtures_fail_in_ci(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Under CI=true a missing shared folder is a failure, not a skip."""
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception):
        load_examples(tmp_path / "absent.json")
