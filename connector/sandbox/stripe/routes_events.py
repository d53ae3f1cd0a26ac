"""``/v1/events``: newest first, filters ``type`` (wildcards allowed), ``types[]``, ``created``."""

from __future__ import annotations

from typing import Any

from connector.sandbox.stripe.events import type_matches
from connector.sandbox.stripe.pagination import list_page
from connector.sandbox.stripe.params import get_bool, get_str, get_str_list, invalid
from connector.sandbox.stripe.routing import ApiRequest, ApiRoute
from connector.sandbox.stripe.state import StripeState

Obj = dict[str, Any]


def list_events(state: StripeState, req: ApiRequest) -> Obj:
    event_type = get_str(req.params, "type") or None
    types = get_str_list(req.params, "types")
    if event_type and types:
        raise invalid("You may only specify one of these parameters: type, types.")
    patterns = [event_type] if event_type else types

    # delivery_success=false: events still pending (or failed) on some endpoint.
    delivered = get_bool(req.params, "delivery_success")

    def predicate(event: Obj) -> bool:
        if delivered is not None and (event["pending_webhooks"] == 0) != delivered:
            return False
        return patterns is None or any(type_matches(p, event["type"]) for p in patterns)

    return list_page(
        state.events,
        req.params,
        "/v1/events",
        extra_params=("type", "types", "delivery_success"),
        predicate=predicate,
    )


ROUTES = [
    ApiRoute("GET", "/v1/events", list_events),
    ApiRoute("GET", "/v1/events/{id}", lambda s, r: s.events.require(r.id)),
]
