"""How a price computes its amount: per unit (maybe sub-cent, maybe on packages) or in tiers.

Parameters and rules from https://docs.stripe.com/api/prices/create:

- ``billing_scheme=per_unit`` (the default) takes exactly one of ``unit_amount`` (an integer in
  the currency's minor unit) and ``unit_amount_decimal`` (a decimal string of minor units with
  at most 12 decimal places, e.g. ``"0.5"`` for half a cent); a whole decimal also fills
  ``unit_amount``, a fractional one leaves it null.
- ``billing_scheme=tiered`` takes ``tiers_mode`` (``graduated`` or ``volume``) and ``tiers[]``
  instead: each tier has ``up_to`` (ascending; the last is ``inf``) and a per-unit and/or flat
  amount, each as integer or decimal (not both). Tiered prices have no unit amount, cannot
  transform quantities, and are priced per period, so they must be recurring.
- ``transform_quantity`` (``divide_by``, ``round`` up/down) bills packages of units.

A price's ``tiers`` are an includable field: sent only with ``expand[]=tiers`` (or
``data.tiers``, ``items.data.price.tiers``, ``data.plan.tiers``), so the emulator keeps them
beside the price (``state.price_tiers``) rather than in it.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from connector.sandbox.stripe.errors import parameter_invalid, parameter_missing
from connector.sandbox.stripe.forms import Params
from connector.sandbox.stripe.money import MAX_AMOUNT
from connector.sandbox.stripe.params import (
    check_known,
    get_dict,
    get_enum,
    get_int,
    get_list,
    get_str,
    invalid,
)

Obj = dict[str, Any]
TIERS_MODES = ("graduated", "volume")
MAX_DECIMAL_PLACES = 12
MAX_TIERS = 250
TIER_KEYS = ("up_to", "unit_amount", "unit_amount_decimal", "flat_amount", "flat_amount_decimal")


@dataclass(frozen=True)
class Scheme:
    """The checked amount fields of a price, as stored and rendered."""

    billing_scheme: str
    unit_amount: int | None
    unit_amount_decimal: str | None
    tiers_mode: str | None
    tiers: list[Obj] | None
    transform_quantity: Obj | None


def decimal_string(value: Decimal) -> str:
    """Stripe's rendering of a decimal amount: plain digits, no exponent, no trailing zeros."""
    return format(value.normalize(), "f")


def _decimal(params: Params, key: str, prefix: str = "") -> Decimal | None:
    raw = get_str(params, key, prefix)
    if raw is None or raw == "":
        return None
    param = f"{prefix}[{key}]" if prefix else key
    try:
        value = Decimal(raw)
    except InvalidOperation:
        raise parameter_invalid(param, f"Invalid decimal: {raw}") from None
    if not value.is_finite() or value < 0:
        raise parameter_invalid(param, f"Invalid decimal: {raw}")
    exponent = value.normalize().as_tuple().exponent
    if isinstance(exponent, int) and -exponent > MAX_DECIMAL_PLACES:
        raise parameter_invalid(
            param, f"{param} can have at most {MAX_DECIMAL_PLACES} decimal places."
        )
    if value > MAX_AMOUNT:
        raise parameter_invalid(param, f"This value must be less than or equal to {MAX_AMOUNT}.")
    return value


def _amount(params: Params, key: str, prefix: str = "") -> tuple[int | None, str | None] | None:
    """``key`` / ``key_decimal`` as (integer or None, decimal string); None when neither."""
    whole = get_int(params, key, prefix, minimum=0, maximum=MAX_AMOUNT)
    fraction = _decimal(params, f"{key}_decimal", prefix)
    if whole is not None and fraction is not None:
        names = f"{key}, {key}_decimal"
        raise invalid(f"You may only specify one of these parameters: {names}.", prefix or None)
    if whole is not None:
        return whole, str(whole)
    if fraction is not None:
        integral = fraction == fraction.to_integral_value()
        return (int(fraction) if integral else None), decimal_string(fraction)
    return None


