"""Subscription create / retrieve / update / cancel / pause / resume flows."""

from __future__ import annotations

import httpx

from tests.sandbox.stripe.helpers import Catalog, ok, subscribe

DAY = 86400


def _now(client: httpx.Client) -> int:
    now: int = ok(client.get("/__sandbox/clock"))["now"]
    return now


def test_create_active_subscription_with_item_period(
    client: httpx.Client, catalog: Catalog
) -> None:
    """A new subscription is active; its item carries a one-month current period."""
    sub = subscribe(client, catalog, **{"items[0][quantity]": "3", "metadata[crm]": "0061"})
    assert sub["status"] == "active"
    assert sub["customer"] == catalog.customer
    assert sub["metadata"] == {"crm": "0061"}
    assert "current_period_start" not in sub
    item = sub["items"]["data"][0]
    assert item["quantity"] == 3
    assert item["price"]["id"] == catalog.price
    assert item["plan"]["id"] == catalog.price
    assert 28 * DAY <= item["current_period_end"] - item["current_period_start"] <= 31 * DAY
    assert ok(client.get(f"/v1/subscriptions/{sub['id']}")) == sub


def test_create_with_trial_is_trialing(client: httpx.Client, catalog: Catalog) -> None:
    """trial_period_days puts the subscription in trialing until trial_end."""
    sub = subscribe(client, catalog, trial_period_days="14")
    assert sub["status"] == "trialing"
    assert sub["trial_end"] - sub["trial_start"] == 14 * DAY
    assert sub["items"]["data"][0]["current_period_end"] == sub["trial_end"]


def test_trial_end_now_activates(client: httpx.Client, catalog: Catalog) -> None:
    """Updating trial_end=now ends the trial and starts a paid period."""
    sub = subscribe(client, catalog, trial_period_days="14")
    updated = ok(client.post(f"/v1/subscriptions/{sub['id']}", data={"trial_end": "now"}))
    assert updated["status"] == "active"
    assert updated["trial_end"] == _now(client)


def test_update_quantity_by_item_id(client: httpx.Client, catalog: Catalog) -> None:
    """items[0][id] + quantity changes that item in place."""
    sub = subscribe(client, catalog)
    item_id = sub["items"]["data"][0]["id"]
    updated = ok(
        client.post(
            f"/v1/subscriptions/{sub['id']}",
            data={"items[0][id]": item_id, "items[0][quantity]": "7"},
        )
    )
    assert [(i["id"], i["quantity"]) for i in updated["items"]["data"]] == [(item_id, 7)]


def test_add_and_delete_items(client: httpx.Client, catalog: Catalog) -> None:
    """An item without id is added; deleted=true removes one."""
    product = ok(client.post("/v1/products", data={"name": "Seats"}))["id"]
    seats = ok(
        client.post(
            "/v1/prices",
            data={
                "product": product,
                "currency": "eur",
                "unit_amount": "500",
                "recurring[interval]": "month",
            },
        )
    )["id"]
    sub = subscribe(client, catalog)
    first = sub["items"]["data"][0]["id"]
    added = ok(client.post(f"/v1/subscriptions/{sub['id']}", data={"items[0][price]": seats}))
    assert [i["price"]["id"] for i in added["items"]["data"]] == [catalog.price, seats]
    new_item = added["items"]["data"][1]
    assert new_item["current_period_end"] == added["items"]["data"][0]["current_period_end"]
    removed = ok(
        client.post(
            f"/v1/subscriptions/{sub['id']}",
            data={"items[0][id]": first, "items[0][deleted]": "true"},
        )
    )
    assert [i["id"] for i in removed["items"]["data"]] == [new_item["id"]]


def test_price_change_to_other_interval_resets_period(
    client: httpx.Client, catalog: Catalog
) -> None:
    """Switching an item to a yearly price keeps the item id and starts a yearly period."""
    sub = subscribe(client, catalog)
    item_id = sub["items"]["data"][0]["id"]
    updated = ok(
        client.post(
            f"/v1/subscriptions/{sub['id']}",
            data={"items[0][id]": item_id, "items[0][price]": catalog.yearly_price},
        )
    )
    item = updated["items"]["data"][0]
    assert item["id"] == item_id
    assert item["price"]["recurring"]["interval"] == "year"
    assert item["current_period_end"] - item["current_period_start"] >= 365 * DAY


def test_mixed_currencies_are_rejected(client: httpx.Client, catalog: Catalog) -> None:
    """Items must share currency and interval."""
    usd = ok(
        client.post(
            "/v1/prices",
            data={
                "product": catalog.product,
                "currency": "usd",
                "unit_amount": "100",
                "recurring[interval]": "month",
            },
        )
    )["id"]
    response = client.post(
        "/v1/subscriptions",
        data={
            "customer": catalog.customer,
            "items[0][price]": catalog.price,
            "items[1][price]": usd,
        },
    )
    assert response.status_code == 400
    assert "currency" in response.json()["error"]["message"]


