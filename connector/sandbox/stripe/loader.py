"""Bulk loading for fast seeding: ``POST /__sandbox/load`` and :func:`load`.

Input (JSON; every list optional, processed in this order)::

    {
      "customers":     [{"id"?, "created"?, "email", "name", "metadata": {...},
                         "tax_id_data"?: [{"type", "value"}], ...}],
      "products":      [{"id"?, "created"?, "name", ...}],
      "prices":        [{"id"?, "created"?, "product", "currency", "unit_amount",
                         "recurring": {"interval": "month", "interval_count": 1},
                         "lookup_key"?, ...}],
      "coupons":       [{"id"?, "created"?, "percent_off" | "amount_off"+"currency",
                         "duration", "duration_in_months"?, ...}],
      "tax_rates":     [{"id"?, "created"?, "display_name", "percentage", "inclusive", ...}],
      "subscriptions": [{"id"?, "created"?, "customer", "items": [{"price", "quantity"?,
                         "discounts"?: [{"coupon"}],
                         "tax_rates"?: [...]}], "default_tax_rates"?, "discounts"?:
                         [{"coupon"}], "add_invoice_items"?: [{"price", "quantity"?}],
                         "trial_end"? | "trial_period_days"?, "metadata"?,
                         "cancel_at_period_end"?, "status"?: "past_due" | "unpaid" |
                         "paused" | "canceled" | ..., "canceled_at"?}]
    }

Each object takes the same parameters as its create endpoint, as JSON values instead of form
strings, plus an optional ``id`` and a ``created`` timestamp to backdate it. With
``"skip_existing": true``, customers and catalogue objects (products, prices, coupons, tax
rates) whose id already exists are left as they are instead of refused, so a second load can
share the first one's catalogue. Backdated
subscriptions are brought up to the sandbox's "now" (trials ended, periods rolled over) and an
optional ``status`` is then forced. Loading emits no events and no webhooks.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from connector.sandbox.stripe import catalog, subscriptions
from connector.sandbox.stripe.errors import StripeError
from connector.sandbox.stripe.lifecycle import process_subscription
from connector.sandbox.stripe.state import StripeState

Obj = dict[str, Any]
Creator = Callable[..., Obj]

ORDER: tuple[tuple[str, Creator], ...] = (
    ("customers", catalog.create_customer),
    ("products", catalog.create_product),
    ("prices", catalog.create_price),
    ("coupons", catalog.create_coupon),
    ("tax_rates", catalog.create_tax_rate),
    ("subscriptions", subscriptions.create_subscription),
)
KNOWN_SECTIONS = {name for name, _ in ORDER} | {"return_ids", "skip_existing"}


def to_params(value: Any) -> Any:
    """JSON values to the strings a form-encoded request would carry."""
    if isinstance(value, dict):
        return {str(k): to_params(v) for k, v in value.items()}
    if isinstance(value, list):
        return [to_params(v) for v in value]
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return ""
    return str(value)


def _load_subscription(state: StripeState, raw: Obj, now: int) -> Obj:
    params = dict(raw)
    object_id = params.pop("id", None)
    created = params.pop("created", None)
    status = params.pop("status", None)
    canceled_at = params.pop("canceled_at", None)
    sub = subscriptions.create_subscription(
        state,
        to_params(params),
        object_id=object_id,
        created=int(created) if created is not None else None,
    )
    if created is not None and int(created) < now:
        process_subscription(state, sub["id"], now)
    if status is not None and status != state.subscriptions.require(sub["id"])["status"]:
        if status == "canceled":
            current = state.subscriptions.require(sub["id"])
            at = int(canceled_at) if canceled_at is not None else now
            state.subscriptions.replace(
                {
                    **current,
                    "status": "canceled",
                    "canceled_at": at,
                    "ended_at": at,
                    "cancellation_details": {
                        **current["cancellation_details"],
                        "reason": "cancellation_requested",
                    },
                }
            )
        else:
            subscriptions.force_status(state, sub["id"], str(status))
    return state.subscriptions.require(sub["id"])


def load(state: StripeState, data: Obj) -> Obj:
    """Insert objects without events or webhooks; returns counts (and ids if asked)."""
    unknown = set(data) - KNOWN_SECTIONS
    if unknown:
        raise StripeError(400, f"Unknown sections: {', '.join(sorted(unknown))}")
    counts: dict[str, int] = {}
    ids: dict[str, list[str]] = {}
    skip_existing = bool(data.get("skip_existing"))
    collections = state.all_collections()
    with state.lock:
        previous = state.emit_events
        state.emit_events = False
        try:
            now = state.now()
            for section, create in ORDER:
                entries = data.get(section) or []
                if not isinstance(entries, list):
                    raise StripeError(400, f"{section} must be a list")
                created_ids: list[str] = []
                for index, entry in enumerate(entries):
                    try:
                        if not isinstance(entry, dict):
                            raise StripeError(400, "each entry must be an object")
                        if section == "subscriptions":
                            obj = _load_subscription(state, entry, now)
                        elif skip_existing and entry.get("id") in collections[section]:
                            continue
                        else:
                            params = dict(entry)
                            object_id = params.pop("id", None)
                            created = params.pop("created", None)
                            obj = create(
                                state,
                                to_params(params),
                                object_id=object_id,
                                created=int(created) if created is not None else None,
                            )
                    except StripeError as exc:
                        exc.message = f"{section}[{index}]: {exc.message}"
                        raise
                    created_ids.append(obj["id"])
                counts[section] = len(created_ids)
                ids[section] = created_ids
        finally:
            state.emit_events = previous
    result: Obj = {"loaded": counts}
    if data.get("return_ids"):
        result["ids"] = ids
    return result
