"""Customers, products, prices, coupons, tax rates and webhook endpoints: create and update.

Each function validates Stripe's parameters (decoded form values, all strings), stores the
object and emits the matching event. ``object_id`` / ``created`` let the bulk loader choose ids
and backdate objects.
"""

from __future__ import annotations

from typing import Any

from connector.sandbox.stripe import objects, tax_ids
from connector.sandbox.stripe.errors import StripeError, parameter_invalid, parameter_missing
from connector.sandbox.stripe.events import RequestInfo
from connector.sandbox.stripe.forms import Params
from connector.sandbox.stripe.money import MAX_AMOUNT, THREE_DECIMAL_CURRENCIES
from connector.sandbox.stripe.params import (
    apply_metadata,
    check_known,
    get_bool,
    get_dict,
    get_enum,
    get_float,
    get_int,
    get_list,
    get_str,
    get_str_list,
    invalid,
)
from connector.sandbox.stripe.price_scheme import checked_scheme
from connector.sandbox.stripe.state import StripeState

Obj = dict[str, Any]

INTERVALS = ("day", "week", "month", "year")
#: Stripe caps a recurring interval at three years.
MAX_INTERVAL_COUNT = {"day": 1095, "week": 156, "month": 36, "year": 3}
ADDRESS_FIELDS = ("city", "country", "line1", "line2", "postal_code", "state")


def _nullable(params: Params, key: str, current: Any) -> Any:
    """A string field on update: absent keeps, ``""`` clears to null."""
    if key not in params:
        return current
    value = get_str(params, key)
    return value or None


def _metadata(params: Params) -> dict[str, str]:
    return apply_metadata({}, params)


def _updated(
    state: StripeState,
    collection_name: str,
    before: Obj,
    after: Obj,
    event_type: str,
    request: RequestInfo | None,
) -> Obj:
    collection = getattr(state, collection_name)
    if after != before:
        collection.replace(after)
        state.emit(event_type, state.rendered(after), state.rendered(before), request)
    return after


def _check_currency(currency: str, param: str = "currency") -> str:
    lowered = currency.lower()
    if len(lowered) != 3 or not lowered.isalpha():
        raise parameter_invalid(param, f"Invalid currency: {currency}.")
    return lowered


def _check_amount(amount: int, currency: str, param: str) -> None:
    if amount > MAX_AMOUNT:
        raise parameter_invalid(param, f"This value must be less than or equal to {MAX_AMOUNT}.")
    if currency in THREE_DECIMAL_CURRENCIES and amount % 10:
        # https://docs.stripe.com/currencies#three-decimal
        raise parameter_invalid(
            param, f"Amounts in {currency.upper()} must be a multiple of 10 (three decimals)."
        )


# -- customers -------------------------------------------------------------------------------

CUSTOMER_PARAMS = (
    "email",
    "name",
    "description",
    "phone",
    "metadata",
    "address",
    "preferred_locales",
    "tax_exempt",
    "invoice_settings",
    "payment_method",
    "expand",
    "invoice_prefix",
    "shipping",
    "balance",
    "test_clock",
)


def _address(params: Params) -> Obj | None:
    raw = get_dict(params, "address")
    if raw is None:
        return None
    if not raw:
        return None
    check_known(raw, ADDRESS_FIELDS, "address")
    return {f: raw.get(f) or None for f in ADDRESS_FIELDS}


def _default_payment_method(params: Params, current: str | None) -> str | None:
    settings = get_dict(params, "invoice_settings")
    if settings is None:
        return current
    check_known(settings, ("default_payment_method", "custom_fields", "footer"), "invoice_settings")
    if "default_payment_method" not in settings:
        return current
    return get_str(settings, "default_payment_method", "invoice_settings") or None


