"""From stored objects to API responses: inline what Stripe always inlines, then ``expand``.

A subscription item always carries its ``price`` (and the legacy ``plan``) as objects, and
``default_tax_rates`` / ``tax_rates`` are always full tax rate objects (they are not expandable
in Stripe's API reference). Other references stay ids unless asked for with ``expand[]``:
https://docs.stripe.com/api/expanding_objects (dotted paths, ``data.`` prefix on lists, up to
four levels where ``data`` counts as one: "the deepest expansion allowed when listing charges is
data.invoice.subscription.default_source").
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from connector.sandbox.stripe.errors import StripeError
from connector.sandbox.stripe.objects import plan_from_price

if TYPE_CHECKING:
    from connector.sandbox.stripe.state import StripeState

Obj = dict[str, Any]
MAX_EXPAND_DEPTH = 4


def render_item(state: StripeState, item: Obj) -> Obj:
    price = state.prices.require(item["price"])
    out = dict(item)
    out["price"] = price
    out["plan"] = plan_from_price(price)
    out["tax_rates"] = [state.tax_rates.require(t) for t in item["tax_rates"]]
    return out


def render_subscription(state: StripeState, sub: Obj) -> Obj:
    out = dict(sub)
    items = sub["items"]
    out["items"] = {**items, "data": [render_item(state, it) for it in items["data"]]}
    out["default_tax_rates"] = [state.tax_rates.require(t) for t in sub["default_tax_rates"]]
    return out


def render(state: StripeState, obj: Obj) -> Obj:
    kind = obj.get("object")
    if kind == "subscription":
        return render_subscription(state, obj)
    if kind == "subscription_item":
        return render_item(state, obj)
    if kind == "invoiceitem":
        return {**obj, "tax_rates": [state.tax_rates.require(t) for t in obj["tax_rates"]]}
    return obj


def _resolvers(state: StripeState) -> dict[str, Callable[[str], Obj | None]]:
    def lookup(collection_name: str) -> Callable[[str], Obj | None]:
        def resolve(object_id: str) -> Obj | None:
            collection = getattr(state, collection_name)
            found = collection.get(object_id)
            if found is None:
                return state.deleted.get(object_id)
            return render(state, found)

        return resolve

    return {
        "customer": lookup("customers"),
        "product": lookup("products"),
        "price": lookup("prices"),
        "default_price": lookup("prices"),
        "coupon": lookup("coupons"),
        "discounts": lookup("discounts"),
        "subscription": lookup("subscriptions"),
    }


Include = Callable[[Obj], tuple[bool, Any]]


def _includes(state: StripeState) -> dict[str, Include]:
    """Includable fields: absent from an object unless expanded; (applies, value) per parent."""

    def tax_ids(parent: Obj) -> tuple[bool, Any]:
        from connector.sandbox.stripe.tax_ids import tax_ids_list

        if parent.get("object") != "customer" or parent.get("deleted"):
            return False, None
        return True, tax_ids_list(state, parent["id"])

    def tiers(parent: Obj) -> tuple[bool, Any]:
        if parent.get("object") not in ("price", "plan"):
            return False, None
        return True, state.price_tiers.get(parent["id"])

    def currency_options(parent: Obj) -> tuple[bool, Any]:
        if parent.get("object") != "coupon":
            return False, None
        return True, state.coupon_currency_options.get(parent["id"])

    return {"tax_ids": tax_ids, "tiers": tiers, "currency_options": currency_options}


#: Fields Stripe can expand whose objects the emulator does not hold: they stay ids (or null).
OPAQUE_EXPANDABLE = frozenset(
    {
        "latest_invoice",
        "default_payment_method",
        "default_source",
        "pending_setup_intent",
        "schedule",
        "test_clock",
        "on_behalf_of",
        "application",
        "promotion_code",
        "invoice",
        "checkout_session",
        "customer_account",
    }
)
#: Fields that are always inlined: expanding them is accepted and changes nothing.
ALWAYS_INLINE = frozenset({"default_tax_rates", "tax_rates", "plan"})


#: Every field name an expand path may traverse; checked before a request executes, so that a
#: mistyped ``expand[]`` fails without side effects, as Stripe validates parameters first.
KNOWN_SEGMENTS = (
    frozenset(
        {"customer", "product", "price", "default_price", "coupon", "discounts", "subscription"}
    )
    | OPAQUE_EXPANDABLE
    | ALWAYS_INLINE
    | frozenset({"data", "items", "source", "invoice_settings", "tax_ids", "tiers"})
    | frozenset({"currency_options"})
)


def check_expand_paths(paths: list[str]) -> None:
    for path in paths:
        parts = path.split(".")
        if not path or any(part not in KNOWN_SEGMENTS for part in parts):
            raise cannot_expand(path)
        if len(parts) > MAX_EXPAND_DEPTH:
            raise StripeError(
                400,
                f"You cannot expand more than {MAX_EXPAND_DEPTH} levels of a property. "
                f"Property: {path}",
                param="expand",
            )


def cannot_expand(path: str) -> StripeError:
    return StripeError(400, f"This property cannot be expanded ({path}).", param="expand")


def apply_expand(state: StripeState, obj: Obj, paths: list[str]) -> Obj:
    resolvers = _resolvers(state)
    includes = _includes(state)
    result: Any = obj
    for path in sorted(set(paths)):
        parts = path.split(".")
        if len(parts) > MAX_EXPAND_DEPTH or not path:
            raise StripeError(
                400,
                f"You cannot expand more than {MAX_EXPAND_DEPTH} levels of a property. "
                f"Property: {path}",
                param="expand",
            )
        result = _expand(result, parts, path, resolvers, includes)
    out: Obj = result
    return out


def _resolve(value: Any, field: str, resolvers: dict[str, Callable[[str], Obj | None]]) -> Any:
    resolver = resolvers.get(field)
    if resolver is None:
        return value
    if isinstance(value, str):
        found = resolver(value)
        return value if found is None else found
    if isinstance(value, list):
        return [_resolve(v, field, resolvers) for v in value]
    return value


def _expand(
    value: Any,
    parts: list[str],
    path: str,
    resolvers: dict[str, Callable[[str], Obj | None]],
    includes: dict[str, Include],
) -> Any:
    if not parts or value is None:
        return value
    if isinstance(value, list):
        return [_expand(v, parts, path, resolvers, includes) for v in value]
    if not isinstance(value, dict):
        raise cannot_expand(path)
    field = parts[0]
    include = includes.get(field)
    if field not in value and include is not None:
        applies, included = include(value)
        if not applies:
            raise cannot_expand(path)
        child = included
    elif field not in value:
        raise cannot_expand(path)
    elif field in resolvers:
        child = _resolve(value[field], field, resolvers)
    else:
        passable = len(parts) > 1 and isinstance(value[field], dict | list)
        if field not in OPAQUE_EXPANDABLE and field not in ALWAYS_INLINE and not passable:
            raise cannot_expand(path)
        child = value[field]
    if len(parts) > 1:
        child = _expand(child, parts[1:], path, resolvers, includes)
    out = dict(value)
    out[field] = child
    return out
