"""The run-start check refuses to let Odoo invoice what billing already invoices."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from adapters.odoo import OdooTarget

CRON_PROBLEM = "ir.cron: subscription_oca's invoicing cron 'Subscriptions management' is active"


def _cron(odoo: Any) -> int:
    rows = odoo.execute_kw(
        "ir.model.data",
        "search_read",
        [[("module", "=", "subscription_oca"), ("name", "=", "ir_cron_subscription_management")]],
        {"fields": ["res_id"]},
    )
    cron_id: int = rows[0]["res_id"]
    return cron_id


def test_a_deactivated_cron_is_fine(stocked: Any, target: OdooTarget) -> None:
    """The prepared database (cron off, as the guide says) has no contract problem."""
    (row,) = stocked.execute_kw("ir.cron", "read", [[_cron(stocked)], ["active"]])
    assert row["active"] is False
    assert target.describe_contract() == []


def test_an_active_cron_stops_the_run_with_the_fix(
    stocked: Any, make_target: Callable[..., OdooTarget]
) -> None:
    """Active, as subscription_oca installs it: a problem naming the scheduled action and
    how to turn it off; an operator who invoices from Odoo may allow it."""
    stocked.execute_kw("ir.cron", "write", [[_cron(stocked)], {"active": True}])
    problems = make_target().describe_contract()
    assert len(problems) == 1
    assert problems[0].startswith(CRON_PROBLEM)
    assert "Settings > Technical > Scheduled Actions" in problems[0]
    assert make_target(allow_odoo_invoicing=True).describe_contract() == []


def test_missing_stages_a_paused_stage_that_invoices_and_no_discount_product_are_named(
    stocked: Any, target: OdooTarget
) -> None:
    """The live check names each missing piece of reference data with the fix."""
    stages = stocked.execute_kw("sale.subscription.stage", "search", [[("name", "=", "Paused")]])
    stocked.execute_kw("sale.subscription.stage", "write", [stages, {"type": "in_progress"}])
    discount = stocked.execute_kw(
        "product.product", "search", [[("default_code", "=", "DISCOUNT")]]
    )
    stocked.execute_kw("product.product", "write", [discount, {"default_code": "COUPON"}])
    problems = target.describe_contract()
    assert any(
        "stage 'Paused' is an in-progress stage" in p and "cron would invoice" in p
        for p in problems
    ), problems
    assert any("no product with internal reference 'DISCOUNT'" in p for p in problems)
    stocked.execute_kw("sale.subscription.stage", "write", [stages, {"name": "On hold"}])
    problems = target.describe_contract()
    assert any(
        "no sale.subscription.stage named 'Paused' (the mapping sends paused there)" in p
        for p in problems
    ), problems