def create_customer(
    state: StripeState,
    params: Params,
    request: RequestInfo | None = None,
    *,
    object_id: str | None = None,
    created: int | None = None,
) -> Obj:
    check_known(params, (*CUSTOMER_PARAMS, "tax_id_data"))
    tax_exempt = get_enum(params, "tax_exempt", ("none", "exempt", "reverse")) or "none"
    pm = _default_payment_method(params, get_str(params, "payment_method"))
    tax_id_entries = _tax_id_data(params)
    with state.lock:
        obj = objects.customer(
            object_id or state.new_id("cus"),
            created if created is not None else state.now(),
            get_str(params, "invoice_prefix") or state.ids.short(8),
            email=get_str(params, "email") or None,
            name=get_str(params, "name") or None,
            description=get_str(params, "description") or None,
            phone=get_str(params, "phone") or None,
            metadata=_metadata(params),
            address=_address(params),
            preferred_locales=get_str_list(params, "preferred_locales"),
            tax_exempt=tax_exempt,
            default_payment_method=pm,
        )
        if obj["id"] in state.customers:
            raise invalid("Customer already exists.", "id")
        state.customers.add(obj)
        state.emit("customer.created", obj, request=request)
        for tax_id_type, value in tax_id_entries:
            tax_ids.add_tax_id(state, obj["id"], tax_id_type, value, request, obj["created"])
        return obj


def _tax_id_data(params: Params) -> list[tuple[str, str]]:
    """``tax_id_data[]`` of a customer create: (type, value) pairs, checked before anything."""
    entries = get_list(params, "tax_id_data") or []
    checked: list[tuple[str, str]] = []
    for index, entry in enumerate(entries):
        prefix = f"tax_id_data[{index}]"
        if not isinstance(entry, dict):
            raise parameter_invalid(prefix, "Invalid hash")
        checked.append(tax_ids.checked_entry(entry, prefix))
    if len(checked) > tax_ids.MAX_PER_CUSTOMER:
        raise parameter_invalid(
            "tax_id_data", f"A customer can have at most {tax_ids.MAX_PER_CUSTOMER} tax ids."
        )
    return checked


def update_customer(
    state: StripeState, customer_id: str, params: Params, request: RequestInfo | None = None
) -> Obj:
    check_known(params, CUSTOMER_PARAMS)
    with state.lock:
        before = state.customers.require(customer_id)
        after = dict(before)
        for key in ("email", "name", "description", "phone"):
            after[key] = _nullable(params, key, before[key])
        if "address" in params:
            after["address"] = _address(params)
        if "tax_exempt" in params:
            after["tax_exempt"] = get_enum(params, "tax_exempt", ("none", "exempt", "reverse"))
        if "preferred_locales" in params:
            after["preferred_locales"] = get_str_list(params, "preferred_locales") or []
        pm = _default_payment_method(params, before["invoice_settings"]["default_payment_method"])
        if pm != before["invoice_settings"]["default_payment_method"]:
            after["invoice_settings"] = {**before["invoice_settings"], "default_payment_method": pm}
        after["metadata"] = apply_metadata(before["metadata"], params)
        return _updated(state, "customers", before, after, "customer.updated", request)


def _deleted(
    state: StripeState, collection_name: str, kind: str, object_id: str, request: RequestInfo | None
) -> Obj:
    """Remove an object, keep its tombstone (retrievable as ``deleted: true``), emit the event."""
    collection = getattr(state, collection_name)
    with state.lock:
        obj = collection.require(object_id)
        collection.remove(object_id)
        tomb = objects.deleted(object_id, kind)
        state.deleted[object_id] = tomb
        state.emit(f"{kind}.deleted", obj, request=request)
        return tomb


def delete_customer(
    state: StripeState, customer_id: str, request: RequestInfo | None = None
) -> Obj:
    with state.lock:
        tomb = _deleted(state, "customers", "customer", customer_id, request)
        tax_ids.forget_customer(state, customer_id)
        return tomb


# -- products --------------------------------------------------------------------------------

PRODUCT_PARAMS = (
    "id",
    "name",
    "active",
    "description",
    "metadata",
    "unit_label",
    "url",
    "statement_descriptor",
    "tax_code",
    "expand",
    "images",
    "shippable",
    "default_price",
    "marketing_features",
    "package_dimensions",
    "type",
)


def create_product(
    state: StripeState,
    params: Params,
    request: RequestInfo | None = None,
    *,
    object_id: str | None = None,
    created: int | None = None,
) -> Obj:
    check_known(params, [p for p in PRODUCT_PARAMS if p != "default_price"])
    name = get_str(params, "name", required=True)
    if not name:
        raise parameter_missing("name")
    with state.lock:
        chosen = object_id or get_str(params, "id") or state.new_id("prod")
        if chosen in state.products:
            raise StripeError(
                400, f"Product already exists: {chosen}", code="resource_already_exists"
            )
        obj = objects.product(
            chosen,
            created if created is not None else state.now(),
            name,
            active=get_bool(params, "active") is not False,
            description=get_str(params, "description") or None,
            metadata=_metadata(params),
            unit_label=get_str(params, "unit_label") or None,
            url=get_str(params, "url") or None,
            statement_descriptor=get_str(params, "statement_descriptor") or None,
            tax_code=get_str(params, "tax_code") or None,
        )
        state.products.add(obj)
        state.emit("product.created", obj, request=request)
        return obj


