"""Bulk loading, reset and SQLite persistence."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import httpx

from connector.sandbox.common import serve_in_thread
from connector.sandbox.stripe import StripeSandbox, StripeSandboxConfig, create_stripe_app
from connector.sandbox.stripe.loader import load
from tests.sandbox.stripe.helpers import SECRET_KEY, ok, stripe_client

DAY = 86400


def _dataset(count: int, created: int | None = None) -> dict[str, object]:
    subscription: dict[str, object] = {"customer": "cus_a", "items": [{"price": "price_a"}]}
    if created is not None:
        subscription["created"] = created
    return {
        "customers": [{"id": "cus_a", "email": "a@example.com"}],
        "products": [{"id": "prod_a", "name": "A"}],
        "prices": [
            {
                "id": "price_a",
                "product": "prod_a",
                "currency": "jpy",
                "unit_amount": 500,
                "recurring": {"interval": "month"},
            }
        ],
        "subscriptions": [dict(subscription) for _ in range(count)],
    }


def test_load_emits_no_events(client: httpx.Client, sandbox: StripeSandbox) -> None:
    """Bulk-loaded objects exist but produced no events."""
    result = ok(client.post("/__sandbox/load", json={**_dataset(3), "return_ids": True}))
    assert result["loaded"]["subscriptions"] == 3
    sub_id = result["ids"]["subscriptions"][0]
    assert ok(client.get(f"/v1/subscriptions/{sub_id}"))["customer"] == "cus_a"
    assert ok(client.get("/v1/events"))["data"] == []


def test_load_backdated_subscription_is_current(client: httpx.Client) -> None:
    """A subscription loaded with an old created date has a current period containing now."""
    now = ok(client.get("/__sandbox/clock"))["now"]
    result = ok(
        client.post("/__sandbox/load", json={**_dataset(1, now - 100 * DAY), "return_ids": True})
    )
    sub = ok(client.get(f"/v1/subscriptions/{result['ids']['subscriptions'][0]}"))
    item = sub["items"]["data"][0]
    assert item["current_period_start"] <= now < item["current_period_end"]
    assert sub["start_date"] == now - 100 * DAY


def test_load_with_status(client: httpx.Client) -> None:
    """A loaded subscription can be given a status such as canceled."""
    data = _dataset(0)
    data["subscriptions"] = [
        {"customer": "cus_a", "items": [{"price": "price_a"}], "status": "canceled"},
        {"customer": "cus_a", "items": [{"price": "price_a"}], "status": "past_due"},
    ]
    ok(client.post("/__sandbox/load", json=data))
    statuses = [s["status"] for s in ok(client.get("/v1/subscriptions?status=all"))["data"]]
    assert sorted(statuses) == ["canceled", "past_due"]


def test_load_error_names_the_entry(client: httpx.Client) -> None:
    """A bad entry is reported with its section and index."""
    data = _dataset(1)
    data["subscriptions"] = [{"customer": "cus_missing", "items": [{"price": "price_a"}]}]
    response = client.post("/__sandbox/load", json=data)
    assert response.status_code == 404
    assert response.json()["error"]["message"].startswith("subscriptions[0]:")


def test_reset_forgets_everything(client: httpx.Client) -> None:
    """POST /__sandbox/reset empties the state."""
    ok(client.post("/__sandbox/load", json=_dataset(2)))
    ok(client.post("/__sandbox/reset"))
    assert ok(client.get("/v1/subscriptions"))["data"] == []


def test_python_load_is_fast() -> None:
    """10,000 subscriptions load through the Python API in a few seconds."""
    sandbox = create_stripe_app(StripeSandboxConfig())
    try:
        started = time.perf_counter()
        result = load(sandbox.state, _dataset(10_000))
        elapsed = time.perf_counter() - started
    finally:
        sandbox.close()
    assert result["loaded"]["subscriptions"] == 10_000
    assert elapsed < 5


def test_persistence_survives_restart(tmp_path: Path) -> None:
    """State saved to SQLite on close is there after a restart."""
    path = tmp_path / "stripe.sqlite"
    first = create_stripe_app(StripeSandboxConfig(persist_path=path))
    load(first.state, _dataset(3))
    sub_ids = [s["id"] for s in first.state.subscriptions.values()]
    first.close()
    second = create_stripe_app(StripeSandboxConfig(persist_path=path))
    try:
        assert [s["id"] for s in second.state.subscriptions.values()] == sub_ids
        assert second.state.prices.require("price_a")["currency"] == "jpy"
        new_id = second.state.new_id("sub")
        assert new_id > max(sub_ids)
    finally:
        second.close()


def test_save_endpoint_writes_sqlite(tmp_path: Path) -> None:
    """POST /__sandbox/save writes the configured file, readable by a new emulator."""
    path = tmp_path / "demo.sqlite"
    first = create_stripe_app(StripeSandboxConfig(secret_key=SECRET_KEY, persist_path=path))
    server = serve_in_thread(first.app)
    try:
        with stripe_client(server.base_url) as http:
            customer = ok(http.post("/v1/customers", data={"name": "Kept"}))
            assert ok(http.post("/__sandbox/save"))["saved"] >= 1
    finally:
        server.stop()
        first.state.close()
    second = create_stripe_app(StripeSandboxConfig(persist_path=path))
    try:
        assert second.state.customers.require(customer["id"])["name"] == "Kept"
        assert len(second.state.events) == 1
    finally:
        second.close()


def test_python_api_operator_flow() -> None:
    """The in-process API mutates a subscription like an HTTP call, with events."""
    sandbox = create_stripe_app(StripeSandboxConfig())
    try:
        sandbox.state.load(_dataset(1))
        sub_id = next(iter(sandbox.state.subscriptions.values()))["id"]
        status, body = sandbox.request(
            "POST", f"/v1/subscriptions/{sub_id}", {"cancel_at_period_end": True}
        )
        assert (status, body["cancel_at_period_end"]) == (200, True)
        assert sandbox.state.set_subscription_status(sub_id, "past_due")["status"] == "past_due"
        result = sandbox.state.advance_clock(advance_seconds=40 * DAY)
        assert result["subscriptions_changed"] == 1
        status, sub = sandbox.request("GET", f"/v1/subscriptions/{sub_id}")
        assert sub["status"] == "canceled"
        status, events = sandbox.request("GET", "/v1/events", {"limit": 10})
        assert [e["type"] for e in events["data"]] == [
            "customer.subscription.deleted",
            "customer.subscription.updated",
            "customer.subscription.updated",
        ]
    finally:
        sandbox.close()


def test_lifespan_shutdown_saves(tmp_path: Path) -> None:
    """The ASGI lifespan shutdown saves the state to the persist path."""
    path = tmp_path / "life.sqlite"
    sandbox = create_stripe_app(StripeSandboxConfig(persist_path=path))
    sandbox.state.load(_dataset(1))
    messages = [{"type": "lifespan.startup"}, {"type": "lifespan.shutdown"}]
    sent: list[str] = []

    async def receive() -> dict[str, str]:
        return messages.pop(0)

    async def send(message: dict[str, str]) -> None:
        sent.append(message["type"])

    asyncio.run(sandbox({"type": "lifespan"}, receive, send))  # type: ignore[arg-type]
    assert sent == ["lifespan.startup.complete", "lifespan.shutdown.complete"]
    assert path.is_file()


def test_second_load_of_the_same_catalogue_is_refused_unless_skipped(
    client: httpx.Client,
) -> None:
    """Loading ids Stripe has is refused with the id; ``skip_existing`` leaves them as they
    are and loads the rest (a second seed sharing the first one's catalogue)."""
    first = _dataset(1)
    assert client.post("/__sandbox/load", json=first).status_code == 200
    again = client.post("/__sandbox/load", json=first)
    assert again.status_code == 400
    assert "already exists" in again.json()["error"]["message"]
    more = {**_dataset(2), "skip_existing": True}
    loaded = client.post("/__sandbox/load", json=more)
    assert loaded.status_code == 200
    assert loaded.json()["loaded"] == {
        "customers": 0,
        "products": 0,
        "prices": 0,
        "coupons": 0,
        "tax_rates": 0,
        "subscriptions": 2,
    }
