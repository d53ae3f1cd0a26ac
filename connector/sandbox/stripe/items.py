"""``/v1/subscription_items``: add, change and remove one item of a subscription.

Each call is the same change as ``POST /v1/subscriptions/{id}`` with one ``items[]`` entry,
and Stripe reports it the same way: one ``customer.subscription.updated`` event
(https://docs.stripe.com/api/subscription_items/create).
"""

from __future__ import annotations

from typing import Any

from connector.sandbox.stripe import objects
from connector.sandbox.stripe.errors import parameter_missing
from connector.sandbox.stripe.events import RequestInfo
from connector.sandbox.stripe.forms import Params
from connector.sandbox.stripe.params import check_known, get_str, invalid
from connector.sandbox.stripe.state import StripeState
from connector.sandbox.stripe.subscriptions import (
    ITEM_PARAMS,
    assert_known_item,
    retrieve_item,
    update_subscription,
)

Obj = dict[str, Any]
#: Parameters that apply to the whole change rather than to the item.
CHANGE_PARAMS = ("proration_behavior", "proration_date", "payment_behavior", "expand")
CREATE_PARAMS = (*ITEM_PARAMS, *CHANGE_PARAMS, "subscription", "price_data")
UPDATE_PARAMS = (*ITEM_PARAMS, *CHANGE_PARAMS, "price_data", "off_session")
DELETE_PARAMS = ("proration_behavior", "proration_date", "clear_usage")


def _split(params: Params) -> tuple[Params, Params]:
    """(the item's parameters, the change's parameters)."""
    change = {k: v for k, v in params.items() if k in CHANGE_PARAMS or k == "off_session"}
    item = {k: v for k, v in params.items() if k in ITEM_PARAMS or k == "price_data"}
    return item, change


def create_item(state: StripeState, params: Params, request: RequestInfo | None = None) -> Obj:
    check_known(params, CREATE_PARAMS)
    sub_id = get_str(params, "subscription")
    if not sub_id:
        raise parameter_missing("subscription")
    item, change = _split(params)
    with state.lock:
        state.subscriptions.require(sub_id, "subscription")
        after = update_subscription(state, sub_id, {**change, "items": [item]}, request)
        added: Obj = after["items"]["data"][-1]
        return added


def update_item(
    state: StripeState, item_id: str, params: Params, request: RequestInfo | None = None
) -> Obj:
    check_known(params, UPDATE_PARAMS)
    item, change = _split(params)
    with state.lock:
        sub_id = assert_known_item(state, item_id)
        update_subscription(state, sub_id, {**change, "items": [{**item, "id": item_id}]}, request)
        return retrieve_item(state, item_id)


def delete_item(
    state: StripeState, item_id: str, params: Params, request: RequestInfo | None = None
) -> Obj:
    check_known(params, DELETE_PARAMS)
    with state.lock:
        sub_id = assert_known_item(state, item_id)
        sub = state.subscriptions.require(sub_id)
        if len(sub["items"]["data"]) == 1:
            # Stripe keeps at least one item: the subscription itself is cancelled instead.
            raise invalid("A subscription must have at least one active item.", "item")
        change = {k: v for k, v in params.items() if k.startswith("proration")}
        items = [{"id": item_id, "deleted": "true"}]
        update_subscription(state, sub_id, {**change, "items": items}, request)
        state.subscription_items.pop(item_id, None)
        return objects.deleted(item_id, "subscription_item")
