"""The sandbox benchmark's steps, each in a process of its own, report what they did."""

from __future__ import annotations

from bench.sandbox_sync import run

SUBSCRIPTIONS = 200


def test_each_step_reports_its_own_figures_and_memory() -> None:
    figures = run(SUBSCRIPTIONS, drift=0.05, held=True)
    first, full, feed = figures["first_load"], figures["full_reconcile"], figures["incremental"]
    assert first["changed"] == SUBSCRIPTIONS
    assert first["actions"]["salesforce.create"] >= SUBSCRIPTIONS  # accounts and subscriptions
    assert first["dead_letters"] == 0
    # 5 % drift: half deleted, half edited by hand; the full run puts each of them right.
    assert full["changed"] == 10
    assert full["salesforce_write_ratio"] == 1.0
    assert feed["keys_from_feed"] == feed["changed_in_billing"] == 10
    for step in (first, full, feed):
        assert 40 < step["peak_rss_mb"] < 1024  # a fresh process's own, not the bench's
        assert step["store_kb_per_subscription"] > 0
        assert step["sandbox_cpu_seconds"] > 0