def update_product(
    state: StripeState, product_id: str, params: Params, request: RequestInfo | None = None
) -> Obj:
    check_known(params, [p for p in PRODUCT_PARAMS if p != "id"])
    with state.lock:
        before = state.products.require(product_id)
        after = dict(before)
        if "name" in params:
            name = get_str(params, "name")
            if not name:
                raise parameter_invalid("name", "You must provide a non-empty name.")
            after["name"] = name
        active = get_bool(params, "active")
        if active is not None:
            after["active"] = active
        for key in ("description", "unit_label", "url", "statement_descriptor", "tax_code"):
            after[key] = _nullable(params, key, before[key])
        if "default_price" in params:
            price_id = get_str(params, "default_price") or None
            if price_id is not None:
                price = state.prices.require(price_id, "default_price")
                if price["product"] != product_id:
                    raise parameter_invalid(
                        "default_price", "The price must belong to this product."
                    )
            after["default_price"] = price_id
        after["metadata"] = apply_metadata(before["metadata"], params)
        if after != before:
            after["updated"] = state.now()
        return _updated(state, "products", before, after, "product.updated", request)


# -- prices ----------------------------------------------------------------------------------

PRICE_PARAMS = (
    "currency",
    "product",
    "product_data",
    "unit_amount",
    "unit_amount_decimal",
    "recurring",
    "lookup_key",
    "transfer_lookup_key",
    "nickname",
    "active",
    "metadata",
    "tax_behavior",
    "expand",
    "billing_scheme",
    "tiers",
    "tiers_mode",
    "transform_quantity",
)
TAX_BEHAVIORS = ("inclusive", "exclusive", "unspecified")
USAGE_TYPES = ("licensed", "metered")


def _recurring(params: Params) -> Obj | None:
    raw = get_dict(params, "recurring")
    if raw is None or not raw:
        return None
    check_known(
        raw, ("interval", "interval_count", "trial_period_days", "usage_type", "meter"), "recurring"
    )
    interval = get_enum(raw, "interval", INTERVALS, "recurring", required=True)
    assert interval is not None
    count = get_int(raw, "interval_count", "recurring", minimum=1) or 1
    if count > MAX_INTERVAL_COUNT[interval]:
        raise parameter_invalid(
            "recurring[interval_count]",
            "The maximum billing frequency is 3 years (1095 days, 156 weeks or 36 months).",
        )
    trial_days = get_int(raw, "trial_period_days", "recurring", minimum=0)
    usage_type = get_enum(raw, "usage_type", USAGE_TYPES, "recurring") or "licensed"
    meter = get_str(raw, "meter", "recurring") or None
    if usage_type == "metered" and meter is None:
        # Since 2025-03-31.basil usage is reported to meters; a metered price names its meter.
        raise parameter_missing("recurring[meter]")
    if usage_type == "licensed" and meter is not None:
        raise parameter_invalid(
            "recurring[meter]", "recurring[meter] can only be set when usage_type is `metered`."
        )
    return objects.recurring(interval, count, trial_days, usage_type=usage_type, meter=meter)


def _claim_lookup_key(state: StripeState, lookup_key: str, price_id: str, transfer: bool) -> None:
    owner = state.prices_by_lookup_key.get(lookup_key)
    if owner is not None and owner != price_id:
        if not transfer:
            raise parameter_invalid(
                "lookup_key",
                f"A price (`{owner}`) already uses that lookup key.",
            )
        old = state.prices.require(owner)
        state.prices.replace({**old, "lookup_key": None})
    state.prices_by_lookup_key[lookup_key] = price_id


