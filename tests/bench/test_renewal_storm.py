"""The renewal-storm benchmark at a tiny size: every renewed subscription is applied in both
targets exactly once, whatever the order and the repeats of the deliveries."""

from __future__ import annotations

from bench.renewal_storm import run


def test_a_small_storm_applies_every_change_exactly_once() -> None:
    figures = run(subscriptions=40, deliveries=120, seconds=3.0, workers=2)
    assert figures["subscriptions_changed"] > 20  # the monthly ones renewed, and then some
    assert figures["deliveries"] == 120
    assert figures["deliveries_repeated"] > 0
    assert figures["http_statuses"] == {"200": 120}
    assert figures["applied_subscriptions"] == figures["subscriptions_changed"]
    assert figures["subscriptions_with_more_than_one_applied_entry"] == 0
    assert figures["api_calls"]["stripe"]["reads"] >= figures["subscriptions_changed"]