def test_cancel_at_period_end_sets_cancel_at(client: httpx.Client, catalog: Catalog) -> None:
    """cancel_at_period_end=true schedules cancel_at at the period end; false clears it."""
    sub = subscribe(client, catalog)
    period_end = sub["items"]["data"][0]["current_period_end"]
    scheduled = ok(
        client.post(f"/v1/subscriptions/{sub['id']}", data={"cancel_at_period_end": "true"})
    )
    assert scheduled["cancel_at_period_end"] is True
    assert scheduled["cancel_at"] == period_end
    assert scheduled["canceled_at"] == _now(client)
    assert scheduled["status"] == "active"
    cleared = ok(
        client.post(f"/v1/subscriptions/{sub['id']}", data={"cancel_at_period_end": "false"})
    )
    assert (cleared["cancel_at"], cleared["canceled_at"]) == (None, None)


def test_cancel_at_and_period_end_are_exclusive(client: httpx.Client, catalog: Catalog) -> None:
    """cancel_at and cancel_at_period_end cannot be sent together."""
    sub = subscribe(client, catalog)
    response = client.post(
        f"/v1/subscriptions/{sub['id']}",
        data={"cancel_at_period_end": "true", "cancel_at": str(_now(client) + DAY)},
    )
    assert response.status_code == 400


def test_clock_applies_scheduled_cancellation(client: httpx.Client, catalog: Catalog) -> None:
    """Advancing past cancel_at cancels the subscription and hides it from default lists."""
    sub = subscribe(client, catalog)
    ok(client.post(f"/v1/subscriptions/{sub['id']}", data={"cancel_at_period_end": "true"}))
    ok(client.post("/__sandbox/clock", json={"advance_seconds": 32 * DAY}))
    canceled = ok(client.get(f"/v1/subscriptions/{sub['id']}"))
    assert canceled["status"] == "canceled"
    assert canceled["ended_at"] == canceled["cancel_at"]
    assert ok(client.get("/v1/subscriptions"))["data"] == []


def test_clock_renews_periods(client: httpx.Client, catalog: Catalog) -> None:
    """Advancing time past the period end rolls the item's period over."""
    sub = subscribe(client, catalog)
    old_end = sub["items"]["data"][0]["current_period_end"]
    ok(client.post("/__sandbox/clock", json={"now": old_end + 60}))
    renewed = ok(client.get(f"/v1/subscriptions/{sub['id']}"))["items"]["data"][0]
    assert renewed["current_period_start"] == old_end
    assert renewed["current_period_end"] > old_end + 27 * DAY


def test_clock_ends_trial(client: httpx.Client, catalog: Catalog) -> None:
    """When the trial ends the subscription becomes active."""
    sub = subscribe(client, catalog, trial_period_days="3")
    ok(client.post("/__sandbox/clock", json={"advance_seconds": 4 * DAY}))
    assert ok(client.get(f"/v1/subscriptions/{sub['id']}"))["status"] == "active"


def test_trial_end_without_payment_method_can_pause(client: httpx.Client, catalog: Catalog) -> None:
    """missing_payment_method=pause turns an ended trial into status paused."""
    sub = subscribe(
        client,
        catalog,
        trial_period_days="3",
        **{"trial_settings[end_behavior][missing_payment_method]": "pause"},
    )
    ok(client.post("/__sandbox/clock", json={"advance_seconds": 4 * DAY}))
    assert ok(client.get(f"/v1/subscriptions/{sub['id']}"))["status"] == "paused"
    types = [e["type"] for e in ok(client.get("/v1/events", params={"limit": 5}))["data"]]
    assert "customer.subscription.paused" in types


def test_cancel_immediately(client: httpx.Client, catalog: Catalog) -> None:
    """DELETE cancels now; cancelling again is 404 like Stripe."""
    sub = subscribe(client, catalog)
    canceled = ok(
        client.request(
            "DELETE",
            f"/v1/subscriptions/{sub['id']}",
            params={"cancellation_details[comment]": "moving"},
        )
    )
    assert canceled["status"] == "canceled"
    assert canceled["canceled_at"] == canceled["ended_at"] == _now(client)
    assert canceled["cancellation_details"]["comment"] == "moving"
    assert client.delete(f"/v1/subscriptions/{sub['id']}").status_code == 404


def test_canceled_subscription_only_accepts_metadata(
    client: httpx.Client, catalog: Catalog
) -> None:
    """A canceled subscription rejects item updates but accepts metadata."""
    sub = subscribe(client, catalog)
    client.delete(f"/v1/subscriptions/{sub['id']}")
    rejected = client.post(f"/v1/subscriptions/{sub['id']}", data={"description": "x"})
    assert rejected.status_code == 400
    assert "cancellation_details and metadata" in rejected.json()["error"]["message"]
    ok(client.post(f"/v1/subscriptions/{sub['id']}", data={"metadata[a]": "b"}))