def create_price(
    state: StripeState,
    params: Params,
    request: RequestInfo | None = None,
    *,
    object_id: str | None = None,
    created: int | None = None,
) -> Obj:
    check_known(params, PRICE_PARAMS)
    currency = _check_currency(get_str(params, "currency", required=True) or "")
    rec = _recurring(params)
    scheme = checked_scheme(params, rec is not None)
    if scheme.unit_amount is not None and "unit_amount" in params:
        _check_amount(scheme.unit_amount, currency, "unit_amount")
    tax_behavior = get_enum(params, "tax_behavior", TAX_BEHAVIORS) or "unspecified"
    with state.lock:
        product_id = get_str(params, "product")
        product_data = get_dict(params, "product_data")
        if product_id:
            state.products.require(product_id, "product")
        elif product_data:
            product_id = create_product(state, product_data, request, created=created)["id"]
        else:
            raise parameter_missing("product")
        price_id = object_id or state.new_id("price")
        lookup_key = get_str(params, "lookup_key") or None
        if lookup_key:
            _claim_lookup_key(
                state, lookup_key, price_id, get_bool(params, "transfer_lookup_key") is True
            )
        obj = objects.price(
            price_id,
            created if created is not None else state.now(),
            product_id,
            currency,
            scheme.unit_amount,
            recurring=rec,
            active=get_bool(params, "active") is not False,
            nickname=get_str(params, "nickname") or None,
            lookup_key=lookup_key,
            metadata=_metadata(params),
            tax_behavior=tax_behavior,
            unit_amount_decimal=scheme.unit_amount_decimal,
            billing_scheme=scheme.billing_scheme,
            tiers_mode=scheme.tiers_mode,
            transform_quantity=scheme.transform_quantity,
        )
        if price_id in state.prices:
            raise invalid("Price already exists.", "id")
        state.prices.add(obj)
        if scheme.tiers is not None:
            state.price_tiers[price_id] = scheme.tiers
        state.emit("price.created", obj, request=request)
        plan = objects.plan_from_price(obj)
        if plan is not None:
            # Recurring prices are also visible as plans; Stripe emits plan.* events for them.
            state.emit("plan.created", plan, request=request)
        return obj


def update_price(
    state: StripeState, price_id: str, params: Params, request: RequestInfo | None = None
) -> Obj:
    check_known(
        params,
        (
            "active",
            "metadata",
            "nickname",
            "lookup_key",
            "transfer_lookup_key",
            "tax_behavior",
            "expand",
        ),
    )
    with state.lock:
        before = state.prices.require(price_id)
        after = dict(before)
        active = get_bool(params, "active")
        if active is not None:
            after["active"] = active
        after["nickname"] = _nullable(params, "nickname", before["nickname"])
        if "lookup_key" in params:
            lookup_key = get_str(params, "lookup_key") or None
            if before["lookup_key"] and before["lookup_key"] != lookup_key:
                state.prices_by_lookup_key.pop(before["lookup_key"], None)
            if lookup_key:
                _claim_lookup_key(
                    state, lookup_key, price_id, get_bool(params, "transfer_lookup_key") is True
                )
            after["lookup_key"] = lookup_key
        if "tax_behavior" in params:
            behavior = get_enum(params, "tax_behavior", TAX_BEHAVIORS)
            if before["tax_behavior"] != "unspecified" and behavior != before["tax_behavior"]:
                # https://docs.stripe.com/api/prices/update#update_price-tax_behavior: "Once
                # specified as either inclusive or exclusive, it cannot be changed."
                raise parameter_invalid(
                    "tax_behavior",
                    "tax_behavior cannot be changed once it is inclusive or exclusive.",
                )
            after["tax_behavior"] = behavior
        after["metadata"] = apply_metadata(before["metadata"], params)
        result = _updated(state, "prices", before, after, "price.updated", request)
        old_plan = objects.plan_from_price(before)
        new_plan = objects.plan_from_price(after)
        if old_plan is not None and new_plan is not None and old_plan != new_plan:
            state.emit("plan.updated", new_plan, old_plan, request)
        return result


# -- coupons ---------------------------------------------------------------------------------

COUPON_PARAMS = (
    "id",
    "percent_off",
    "amount_off",
    "currency",
    "duration",
    "duration_in_months",
    "name",
    "max_redemptions",
    "redeem_by",
    "metadata",
    "expand",
    "applies_to",
    "currency_options",
)


