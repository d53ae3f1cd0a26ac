"""Events: emitted per change, previous_attributes, filters and paging."""

from __future__ import annotations

import httpx

from tests.sandbox.stripe.helpers import Catalog, ok, subscribe


def _types(client: httpx.Client, **params: str) -> list[str]:
    return [e["type"] for e in ok(client.get("/v1/events", params=params))["data"]]


def test_catalog_changes_emit_events(client: httpx.Client, catalog: Catalog) -> None:
    """Creating the catalog emits customer/product/price/plan created events."""
    types = _types(client, limit="20")
    assert types.count("price.created") == 2
    assert types.count("plan.created") == 2
    assert {"customer.created", "product.created"} <= set(types)


def test_update_event_has_previous_attributes(client: httpx.Client, catalog: Catalog) -> None:
    """customer.subscription.updated carries the changed attributes' old values."""
    sub = subscribe(client, catalog, **{"metadata[a]": "1"})
    item_id = sub["items"]["data"][0]["id"]
    ok(
        client.post(
            f"/v1/subscriptions/{sub['id']}",
            data={"items[0][id]": item_id, "items[0][quantity]": "4", "metadata[a]": "2"},
        )
    )
    event = ok(client.get("/v1/events", params={"type": "customer.subscription.updated"}))["data"][
        0
    ]
    previous = event["data"]["previous_attributes"]
    assert previous["metadata"] == {"a": "1"}
    assert previous["items"]["data"][0]["quantity"] == 1
    assert event["data"]["object"]["items"]["data"][0]["quantity"] == 4
    assert event["request"]["id"].startswith("req_")


def test_created_event_has_no_previous_attributes(client: httpx.Client, catalog: Catalog) -> None:
    """*.created events have data.object only."""
    sub = subscribe(client, catalog)
    event = ok(client.get("/v1/events", params={"type": "customer.subscription.created"}))["data"][
        0
    ]
    assert event["data"]["object"]["id"] == sub["id"]
    assert "previous_attributes" not in event["data"]


def test_event_snapshot_is_frozen(client: httpx.Client, catalog: Catalog) -> None:
    """A later update does not change an earlier event's data.object."""
    sub = subscribe(client, catalog)
    ok(client.post(f"/v1/subscriptions/{sub['id']}", data={"description": "later"}))
    created = ok(client.get("/v1/events", params={"type": "customer.subscription.created"}))
    assert created["data"][0]["data"]["object"]["description"] is None


def test_cancel_emits_deleted(client: httpx.Client, catalog: Catalog) -> None:
    """Cancelling emits customer.subscription.deleted, not updated."""
    sub = subscribe(client, catalog)
    client.delete(f"/v1/subscriptions/{sub['id']}")
    assert _types(client, limit="1") == ["customer.subscription.deleted"]


def test_types_filter_and_wildcard(client: httpx.Client, catalog: Catalog) -> None:
    """types[] selects several types; type accepts a trailing wildcard."""
    subscribe(client, catalog)
    both = _types(client, **{"types[0]": "customer.created", "types[1]": "product.created"})
    assert sorted(both) == ["customer.created", "product.created"]
    assert _types(client, type="customer.subscription.*") == ["customer.subscription.created"]


def test_event_ids_monotonic_and_paging(client: httpx.Client, catalog: Catalog) -> None:
    """Event ids grow with creation order; starting_after pages through them."""
    first = ok(client.get("/v1/events", params={"limit": "3"}))
    ids = [e["id"] for e in first["data"]]
    assert ids == sorted(ids, reverse=True)
    rest = ok(client.get("/v1/events", params={"limit": "100", "starting_after": ids[-1]}))
    assert all(e["id"] < ids[-1] for e in rest["data"])
    assert len(ids) + len(rest["data"]) == 6


def test_retrieve_event_and_created_filter(client: httpx.Client, catalog: Catalog) -> None:
    """GET /v1/events/:id works and created[gt] excludes older events."""
    latest = ok(client.get("/v1/events", params={"limit": "1"}))["data"][0]
    assert ok(client.get(f"/v1/events/{latest['id']}")) == latest
    after = ok(client.get("/v1/events", params={"created[gt]": str(latest["created"])}))
    assert after["data"] == []
