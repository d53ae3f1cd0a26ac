"""The generated data set: reproducible, with the money cases at realistic shares, loadable."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterator

import pytest

from connector.sandbox.dataset import CREDIT, FIRST_INVOICE, LAUNCH, VOLUME, make_subscription
from connector.sandbox.stripe.config import StripeSandboxConfig
from connector.sandbox.stripe.state import StripeState
from connector.sandbox.stripe.tax_ids import tax_ids_list
from connector.sandbox.stripe_seed import stripe_load, tax_id_type
from connector.schema import DiscountDuration, IntervalUnit, Subscription, SubscriptionStatus

COUNT = 2000
#: The sandbox's "now" for these tests: the data set's trial cohort is still in its trials.
NOW = dt.datetime(2026, 12, 15, tzinfo=dt.UTC)


@pytest.fixture(scope="module")
def subscriptions() -> list[Subscription]:
    return [make_subscription(n) for n in range(1, COUNT + 1)]


@pytest.fixture(scope="module")
def billing(subscriptions: list[Subscription]) -> Iterator[StripeState]:
    state = StripeState(StripeSandboxConfig(start_time=int(NOW.timestamp())))
    state.load(stripe_load(subscriptions))
    yield state
    state.close()


def _share(subscriptions: list[Subscription], test: object) -> float:
    assert callable(test)
    return sum(1 for sub in subscriptions if test(sub)) / len(subscriptions)


def test_same_number_same_subscription() -> None:
    """make_subscription is reproducible."""
    assert make_subscription(42) == make_subscription(42)
    assert make_subscription(42) != make_subscription(43)


def test_subscription_discounts_at_realistic_shares(subscriptions: list[Subscription]) -> None:
    """Between a fifth and two fifths of subscriptions carry a subscription-level discount."""
    assert 0.2 <= _share(subscriptions, lambda s: bool(s.discounts)) <= 0.4


def test_every_coupon_kind_is_present(subscriptions: list[Subscription]) -> None:
    """Forever, repeating, once and fixed-amount coupons and item coupons all occur."""
    applied = [d for s in subscriptions for d in s.discounts]
    assert {d.duration for d in applied} == set(DiscountDuration)
    assert any(d.amount_off is not None for d in applied)
    items = Counter(d.coupon_id for s in subscriptions for it in s.items for d in it.discounts)
    assert 0.03 <= items[VOLUME.coupon_id] / COUNT <= 0.15


def test_once_coupons_only_on_annual_contracts(subscriptions: list[Subscription]) -> None:
    """A once coupon is on annual subscriptions only (it leaves at the first renewal)."""
    intervals = {
        s.primary_item.interval.unit
        for s in subscriptions
        if FIRST_INVOICE in s.discounts and s.primary_item.interval is not None
    }
    assert intervals == {IntervalUnit.YEAR}


def test_inclusive_and_exclusive_vat(subscriptions: list[Subscription]) -> None:
    """Both tax-inclusive (consumer) and tax-exclusive (business) VAT rates occur."""
    rates = {rate.inclusive for s in subscriptions for it in s.items for rate in it.tax_rates}
    assert rates == {True, False}


def test_trialing_and_paused_occur(subscriptions: list[Subscription]) -> None:
    """Trialing and paused subscriptions are part of the book."""
    statuses = Counter(s.status for s in subscriptions)
    assert statuses[SubscriptionStatus.TRIALING] > 0
    assert statuses[SubscriptionStatus.PAUSED] > 0


def test_every_tax_number_has_a_stripe_type(subscriptions: list[Subscription]) -> None:
    """Each customer tax number maps to a Stripe tax id type."""
    countries = {s.customer.country for s in subscriptions if s.customer.tax_id}
    assert all(tax_id_type(country) is not None for country in countries)


def test_billing_keeps_trials_and_pauses(billing: StripeState) -> None:
    """Loaded into billing, the trial cohort is still trialing and paused ones are paused."""
    statuses = Counter(sub["status"] for sub in billing.subscriptions.values())
    assert statuses["trialing"] > 0
    assert statuses["paused"] > 0


def test_billing_has_tax_ids_not_metadata(
    billing: StripeState, subscriptions: list[Subscription]
) -> None:
    """VAT numbers are customers' tax ids; no customer keeps one in metadata."""
    with_number = next(s.customer for s in subscriptions if s.customer.tax_id)
    listed = tax_ids_list(billing, with_number.id)["data"]
    assert [t["value"] for t in listed] == [with_number.tax_id]
    assert all("tax_id" not in c["metadata"] for c in billing.customers.values())