def create_coupon(
    state: StripeState,
    params: Params,
    request: RequestInfo | None = None,
    *,
    object_id: str | None = None,
    created: int | None = None,
) -> Obj:
    check_known(params, COUPON_PARAMS)
    percent_off = get_float(params, "percent_off")
    amount_off = get_int(params, "amount_off", minimum=1)
    currency = get_str(params, "currency")
    if (percent_off is None) == (amount_off is None):
        raise invalid("You must pass exactly one of percent_off or amount_off.")
    if percent_off is not None and not 0 < percent_off <= 100:
        raise parameter_invalid(
            "percent_off", "Percent off must be greater than 0 and at most 100."
        )
    if amount_off is not None:
        if not currency:
            raise parameter_missing("currency")
        currency = _check_currency(currency)
        _check_amount(amount_off, currency, "amount_off")
    options = _currency_options(params, amount_off is not None, currency)
    duration = get_enum(params, "duration", ("once", "repeating", "forever")) or "once"
    months = get_int(params, "duration_in_months", minimum=1)
    if duration == "repeating" and months is None:
        raise parameter_missing("duration_in_months")
    if duration != "repeating" and months is not None:
        raise parameter_invalid(
            "duration_in_months",
            "duration_in_months can only be set when duration is 'repeating'.",
        )
    with state.lock:
        chosen = object_id or get_str(params, "id") or state.ids.short(8)
        if chosen in state.coupons:
            raise StripeError(
                400, "Coupon already exists.", code="resource_already_exists", param="id"
            )
        obj = objects.coupon(
            chosen,
            created if created is not None else state.now(),
            duration,
            percent_off=percent_off,
            amount_off=amount_off,
            currency=currency.lower() if currency else None,
            duration_in_months=months,
            name=get_str(params, "name") or None,
            max_redemptions=get_int(params, "max_redemptions", minimum=1),
            redeem_by=get_int(params, "redeem_by"),
            metadata=_metadata(params),
        )
        state.coupons.add(obj)
        if options:
            state.coupon_currency_options[chosen] = options
        state.emit("coupon.created", obj, request=request)
        return obj


def _currency_options(params: Params, amount_based: bool, currency: str | None) -> dict[str, Obj]:
    """``currency_options[<cur>][amount_off]``: the same fixed coupon in other currencies.

    Only amount-based coupons take them (https://docs.stripe.com/api/coupons/create#
    create_coupon-currency_options); a subscription in one of these currencies gets that
    amount off.
    """
    raw = get_dict(params, "currency_options")
    if not raw:
        return {}
    if not amount_based:
        raise parameter_invalid(
            "currency_options", "currency_options is only supported if amount_off is passed."
        )
    options: dict[str, Obj] = {}
    for code, entry in raw.items():
        prefix = f"currency_options[{code}]"
        option_currency = _check_currency(code, prefix)
        if not isinstance(entry, dict):
            raise parameter_invalid(prefix, "Invalid hash")
        check_known(entry, ("amount_off",), prefix)
        amount = get_int(entry, "amount_off", prefix, required=True, minimum=1)
        assert amount is not None
        _check_amount(amount, option_currency, f"{prefix}[amount_off]")
        if option_currency != currency:
            options[option_currency] = {"amount_off": amount}
    return options


def update_coupon(
    state: StripeState, coupon_id: str, params: Params, request: RequestInfo | None = None
) -> Obj:
    check_known(params, ("name", "metadata", "expand", "currency_options"))
    with state.lock:
        before = state.coupons.require(coupon_id)
        added = _currency_options(params, before["amount_off"] is not None, before["currency"])
        if added:
            known = state.coupon_currency_options.get(coupon_id, {})
            state.coupon_currency_options[coupon_id] = {**known, **added}
        after = dict(before)
        after["name"] = _nullable(params, "name", before["name"])
        after["metadata"] = apply_metadata(before["metadata"], params)
        return _updated(state, "coupons", before, after, "coupon.updated", request)


def delete_coupon(state: StripeState, coupon_id: str, request: RequestInfo | None = None) -> Obj:
    return _deleted(state, "coupons", "coupon", coupon_id, request)


# -- tax rates -------------------------------------------------------------------------------

TAX_RATE_PARAMS = (
    "display_name",
    "percentage",
    "inclusive",
    "active",
    "country",
    "state",
    "jurisdiction",
    "description",
    "tax_type",
    "metadata",
    "expand",
)
TAX_TYPES = (
    "amusement_tax",
    "communications_tax",
    "gst",
    "hst",
    "igst",
    "jct",
    "lease_tax",
    "pst",
    "qst",
    "retail_delivery_fee",
    "rst",
    "sales_tax",
    "service_tax",
    "vat",
)


