"""``discounts[]`` on subscriptions and on their items: validate first, then redeem.

Stripe takes the same ``discounts`` array on a subscription and on each of its items
(https://docs.stripe.com/api/subscriptions/create#create_subscription-items-discounts): each
entry names exactly one of ``coupon`` (a new discount is created), ``discount`` (an existing
discount of that subscription or item is kept) or ``promotion_code``. A discount applied to an
item carries the item's id in ``subscription_item``.

Checking and redeeming are separate steps so that a request whose last entry is invalid
redeems nothing: every entry of every level is checked before the first coupon is counted.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from connector.sandbox.stripe import objects
from connector.sandbox.stripe.clock import add_months
from connector.sandbox.stripe.errors import parameter_invalid, parameter_missing, resource_missing
from connector.sandbox.stripe.params import check_known, get_list, get_str, invalid
from connector.sandbox.stripe.state import StripeState

Obj = dict[str, Any]
ENTRY_KEYS = ("coupon", "discount", "promotion_code")
#: Stripe allows at most 20 discounts on one subscription or item.
MAX_DISCOUNTS = 20


@dataclass(frozen=True)
class DiscountPlan:
    """The checked ``discounts[]`` of one subscription or item: kept ids and coupons to redeem.

    ``entries`` keeps the request's order: a ``str`` is a discount id that stays, a ``dict`` is
    a coupon that will get a new discount.
    """

    entries: tuple[str | Obj, ...]


def check_discounts(
    state: StripeState,
    params: Obj,
    prefix: str,
    current: list[str],
    now: int,
    currency: str | None = None,
) -> DiscountPlan | None:
    """The checked ``discounts`` of ``params`` (``None`` when absent); nothing is redeemed."""
    key = f"{prefix}[discounts]" if prefix else "discounts"
    raw = get_list(params, "discounts", prefix)
    if raw is None:
        return None
    if len(raw) > MAX_DISCOUNTS:
        raise parameter_invalid(key, f"You can apply at most {MAX_DISCOUNTS} discounts.")
    reused = {}
    for discount_id in current:
        found = state.discounts.get(discount_id)
        if found is not None:
            reused[found["source"]["coupon"]] = discount_id
    entries: list[str | Obj] = []
    coupons: list[str] = []
    for index, entry in enumerate(raw):
        at = f"{key}[{index}]"
        if not isinstance(entry, dict):
            raise parameter_invalid(at, "Invalid hash")
        check_known(entry, ENTRY_KEYS, at)
        given = [k for k in ENTRY_KEYS if get_str(entry, k, at)]
        if not given:
            raise parameter_missing(f"{at}[coupon]")
        if len(given) > 1:
            raise invalid(
                f"You may only specify one of these parameters: {', '.join(ENTRY_KEYS)}.", at
            )
        value = get_str(entry, given[0], at) or ""
        if given[0] == "promotion_code":
            # The emulator holds no promotion codes, so any code is unknown, as in Stripe.
            raise resource_missing("promotion_code", value, f"{at}[promotion_code]")
        if given[0] == "discount":
            if value not in current:
                raise resource_missing("discount", value, f"{at}[discount]")
            entries.append(value)
            coupons.append(state.discounts.require(value)["source"]["coupon"])
            continue
        coupon = state.coupons.require(value, f"{at}[coupon]")
        coupons.append(value)
        if value in reused:
            entries.append(reused[value])
            continue
        if not coupon["valid"] or (coupon["redeem_by"] is not None and coupon["redeem_by"] < now):
            raise parameter_invalid(f"{at}[coupon]", f"Coupon expired: {value}")
        if currency is not None and not _applies_in(state, coupon, currency):
            raise parameter_invalid(
                f"{at}[coupon]",
                f"The coupon {value} is in {coupon['currency']} and has no amount for "
                f"{currency}; add it to the coupon's currency_options.",
            )
        limit = coupon["max_redemptions"]
        pending = coupons.count(value)
        if limit is not None and coupon["times_redeemed"] + pending > limit:
            raise parameter_invalid(f"{at}[coupon]", f"Coupon {value} has been fully redeemed.")
        entries.append(coupon)
    if len(set(coupons)) != len(coupons):
        raise invalid("The same coupon cannot be applied twice.", key)
    return DiscountPlan(tuple(entries))


def _applies_in(state: StripeState, coupon: Obj, currency: str) -> bool:
    """A fixed-amount coupon applies in its currency and in those of its currency options."""
    if coupon["amount_off"] is None or coupon["currency"] == currency:
        return True
    return currency in state.coupon_currency_options.get(coupon["id"], {})


def redeem(
    state: StripeState,
    plan: DiscountPlan,
    *,
    customer_id: str,
    subscription_id: str,
    item_id: str | None,
    now: int,
) -> list[str]:
    """Create the discounts of a checked plan (counting each coupon's redemption); their ids."""
    result: list[str] = []
    for entry in plan.entries:
        if isinstance(entry, str):
            result.append(entry)
            continue
        coupon = state.coupons.require(entry["id"])
        end = (
            add_months(now, coupon["duration_in_months"])
            if coupon["duration"] == "repeating"
            else None
        )
        discount = objects.discount(
            state.new_id("di"),
            now,
            coupon["id"],
            customer_id=customer_id,
            subscription_id=subscription_id,
            subscription_item=item_id,
            end=end,
        )
        state.discounts.add(discount)
        state.coupons.replace({**coupon, "times_redeemed": coupon["times_redeemed"] + 1})
        result.append(discount["id"])
    return result
