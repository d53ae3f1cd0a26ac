"""The live check asks Odoo what the integration user may do and names the group to add."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from adapters.memory import MemorySource
from adapters.odoo import OdooTarget
from connector.reconciler import Reconciler
from connector.store import SqliteStore
from tests.factories import item, subscription

LOGIN = "subsync-integration"
SECRET = "integration-password"


def _integration_user(odoo: Any, *groups: str) -> None:
    ids = [odoo.env.ref(group).id for group in groups]
    odoo.execute_kw(
        "res.users",
        "create",
        [{"name": "Sync", "login": LOGIN, "password": SECRET, "groups_id": [(6, 0, ids)]}],
    )


def _check(make_target: Callable[..., OdooTarget]) -> list[str]:
    return make_target(login=LOGIN, password=SECRET).describe_contract()


def test_an_internal_user_alone_is_told_every_group_it_lacks(
    stocked: Any, make_target: Callable[..., OdooTarget]
) -> None:
    _integration_user(stocked, "base.group_user")
    problems = _check(make_target)
    by_model = {p.split(":", 1)[0]: p for p in problems}
    assert set(by_model) == {"ir.model.data", "res.partner", "sale.subscription",
                             "sale.subscription.line", "sale.subscription.template",
                             "sale.subscription.stage"}  # fmt: skip
    assert "may not read, create, unlink" in by_model["ir.model.data"]
    assert "'Administration / Access Rights'" in by_model["ir.model.data"]
    assert "may not write, create" in by_model["res.partner"]
    assert "'Extra Rights / Contact Creation'" in by_model["res.partner"]
    assert "'Sales / User: Own Documents Only'" in by_model["sale.subscription"]


def test_the_groups_the_guide_names_are_enough(
    stocked: Any, make_target: Callable[..., OdooTarget]
) -> None:
    _integration_user(
        stocked,
        "base.group_erp_manager",
        "base.group_partner_manager",
        "sales_team.group_sale_salesman",
    )
    problems = _check(make_target)
    # Scheduled actions are the administrator's: the cron is then checked by hand.
    assert len(problems) == 1, problems
    assert problems[0].startswith("ir.cron:")
    allowed = make_target(login=LOGIN, password=SECRET, allow_odoo_invoicing=True)
    assert allowed.describe_contract() == []


def test_with_those_groups_a_run_creates_changes_and_removes_lines(
    stocked: Any, make_target: Callable[..., OdooTarget]
) -> None:
    """The groups the guide names are enough for every write a run makes."""
    _integration_user(
        stocked,
        "base.group_erp_manager",
        "base.group_partner_manager",
        "sales_team.group_sale_salesman",
    )
    source = MemorySource()
    target = make_target(login=LOGIN, password=SECRET, allow_odoo_invoicing=True)
    reconciler = Reconciler(source, [target], SqliteStore(":memory:"))
    two_items = subscription(
        1, items=(item("pro", 2, item_id="si_a"), item("starter", 1, item_id="si_b"))
    )
    source.put(two_items)
    assert reconciler.reconcile(source.ids()).status == "clean"
    source.put(subscription(1, items=(item("pro", 5, item_id="si_a"),)))
    report = reconciler.reconcile(source.ids())
    assert report.status == "clean", report.summary()
    assert report.dead_letters == 0
    assert report.applied["odoo.ok"] == 1