def create_tax_rate(
    state: StripeState,
    params: Params,
    request: RequestInfo | None = None,
    *,
    object_id: str | None = None,
    created: int | None = None,
) -> Obj:
    check_known(params, TAX_RATE_PARAMS)
    display_name = get_str(params, "display_name", required=True) or ""
    percentage = get_float(params, "percentage")
    if percentage is None:
        raise parameter_missing("percentage")
    if not 0 <= percentage <= 100:
        raise parameter_invalid("percentage", "Percentage must be between 0 and 100.")
    inclusive = get_bool(params, "inclusive")
    if inclusive is None:
        raise parameter_missing("inclusive")
    with state.lock:
        obj = objects.tax_rate(
            object_id or state.new_id("txr"),
            created if created is not None else state.now(),
            display_name,
            int(percentage) if percentage == int(percentage) else percentage,
            inclusive,
            active=get_bool(params, "active") is not False,
            country=get_str(params, "country") or None,
            state=get_str(params, "state") or None,
            jurisdiction=get_str(params, "jurisdiction") or None,
            description=get_str(params, "description") or None,
            tax_type=get_enum(params, "tax_type", TAX_TYPES),
            metadata=_metadata(params),
        )
        state.tax_rates.add(obj)
        state.emit("tax_rate.created", obj, request=request)
        return obj


def update_tax_rate(
    state: StripeState, tax_rate_id: str, params: Params, request: RequestInfo | None = None
) -> Obj:
    check_known(params, [p for p in TAX_RATE_PARAMS if p not in ("percentage", "inclusive")])
    with state.lock:
        before = state.tax_rates.require(tax_rate_id)
        after = dict(before)
        active = get_bool(params, "active")
        if active is not None:
            after["active"] = active
        if "display_name" in params:
            after["display_name"] = get_str(params, "display_name") or before["display_name"]
        for key in ("country", "state", "jurisdiction", "description"):
            after[key] = _nullable(params, key, before[key])
        if "tax_type" in params:
            after["tax_type"] = get_enum(params, "tax_type", TAX_TYPES)
        after["metadata"] = apply_metadata(before["metadata"], params)
        return _updated(state, "tax_rates", before, after, "tax_rate.updated", request)


# -- webhook endpoints -----------------------------------------------------------------------

WEBHOOK_PARAMS = (
    "url",
    "enabled_events",
    "description",
    "metadata",
    "api_version",
    "connect",
    "expand",
    "disabled",
)


def create_webhook_endpoint(state: StripeState, params: Params) -> Obj:
    """Returns the endpoint *with* its ``secret``, which Stripe only shows at creation."""
    check_known(params, [p for p in WEBHOOK_PARAMS if p != "disabled"])
    url = get_str(params, "url", required=True) or ""
    if not url.startswith(("http://", "https://")):
        raise parameter_invalid("url", "Invalid URL: must be http or https.")
    events = get_str_list(params, "enabled_events")
    if not events:
        raise parameter_missing("enabled_events")
    with state.lock:
        obj = objects.webhook_endpoint(
            state.new_id("we"),
            state.now(),
            url,
            events,
            description=get_str(params, "description") or None,
            metadata=_metadata(params),
            api_version=get_str(params, "api_version") or None,
        )
        secret = state.new_webhook_secret()
        state.webhook_endpoints.add(obj)
        state.webhook_secrets[obj["id"]] = secret
        return {**obj, "secret": secret}


def update_webhook_endpoint(state: StripeState, endpoint_id: str, params: Params) -> Obj:
    check_known(params, [p for p in WEBHOOK_PARAMS if p not in ("connect", "api_version")])
    with state.lock:
        before = state.webhook_endpoints.require(endpoint_id)
        after = dict(before)
        if "url" in params:
            after["url"] = get_str(params, "url") or before["url"]
        if "enabled_events" in params:
            after["enabled_events"] = get_str_list(params, "enabled_events") or []
        after["description"] = _nullable(params, "description", before["description"])
        disabled = get_bool(params, "disabled")
        if disabled is not None:
            after["status"] = "disabled" if disabled else "enabled"
        after["metadata"] = apply_metadata(before["metadata"], params)
        state.webhook_endpoints.replace(after)
        return after


def delete_webhook_endpoint(state: StripeState, endpoint_id: str) -> Obj:
    with state.lock:
        state.webhook_endpoints.require(endpoint_id)
        state.webhook_endpoints.remove(endpoint_id)
        state.webhook_secrets.pop(endpoint_id, None)
        return objects.deleted(endpoint_id, "webhook_endpoint")