def _tier(raw: Any, at: str, index: int, last: bool) -> tuple[int | None, Obj]:
    if not isinstance(raw, dict):
        raise parameter_invalid(at, "Invalid hash")
    check_known(
        raw,
        ("up_to", "unit_amount", "unit_amount_decimal", "flat_amount", "flat_amount_decimal"),
        at,
    )
    up_to_raw = get_str(raw, "up_to", at)
    if not up_to_raw:
        raise parameter_missing(f"{at}[up_to]")
    up_to = None if up_to_raw == "inf" else get_int(raw, "up_to", at, minimum=1)
    if last and up_to is not None:
        raise parameter_invalid(f"{at}[up_to]", "The last tier must have `up_to` set to `inf`.")
    if not last and up_to is None:
        raise parameter_invalid(
            f"{at}[up_to]", f"Only the last tier can have `up_to` set to `inf` (tier {index})."
        )
    unit = _amount(raw, "unit_amount", at)
    flat = _amount(raw, "flat_amount", at)
    if unit is None and flat is None:
        raise parameter_missing(f"{at}[unit_amount]")
    return up_to, {
        "flat_amount": flat[0] if flat else None,
        "flat_amount_decimal": flat[1] if flat else None,
        "unit_amount": unit[0] if unit else None,
        "unit_amount_decimal": unit[1] if unit else None,
        "up_to": up_to,
    }


def _tiers(params: Params) -> list[Obj]:
    raw = get_list(params, "tiers")
    if not raw:
        raise parameter_missing("tiers")
    if len(raw) > MAX_TIERS:
        raise parameter_invalid("tiers", f"A price can have at most {MAX_TIERS} tiers.")
    tiers: list[Obj] = []
    previous = 0
    for index, entry in enumerate(raw):
        up_to, tier = _tier(entry, f"tiers[{index}]", index, index == len(raw) - 1)
        if up_to is not None:
            if up_to <= previous:
                raise parameter_invalid(
                    f"tiers[{index}][up_to]", "Tiers must be in ascending order of `up_to`."
                )
            previous = up_to
        tiers.append(tier)
    return tiers


def _transform(params: Params) -> Obj | None:
    raw = get_dict(params, "transform_quantity")
    if not raw:
        return None
    check_known(raw, ("divide_by", "round"), "transform_quantity")
    divide_by = get_int(raw, "divide_by", "transform_quantity", required=True, minimum=1)
    rounding = get_enum(raw, "round", ("up", "down"), "transform_quantity", required=True)
    return {"divide_by": divide_by, "round": rounding}


def checked_scheme(params: Params, recurring: bool) -> Scheme:
    """The amount fields of a price create, validated as Stripe validates them."""
    scheme = get_enum(params, "billing_scheme", ("per_unit", "tiered")) or "per_unit"
    transform = _transform(params)
    if scheme == "per_unit":
        for key in ("tiers", "tiers_mode"):
            if key in params:
                raise parameter_invalid(
                    key, f"{key} can only be set when billing_scheme is `tiered`."
                )
        amount = _amount(params, "unit_amount")
        if amount is None:
            raise parameter_missing("unit_amount")
        return Scheme("per_unit", amount[0], amount[1], None, None, transform)
    for key in ("unit_amount", "unit_amount_decimal"):
        if key in params:
            raise parameter_invalid(
                key, f"{key} cannot be set when billing_scheme is `tiered`; use tiers."
            )
    if transform is not None:
        raise parameter_invalid(
            "transform_quantity", "transform_quantity cannot be used with tiered prices."
        )
    if not recurring:
        raise parameter_invalid(
            "billing_scheme", "Tiered prices must be recurring: set recurring[interval]."
        )
    mode = get_enum(params, "tiers_mode", TIERS_MODES)
    if mode is None:
        raise parameter_missing("tiers_mode")
    return Scheme("tiered", None, None, mode, _tiers(params), None)
