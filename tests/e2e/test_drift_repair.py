"""Against the three emulators: seeded drift is repaired, and a repaired world costs no writes."""

from __future__ import annotations

from collections import Counter

from connector.reconciler import RunOptions
from connector.report import RunReport
from tests.e2e.conftest import E2E, billing_subscriptions, field_by_field

SUBSCRIPTIONS = 300
DRIFT = 0.1
FULL = RunOptions(kind="full", allow_mass_changes=True)


def test_seeded_drift_is_repaired_field_by_field(e2e: E2E) -> None:
    """After one full run every record exists and every billing-owned field matches Stripe."""
    seeded = e2e.seed(SUBSCRIPTIONS, DRIFT)
    assert sum(seeded.deleted.values()) + sum(seeded.edited.values()) == 30
    with e2e.runtime() as runtime:
        before = field_by_field(runtime, billing_subscriptions(runtime))
        # The seed really left the targets out of line: deleted and hand-edited records.
        assert sum(1 for p in before.problems if p.endswith(": missing")) == sum(
            seeded.deleted.values()
        )
        assert len(before.problems) > sum(seeded.deleted.values())

        report = runtime.reconciler.reconcile_all(FULL)

        assert report.status == "clean", report.summary()
        assert report.subscriptions == SUBSCRIPTIONS
        assert report.verified > 0
        assert report.dead_letters == 0
        assert runtime.store.list_dead_letters() == []
        # The connector's state was forgotten: every subscription is a first sight, part of
        # the opening balance; the records deleted and edited by hand are repaired in it.
        assert report.changes == {"baseline": report.subscriptions}
        assert _record_actions(report) == {
            "create": sum(seeded.deleted.values()),
            "update": sum(seeded.edited.values()),
        }

        subscriptions = billing_subscriptions(runtime)
        after = field_by_field(runtime, subscriptions)
    assert len(subscriptions) == SUBSCRIPTIONS
    assert after.problems == [], "\n".join(after.problems[:20])
    # Every object of every target was compared for every subscription (one customer each).
    assert dict(after.compared) == {
        "salesforce.account": SUBSCRIPTIONS,
        "salesforce.subscription": SUBSCRIPTIONS,
        "odoo.partner": SUBSCRIPTIONS,
        "odoo.subscription": SUBSCRIPTIONS,
    }


def test_second_run_makes_no_write_calls(e2e: E2E) -> None:
    """Once repaired, a new full run plans no write and sends none to any system."""
    e2e.seed(SUBSCRIPTIONS, DRIFT)
    with e2e.runtime() as runtime:
        repair = runtime.reconciler.reconcile_all(FULL)
    assert repair.status == "clean"
    assert sum(repair.applied.values()) > 0
    e2e.clear_stats()

    with e2e.runtime() as runtime:  # a separate invocation, as the next scheduled run
        report = runtime.reconciler.reconcile_all(FULL)

    assert report.status == "clean", report.summary()
    assert report.subscriptions == SUBSCRIPTIONS
    assert report.unchanged == SUBSCRIPTIONS
    assert report.planned_writes == 0
    assert not report.changes
    assert not report.actions
    assert not report.applied
    assert {system: cost.planned_writes for system, cost in report.cost.items()} == {
        "stripe": 0,
        "salesforce": 0,
        "odoo": 0,
    }
    assert {system: cost.writes for system, cost in report.cost.items()} == {
        "stripe": 0,
        "salesforce": 0,
        "odoo": 0,
    }
    # What the systems themselves saw: reads only.
    calls = {system: e2e.calls(system) for system in ("stripe", "salesforce", "odoo")}
    assert all(calls.values()), calls  # the run did read every system
    assert e2e.write_calls() == {"stripe": {}, "salesforce": {}, "odoo": {}}, calls


def _record_actions(report: RunReport) -> dict[str, int]:
    """How many target records the run's plans created and updated."""
    counts: Counter[str] = Counter(
        record.action.value
        for plan in report.plans
        for record in plan.records
        if record.needs_write
    )
    return dict(counts)
