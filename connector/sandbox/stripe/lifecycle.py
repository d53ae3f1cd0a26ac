"""What happens when sandbox time passes (like a Stripe test clock advancing).

For every subscription, in time order up to the new "now": scheduled cancellations
(``cancel_at``) end it, ``customer.subscription.trial_will_end`` is sent three days before a
trial ends, trials end (to ``active``, or per ``trial_settings[end_behavior]
[missing_payment_method]`` to ``paused`` / ``canceled`` when there is no payment method),
``pause_collection[resumes_at]`` clears the pause, and billing periods roll over (renewals),
dropping discounts that expired. One ``customer.subscription.updated`` event summarises the
changes of one subscription (plus ``.paused`` or ``.deleted`` when relevant), so that advancing a
year does not produce one event per day.
"""

from __future__ import annotations

from typing import Any

from connector.sandbox.stripe import objects
from connector.sandbox.stripe.clock import period_containing
from connector.sandbox.stripe.state import StripeState
from connector.sandbox.stripe.subscriptions import (
    end_subscription,
    has_payment_method,
    notify_trial_will_end,
    set_status,
)

Obj = dict[str, Any]
ROLLING = ("active", "past_due", "unpaid")


def advance_clock(
    state: StripeState, advance_seconds: int | None = None, now: int | None = None
) -> dict[str, int]:
    """Move the sandbox clock forward and apply what became due; returns counts."""
    with state.lock:
        first_event = len(state.events)
        if now is not None:
            state.clock.set(now)
        elif advance_seconds is not None:
            state.clock.advance(advance_seconds)
        target = state.now()
        changed = 0
        for sub_id in [s["id"] for s in state.subscriptions.values()]:
            if process_subscription(state, sub_id, target):
                changed += 1
        return {
            "now": target,
            "subscriptions_changed": changed,
            "events": len(state.events) - first_event,
        }


def _roll_periods(state: StripeState, sub: Obj, until: int) -> Obj:
    """Move each item to the period that contains ``until`` (periods are anchored at the end
    of the item's current period)."""
    items = []
    for item in sub["items"]["data"]:
        end = item["current_period_end"]
        if end > until:
            items.append(item)
            continue
        rec = state.prices.require(item["price"])["recurring"]
        start, end = period_containing(end, until, rec["interval"], rec["interval_count"])
        items.append({**item, "current_period_start": start, "current_period_end": end})
    return {**sub, "items": objects.items_list(sub["id"], items)}


def _live_discounts(state: StripeState, ids: list[str], at: int, renewed: bool) -> list[str]:
    """The discounts still in force at ``at``: not past their end, ``once`` ones not renewed."""
    kept = []
    for discount_id in ids:
        discount = state.discounts.get(discount_id)
        if discount is None:
            continue
        coupon = state.coupons.get(discount["source"]["coupon"])
        once = coupon is not None and coupon["duration"] == "once"
        if (discount["end"] is not None and discount["end"] <= at) or (once and renewed):
            continue
        kept.append(discount_id)
    return kept


def _expire_discounts(state: StripeState, sub: Obj, at: int, renewed: bool) -> Obj:
    """Drop ended discounts from the subscription and from each of its items."""
    kept = _live_discounts(state, sub["discounts"], at, renewed)
    items = [
        {**item, "discounts": _live_discounts(state, item["discounts"], at, renewed)}
        for item in sub["items"]["data"]
    ]
    if kept == sub["discounts"] and items == sub["items"]["data"]:
        return sub
    return {**sub, "discounts": kept, "items": objects.items_list(sub["id"], items)}


def process_subscription(state: StripeState, sub_id: str, target: int) -> bool:
    before = state.subscriptions.require(sub_id)
    sub = before
    if sub["status"] in ("canceled", "incomplete_expired"):
        return False
    notify_trial_will_end(state, sub, target)
    while True:
        period_end_at = sub["items"]["data"][0]["current_period_end"]
        candidates: list[tuple[int, str]] = []
        if sub["cancel_at"] is not None:
            candidates.append((sub["cancel_at"], "cancel"))
        if sub["status"] == "trialing" and sub["trial_end"] is not None:
            candidates.append((sub["trial_end"], "trial_end"))
        pause = sub["pause_collection"]
        if pause is not None and pause["resumes_at"] is not None:
            candidates.append((pause["resumes_at"], "resume_collection"))
        if sub["status"] in ROLLING:
            candidates.append((period_end_at, "renew"))
        if not candidates:
            break
        at, what = min(candidates)
        if at > target:
            break
        if what == "cancel":
            if sub != before:
                set_status(state, before, sub)
            end_subscription(state, sub, at, "cancellation_requested", None)
            return True
        if what == "trial_end":
            behavior = sub["trial_settings"]["end_behavior"]["missing_payment_method"]
            if behavior != "create_invoice" and not has_payment_method(state, sub):
                if behavior == "cancel":
                    if sub != before:
                        set_status(state, before, sub)
                    end_subscription(state, sub, at, "cancellation_requested", None)
                    return True
                sub = {**sub, "status": "paused"}
                break
            sub = {**sub, "status": "active"}
            # The trial period ends; the first paid period starts at trial_end.
            sub = _roll_periods(state, sub, at)
        elif what == "resume_collection":
            sub = {**sub, "pause_collection": None}
        else:
            # Roll over every period that ends before the next other change (or the target).
            others = [t for t, kind in candidates if kind != "renew"]
            until = min([target, *(t - 1 for t in others)])
            sub = _roll_periods(state, sub, max(at, until))
            sub = _expire_discounts(state, sub, at, renewed=True)
    sub = _expire_discounts(state, sub, target, renewed=False)
    if sub == before:
        return False
    set_status(state, before, sub)
    return True
