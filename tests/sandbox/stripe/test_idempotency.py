"""Idempotency-Key replay and mismatch."""

from __future__ import annotations

import httpx

from tests.sandbox.stripe.helpers import Catalog, ok


def test_same_key_same_body_replays(client: httpx.Client, catalog: Catalog) -> None:
    """A retried POST with the same key returns the first response and creates nothing."""
    data = {"customer": catalog.customer, "items[0][price]": catalog.price}
    headers = {"Idempotency-Key": "key-1"}
    first = client.post("/v1/subscriptions", data=data, headers=headers)
    second = client.post("/v1/subscriptions", data=data, headers=headers)
    assert second.status_code == 200
    assert second.json() == first.json()
    assert second.headers["idempotent-replayed"] == "true"
    assert "idempotent-replayed" not in first.headers
    assert len(ok(client.get("/v1/subscriptions"))["data"]) == 1


def test_same_key_different_params_is_idempotency_error(
    client: httpx.Client, catalog: Catalog
) -> None:
    """Reusing a key with other parameters is a 400 idempotency_error."""
    headers = {"Idempotency-Key": "key-2"}
    client.post("/v1/customers", data={"name": "A"}, headers=headers)
    response = client.post("/v1/customers", data={"name": "B"}, headers=headers)
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["type"] == "idempotency_error"
    assert "key-2" in error["message"]


def test_validation_errors_are_not_saved(client: httpx.Client, catalog: Catalog) -> None:
    """A request that failed validation can be corrected and retried with the same key."""
    headers = {"Idempotency-Key": "key-3"}
    bad = client.post("/v1/customers", data={"bogus": "1"}, headers=headers)
    assert bad.status_code == 400
    good = client.post("/v1/customers", data={"name": "fixed"}, headers=headers)
    assert good.status_code == 200
    assert good.json()["name"] == "fixed"


def test_errors_after_execution_are_replayed(client: httpx.Client) -> None:
    """A 404 from an executed request is saved and replayed."""
    headers = {"Idempotency-Key": "key-4"}
    first = client.post("/v1/subscriptions/sub_nope", data={}, headers=headers)
    second = client.post("/v1/subscriptions/sub_nope", data={}, headers=headers)
    assert first.status_code == second.status_code == 404
    assert second.headers["idempotent-replayed"] == "true"
