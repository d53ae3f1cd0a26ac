"""A Stripe price's terms in the canonical schema: per-unit, sub-cent, tiered, packaged.

From the price object (https://docs.stripe.com/api/prices/object):

- ``billing_scheme=per_unit``: ``unit_amount`` (integer minor units), or, when it is null,
  ``unit_amount_decimal`` (a decimal string of minor units, up to 12 places): a price finer
  than the currency's minor unit is kept exact as ``unit_amount_decimal`` (major units);
- ``billing_scheme=tiered``: ``tiers_mode`` and ``tiers`` (``up_to`` null for the last,
  ``unit_amount[_decimal]``, ``flat_amount[_decimal]``). Stripe includes ``tiers`` only when
  expanded, and a subscription list cannot reach them (``data.items.data.price.tiers`` is
  five levels, past the limit of four), so they come from the price in ``lookups`` when the
  listed price lacks them (``catalog.py`` reads each tiered price once);
- ``transform_quantity`` (``divide_by``, ``round``), ``tax_behavior``, and
  ``recurring.usage_type`` (``metered``: usage billed in arrears, no recurring quantity).
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import Any, TypeVar

from adapters.stripe.amounts import AmountError, money_from_minor, stripe_exponent
from adapters.stripe.fields import Fields
from connector.schema import (
    PriceTier,
    RoundDirection,
    TaxBehavior,
    TiersMode,
    TransformQuantity,
    UsageType,
)

Obj = dict[str, Any]
E = TypeVar("E", bound=StrEnum)
D = TypeVar("D")


def price_terms(price: Fields, currency: str, tiered_prices: Mapping[str, Obj]) -> dict[str, Any]:
    """The canonical item fields that describe ``price`` (its amount, tiers and options)."""
    terms: dict[str, Any] = {
        "tax_behavior": _enum(price, "tax_behavior", TaxBehavior, TaxBehavior.UNSPECIFIED),
        "usage_type": _usage_type(price),
    }
    transform = price.opt_obj("transform_quantity")
    if transform is not None:
        terms["transform_quantity"] = TransformQuantity(
            divide_by=transform.integer("divide_by"),
            round=_enum(transform, "round", RoundDirection, RoundDirection.UP),
        )
    scheme = price.opt_text("billing_scheme") or "per_unit"
    if scheme == "tiered":
        terms["tiers_mode"] = _enum(price, "tiers_mode", TiersMode, None)
        if terms["tiers_mode"] is None:
            raise price.error("tiers_mode", "a tiered price needs a tiers_mode")
        terms["tiers"] = _tiers(price, currency, tiered_prices)
    elif scheme == "per_unit":
        terms.update(_unit_amount(price, currency))
    else:
        raise price.error("billing_scheme", f"unknown billing scheme {scheme!r}")
    return terms


def _unit_amount(price: Fields, currency: str) -> dict[str, Any]:
    if price.value("unit_amount") is not None:
        try:
            return {"unit_amount": money_from_minor(price.integer("unit_amount"), currency)}
        except AmountError as exc:
            raise price.error("unit_amount", str(exc)) from None
    if price.value("unit_amount_decimal") is None:
        raise price.error("unit_amount", "null, and no unit_amount_decimal (per_unit price)")
    exact = _major(price, "unit_amount_decimal", currency)
    try:
        # A decimal price that fits the currency's minor unit is an ordinary price.
        return {"unit_amount": money_from_minor(exact.scaleb(stripe_exponent(currency)), currency)}
    except AmountError:
        return {"unit_amount_decimal": exact}


def _tiers(price: Fields, currency: str, tiered_prices: Mapping[str, Obj]) -> tuple[PriceTier, ...]:
    source = price
    if price.value("tiers") is None:
        listed = tiered_prices.get(price.text("id"))
        if listed is None or listed.get("tiers") is None:
            raise price.error("tiers", "not included: the price must be read with expand[]=tiers")
        source = Fields(listed, price.path)
    tiers = []
    for tier in source.objects("tiers"):
        tiers.append(
            PriceTier(
                up_to=tier.opt_integer("up_to"),
                unit_amount=_tier_amount(tier, "unit_amount", currency),
                flat_amount=_tier_amount(tier, "flat_amount", currency),
            )
        )
    if not tiers:
        raise source.error("tiers", "a tiered price needs at least one tier")
    return tuple(tiers)


def _tier_amount(tier: Fields, name: str, currency: str) -> Decimal:
    """A tier's amount in major units, from its ``*_decimal`` string, else its integer."""
    if tier.value(f"{name}_decimal") is not None:
        return _major(tier, f"{name}_decimal", currency)
    minor = tier.opt_integer(name)
    return Decimal(minor or 0).scaleb(-stripe_exponent(currency))


def _major(obj: Fields, name: str, currency: str) -> Decimal:
    raw = obj.value(name)
    try:
        minor = Decimal(str(raw))
    except InvalidOperation:
        raise obj.error(name, f"{raw!r} is not a decimal number") from None
    if not minor.is_finite() or minor < 0:
        raise obj.error(name, f"{raw!r} is not a usable amount")
    return minor.scaleb(-stripe_exponent(currency))


def _usage_type(price: Fields) -> UsageType:
    recurring = price.opt_obj("recurring")
    if recurring is None:
        return UsageType.LICENSED
    return _enum(recurring, "usage_type", UsageType, UsageType.LICENSED)


def _enum(obj: Fields, name: str, kind: type[E], default: D) -> E | D:
    raw = obj.opt_text(name)
    if raw is None:
        return default
    try:
        return kind(raw)
    except ValueError:
        raise obj.error(name, f"unknown {name} {raw!r}") from None