def test_pause_collection_set_and_clear(client: httpx.Client, catalog: Catalog) -> None:
    """pause_collection keeps status active; an empty value clears it."""
    sub = subscribe(client, catalog)
    resumes = _now(client) + 10 * DAY
    paused = ok(
        client.post(
            f"/v1/subscriptions/{sub['id']}",
            data={
                "pause_collection[behavior]": "void",
                "pause_collection[resumes_at]": str(resumes),
            },
        )
    )
    assert paused["status"] == "active"
    assert paused["pause_collection"] == {"behavior": "void", "resumes_at": resumes}
    cleared = ok(client.post(f"/v1/subscriptions/{sub['id']}", data={"pause_collection": ""}))
    assert cleared["pause_collection"] is None


def test_pause_collection_resumes_at_clock(client: httpx.Client, catalog: Catalog) -> None:
    """The clock clears pause_collection once resumes_at passes."""
    sub = subscribe(client, catalog)
    ok(
        client.post(
            f"/v1/subscriptions/{sub['id']}",
            data={
                "pause_collection[behavior]": "keep_as_draft",
                "pause_collection[resumes_at]": str(_now(client) + DAY),
            },
        )
    )
    ok(client.post("/__sandbox/clock", json={"advance_seconds": 2 * DAY}))
    assert ok(client.get(f"/v1/subscriptions/{sub['id']}"))["pause_collection"] is None


def test_resume_requires_paused_status(client: httpx.Client, catalog: Catalog) -> None:
    """/resume is only for status=paused subscriptions."""
    sub = subscribe(client, catalog)
    response = client.post(f"/v1/subscriptions/{sub['id']}/resume")
    assert response.status_code == 400


def test_pause_then_resume(client: httpx.Client, catalog: Catalog) -> None:
    """/pause sets status paused and /resume makes it active with paused/resumed events."""
    sub = subscribe(client, catalog)
    assert ok(client.post(f"/v1/subscriptions/{sub['id']}/pause"))["status"] == "paused"
    resumed = ok(client.post(f"/v1/subscriptions/{sub['id']}/resume"))
    assert resumed["status"] == "active"
    types = {e["type"] for e in ok(client.get("/v1/events", params={"limit": 10}))["data"]}
    assert {"customer.subscription.paused", "customer.subscription.resumed"} <= types


def test_discounts_and_tax_rates(client: httpx.Client, catalog: Catalog) -> None:
    """discounts[n][coupon] creates discount ids; default_tax_rates are inlined objects."""
    coupon = ok(
        client.post(
            "/v1/coupons",
            data={"percent_off": "20", "duration": "repeating", "duration_in_months": "3"},
        )
    )
    tax = ok(
        client.post(
            "/v1/tax_rates",
            data={"display_name": "VAT", "percentage": "20", "inclusive": "false"},
        )
    )
    sub = subscribe(
        client,
        catalog,
        **{"discounts[0][coupon]": coupon["id"], "default_tax_rates[0]": tax["id"]},
    )
    assert sub["discounts"][0].startswith("di_")
    assert sub["default_tax_rates"][0]["id"] == tax["id"]
    cleared = ok(client.post(f"/v1/subscriptions/{sub['id']}", data={"discounts": ""}))
    assert cleared["discounts"] == []
    assert ok(client.get(f"/v1/coupons/{coupon['id']}"))["times_redeemed"] == 1


def test_metadata_merge_and_unset(client: httpx.Client, catalog: Catalog) -> None:
    """metadata[k]= unsets a key; other keys are merged."""
    sub = subscribe(client, catalog, **{"metadata[a]": "1", "metadata[b]": "2"})
    updated = ok(
        client.post(f"/v1/subscriptions/{sub['id']}", data={"metadata[a]": "", "metadata[c]": "3"})
    )
    assert updated["metadata"] == {"b": "2", "c": "3"}


def test_operator_status_change(client: httpx.Client, catalog: Catalog) -> None:
    """The admin status hook moves a subscription to past_due with an updated event."""
    sub = subscribe(client, catalog)
    changed = ok(
        client.post(f"/__sandbox/subscriptions/{sub['id']}/status", json={"status": "past_due"})
    )
    assert changed["status"] == "past_due"
    event = ok(client.get("/v1/events", params={"limit": 1}))["data"][0]
    assert event["data"]["previous_attributes"] == {"status": "active"}


def test_trial_will_end_three_days_before(client: httpx.Client, catalog: Catalog) -> None:
    """customer.subscription.trial_will_end is sent once, three days before the trial ends."""
    subscribe(client, catalog, trial_period_days="10")
    ok(client.post("/__sandbox/clock", json={"advance_seconds": 6 * DAY}))
    assert ok(client.get("/v1/events", params={"type": "*.trial_will_end"}))["data"] == []
    ok(client.post("/__sandbox/clock", json={"advance_seconds": 2 * DAY}))
    ok(client.post("/__sandbox/clock", json={"advance_seconds": 60}))
    events = ok(client.get("/v1/events", params={"type": "customer.subscription.trial_will_end"}))
    assert len(events["data"]) == 1


def test_clock_never_goes_back(client: httpx.Client) -> None:
    """Setting the clock to the past is refused."""
    now = _now(client)
    assert client.post("/__sandbox/clock", json={"now": now - 10}).status_code == 400
