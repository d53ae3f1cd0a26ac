"""One-off charges added with a subscription: ``add_invoice_items[]`` and ``/v1/invoiceitems``.

Subscription items take recurring prices only; a set-up fee or any other one-off charge goes
through ``add_invoice_items`` (https://docs.stripe.com/api/subscriptions/create#
create_subscription-add_invoice_items), which takes ``one_time`` prices (or ``price_data``)
and bills them once, on the next invoice. They are not items of the subscription: they become
invoice items (``object: invoiceitem``) that point back to it through
``parent.subscription_details``, in the shape of API 2025-03-31.basil and later.

The emulator issues no invoices, so these invoice items stay pending (``invoice: null``); they
are listed by ``GET /v1/invoiceitems`` (``customer``, ``pending`` filters) and retrievable.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from connector.sandbox.stripe import objects
from connector.sandbox.stripe.discounts import DiscountPlan, check_discounts, redeem
from connector.sandbox.stripe.errors import parameter_invalid, parameter_missing
from connector.sandbox.stripe.forms import Params
from connector.sandbox.stripe.params import (
    apply_metadata,
    check_known,
    get_dict,
    get_enum,
    get_int,
    get_list,
    get_str,
    get_str_list,
)
from connector.sandbox.stripe.price_scheme import checked_scheme, decimal_string
from connector.sandbox.stripe.state import StripeState

Obj = dict[str, Any]
ENTRY_KEYS = ("price", "price_data", "quantity", "tax_rates", "discounts", "metadata", "period")
PRICE_DATA_KEYS = ("currency", "product", "unit_amount", "unit_amount_decimal", "tax_behavior")
#: Stripe takes at most 20 one-off items per request.
MAX_ENTRIES = 20


@dataclass(frozen=True)
class OneOff:
    """One checked ``add_invoice_items[]`` entry, before its invoice item exists."""

    price: Obj
    quantity: int
    tax_rates: list[str]
    metadata: dict[str, str]
    discounts: DiscountPlan | None


def _inline_price(state: StripeState, raw: Params, at: str, now: int) -> Obj:
    """``price_data``: an inactive one-time price made for this charge alone, as Stripe does."""
    check_known(raw, PRICE_DATA_KEYS, f"{at}[price_data]")
    currency = (get_str(raw, "currency", f"{at}[price_data]", required=True) or "").lower()
    product = get_str(raw, "product", f"{at}[price_data]", required=True) or ""
    state.products.require(product, f"{at}[price_data][product]")
    scheme = checked_scheme({k: v for k, v in raw.items() if k.startswith("unit_")}, False)
    behavior = get_enum(
        raw, "tax_behavior", ("inclusive", "exclusive", "unspecified"), f"{at}[price_data]"
    )
    price = objects.price(
        state.new_id("price"),
        now,
        product,
        currency,
        scheme.unit_amount,
        active=False,
        tax_behavior=behavior or "unspecified",
        unit_amount_decimal=scheme.unit_amount_decimal,
    )
    state.prices.add(price)
    return price


def check_one_offs(
    state: StripeState, params: Params, currency: str | None, now: int
) -> list[tuple[Params, str]]:
    """The raw ``add_invoice_items`` entries after the checks that need no new objects."""
    entries = get_list(params, "add_invoice_items") or []
    if len(entries) > MAX_ENTRIES:
        raise parameter_invalid(
            "add_invoice_items", f"You can add at most {MAX_ENTRIES} invoice items."
        )
    checked: list[tuple[Params, str]] = []
    for index, raw in enumerate(entries):
        at = f"add_invoice_items[{index}]"
        if not isinstance(raw, dict):
            raise parameter_invalid(at, "Invalid hash")
        check_known(raw, ENTRY_KEYS, at)
        price_id = get_str(raw, "price", at)
        if price_id:
            price = state.prices.require(price_id, f"{at}[price]")
            if price["recurring"] is not None:
                raise parameter_invalid(
                    f"{at}[price]",
                    "The price specified is set to `type=recurring` but this field only "
                    "accepts prices with `type=one_time`.",
                )
            if currency is not None and price["currency"] != currency:
                raise parameter_invalid(
                    f"{at}[price]",
                    "The price's currency must match the currency of the subscription.",
                )
        elif get_dict(raw, "price_data", at) is None:
            raise parameter_missing(f"{at}[price]")
        get_int(raw, "quantity", at, minimum=1)
        for tax_index, tax_rate_id in enumerate(get_str_list(raw, "tax_rates", at) or []):
            state.tax_rates.require(tax_rate_id, f"{at}[tax_rates][{tax_index}]")
        checked.append((raw, at))
    return checked


def prepare(state: StripeState, checked: list[tuple[Params, str]], now: int) -> list[OneOff]:
    """Check each entry's discounts, then resolve prices (creating ``price_data`` ones)."""
    plans = [check_discounts(state, raw, at, [], now) for raw, at in checked]
    prepared: list[OneOff] = []
    for (raw, at), plan in zip(checked, plans, strict=True):
        price_id = get_str(raw, "price", at)
        price = (
            state.prices.require(price_id)
            if price_id
            else _inline_price(state, get_dict(raw, "price_data", at) or {}, at, now)
        )
        prepared.append(
            OneOff(
                price,
                get_int(raw, "quantity", at, minimum=1) or 1,
                get_str_list(raw, "tax_rates", at) or [],
                apply_metadata({}, raw, at),
                plan,
            )
        )
    return prepared


def _amount(price: Obj, quantity: int) -> int:
    unit = Decimal(price["unit_amount_decimal"])
    # Stripe rounds a line's total to the currency's minor unit, half up.
    return int((unit * quantity).quantize(Decimal(1), rounding="ROUND_HALF_UP"))


def issue(
    state: StripeState, sub: Obj, one_offs: list[OneOff], now: int, period: tuple[int, int]
) -> list[Obj]:
    """Create the invoice items of a subscription's one-off charges."""
    created: list[Obj] = []
    for one_off in one_offs:
        price = one_off.price
        item_id = state.new_id("ii")
        discounts = (
            redeem(
                state,
                one_off.discounts,
                customer_id=sub["customer"],
                subscription_id=sub["id"],
                item_id=None,
                now=now,
            )
            if one_off.discounts is not None
            else []
        )
        obj = {
            "id": item_id,
            "object": "invoiceitem",
            "amount": _amount(price, one_off.quantity),
            "currency": price["currency"],
            "customer": sub["customer"],
            "customer_account": None,
            "date": now,
            "description": None,
            "discountable": True,
            "discounts": discounts,
            "invoice": None,
            "livemode": False,
            "metadata": one_off.metadata,
            "net_amount": _amount(price, one_off.quantity),
            "parent": {
                "subscription_details": {"subscription": sub["id"], "subscription_item": None},
                "type": "subscription_details",
            },
            "period": {"end": period[1], "start": period[0]},
            "pricing": {
                "price_details": {"price": price["id"], "product": price["product"]},
                "type": "price_details",
                "unit_amount_decimal": decimal_string(Decimal(price["unit_amount_decimal"])),
            },
            "proration": False,
            "quantity": one_off.quantity,
            "tax_rates": one_off.tax_rates,
            "test_clock": None,
        }
        state.invoice_items.add(obj)
        created.append(obj)
    return created
