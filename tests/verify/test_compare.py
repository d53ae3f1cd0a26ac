"""Comparing one subscription's status and MRR across systems."""

from __future__ import annotations

from decimal import Decimal

from adapters.base import StatedRevenue
from connector.schema import Money
from connector.verify import SystemFigures, compare_subscription


def _figures(**overrides: object) -> SystemFigures:
    values: dict[str, object] = {
        "subscription_id": "sub_1",
        "status": "active",
        "mrr": Money.of("33.33", "EUR"),
        "expected_status": {"crm": "Active", "erp": "In progress"},
    }
    values.update(overrides)
    return SystemFigures(**values)  # type: ignore[arg-type]


def test_equal_figures_agree() -> None:
    """The same status value and the same amount in the same currency: no disagreement."""
    stated = {
        "crm": StatedRevenue("Active", Money.of("33.33", "EUR")),
        "erp": StatedRevenue("In progress", Money(amount=Decimal("33.330"), currency="KWD")),
    }
    found = compare_subscription(_figures(), stated)
    assert [(d.system, d.what) for d in found] == [("erp", "mrr")]


def test_a_cent_apart_disagrees() -> None:
    """MRR must agree to the last minor unit."""
    stated = {"crm": StatedRevenue("Active", Money.of("33.34", "EUR"))}
    (found,) = compare_subscription(_figures(expected_status={"crm": "Active"}), stated)
    assert (found.system, found.what, found.billing, found.target) == (
        "crm",
        "mrr",
        "33.33 EUR",
        "33.34 EUR",
    )


def test_status_and_missing_records_are_named() -> None:
    """A wrong status and an absent record each give one disagreement."""
    stated = {"crm": StatedRevenue("Paused", Money.of("33.33", "EUR")), "erp": None}
    found = compare_subscription(_figures(), stated)
    assert [(d.system, d.what, d.target) for d in found] == [
        ("crm", "status", "Paused"),
        ("erp", "missing", "absent"),
    ]


def test_rightly_absent_records_agree() -> None:
    """A cancelled subscription the policy never creates is not missing."""
    figures = _figures(status="cancelled", expected_absent=frozenset({"crm", "erp"}))
    assert compare_subscription(figures, {"crm": None, "erp": None}) == []


def test_unreadable_mrr_shows_what_the_target_holds() -> None:
    """A target figure that cannot be read as money disagrees and says what it was."""
    stated = {"crm": StatedRevenue("Active", None, "MRR__c = 33.333 EUR")}
    (found,) = compare_subscription(_figures(expected_status={"crm": "Active"}), stated)
    assert found.target == "unreadable (MRR__c = 33.333 EUR)"
