"""The naive per-record peer really syncs: its records land in both targets, and the
comparison names both sides' figures."""

from __future__ import annotations

from bench.peer_naive import run

SUBSCRIPTIONS = 30


def test_the_peer_and_the_connector_both_sync_the_same_book() -> None:
    figures = run(SUBSCRIPTIONS)
    peer, ours = figures["peer"], figures["connector"]
    for step in ("first_load", "steady_state"):
        # The peer writes every record on every pass: three Salesforce calls per
        # subscription (Account upsert, its Id, Subscription__c upsert)...
        assert peer[step]["calls"]["salesforce"] == 3 * SUBSCRIPTIONS
        # ...and at least four Odoo calls (partner found and written, subscription found
        # and written), more on a first load (creates and external ids).
        assert peer[step]["calls"]["odoo"] >= 4 * SUBSCRIPTIONS
        assert ours[step]["seconds"] > 0
        assert figures["peer_to_connector"][step]["salesforce_calls"] > 1
    assert peer["first_load"]["calls"]["odoo"] > peer["steady_state"]["calls"]["odoo"]