def test_billing_has_item_discounts(billing: StripeState) -> None:
    """Item-level coupons are discounts of the item in billing."""
    coupons = {
        billing.discounts.require(d)["source"]["coupon"]
        for sub in billing.subscriptions.values()
        for item in sub["items"]["data"]
        for d in item["discounts"]
    }
    assert coupons == {VOLUME.coupon_id}


def test_billing_keeps_once_and_repeating_discounts(billing: StripeState) -> None:
    """Once and repeating coupons are still applied at the sandbox's now."""
    coupons = Counter(
        billing.discounts.require(d)["source"]["coupon"]
        for sub in billing.subscriptions.values()
        for d in sub["discounts"]
    )
    assert coupons[FIRST_INVOICE.coupon_id] > 0
    assert coupons[LAUNCH.coupon_id] > 0


def test_fixed_coupon_has_currency_options(billing: StripeState) -> None:
    """The fixed-amount coupon is defined in the other currencies too."""
    options = billing.coupon_currency_options[CREDIT.coupon_id]
    assert set(options) == {"usd", "gbp", "jpy"}
    assert all(option["amount_off"] > 0 for option in options.values())


def test_add_ons_cover_every_price_kind_and_translate_back() -> None:
    """About 16 % of subscriptions carry an add-on: graduated and volume tiers, packs of
    seats, a sub-cent price; each bills on its plan's interval and gives MRR."""
    from connector.schema import SubscriptionItem

    subs = [make_subscription(n) for n in range(1, 2001)]
    addons: list[SubscriptionItem] = [item for sub in subs for item in sub.items[1:]]
    kinds = {
        "graduated": [i for i in addons if i.tiers_mode is not None and i.plan_code == "api-calls"],
        "volume": [i for i in addons if i.plan_code == "storage"],
        "packs": [i for i in addons if i.transform_quantity is not None],
        "sub-cent": [i for i in addons if i.unit_amount_decimal is not None],
    }
    assert all(60 <= len(found) <= 110 for found in kinds.values()), {
        k: len(v) for k, v in kinds.items()
    }
    for sub in subs:
        assert len({item.interval for item in sub.items}) == 1
    with_addon = [sub for sub in subs if len(sub.items) == 2]
    assert all(len(sub.recurring_lines) >= 2 for sub in with_addon)


def test_setup_fees_are_pending_invoice_items_not_subscription_items(
    billing: StripeState, subscriptions: list[Subscription]
) -> None:
    """One subscription in twelve pays a one-off setup fee: Stripe holds it as a pending
    invoice item of that subscription, which never becomes one of its items."""
    items = list(billing.invoice_items.values())
    assert len(items) == COUNT // 12
    by_id = {sub.id: sub for sub in subscriptions}
    for invoice_item in items:
        assert invoice_item["pricing"]["price_details"]["product"] == "prod_setup"
        assert invoice_item["invoice"] is None  # pending: billed once, on the first invoice
        key = invoice_item["parent"]["subscription_details"]["subscription"]
        assert int(key.removeprefix("sub_")) % 12 == 0
        # The fee is not one of the subscription's recurring lines either.
        assert all(line.product_code != "setup" for line in by_id[key].recurring_lines)
