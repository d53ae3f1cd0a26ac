"""Authentication, versioning headers and Stripe's error shapes."""

from __future__ import annotations

import base64

import httpx

from connector.sandbox.common import RunningServer
from connector.sandbox.stripe import PINNED_API_VERSION
from tests.sandbox.stripe.helpers import SECRET_KEY, Catalog, ok


def test_missing_key_is_401_with_stripe_error(client: httpx.Client, server: RunningServer) -> None:
    """A request without Authorization gets 401 and an invalid_request_error body."""
    response = httpx.get(server.base_url + "/v1/customers")
    assert response.status_code == 401
    error = response.json()["error"]
    assert error["type"] == "invalid_request_error"
    assert "did not provide an API key" in error["message"]


def test_wrong_key_is_401_and_redacted(client: httpx.Client, server: RunningServer) -> None:
    """A wrong key gets 401; the message shows only the key's last four characters."""
    response = httpx.get(
        server.base_url + "/v1/customers",
        headers={"Authorization": "Bearer sk_test_wrongwrongwrong1234"},
    )
    assert response.status_code == 401
    message = response.json()["error"]["message"]
    assert message.startswith("Invalid API Key provided: sk_test_")
    assert message.endswith("1234")
    assert "wrongwrong" not in message


def test_basic_auth_with_key_as_user_is_accepted(
    client: httpx.Client, server: RunningServer
) -> None:
    """HTTP basic auth with the secret key as user name works like Bearer."""
    token = base64.b64encode(f"{SECRET_KEY}:".encode()).decode()
    response = httpx.get(
        server.base_url + "/v1/customers", headers={"Authorization": f"Basic {token}"}
    )
    assert response.status_code == 200


def test_version_header_defaults_to_pinned_and_echoes(client: httpx.Client) -> None:
    """Stripe-Version is echoed back, defaulting to the pinned version; Request-Id is set."""
    plain = client.get("/v1/customers")
    assert plain.headers["stripe-version"] == PINNED_API_VERSION
    assert plain.headers["request-id"].startswith("req_")
    pinned = client.get("/v1/customers", headers={"Stripe-Version": "2025-03-31.basil"})
    assert pinned.headers["stripe-version"] == "2025-03-31.basil"


def test_unknown_id_is_404_resource_missing(client: httpx.Client) -> None:
    """Retrieving an unknown subscription gives Stripe's resource_missing error with param id."""
    response = client.get("/v1/subscriptions/sub_missing")
    assert response.status_code == 404
    error = response.json()["error"]
    assert error["code"] == "resource_missing"
    assert error["param"] == "id"
    assert error["message"] == "No such subscription: 'sub_missing'"


def test_missing_param_is_parameter_missing(client: httpx.Client) -> None:
    """Creating a subscription without customer names the missing parameter."""
    response = client.post("/v1/subscriptions", data={"items[0][price]": "price_x"})
    assert response.status_code == 400
    error = response.json()["error"]
    assert (error["code"], error["param"]) == ("parameter_missing", "customer")


def test_unknown_param_is_parameter_unknown(client: httpx.Client, catalog: Catalog) -> None:
    """An unknown (nested) parameter is rejected with its bracketed name."""
    response = client.post(
        "/v1/subscriptions",
        data={"customer": catalog.customer, "items[0][price]": catalog.price, "items[0][x]": "1"},
    )
    assert response.status_code == 400
    error = response.json()["error"]
    assert (error["code"], error["param"]) == ("parameter_unknown", "items[0][x]")


def test_invalid_enum_is_parameter_invalid(client: httpx.Client, catalog: Catalog) -> None:
    """A bad value is parameter_invalid with the parameter's name."""
    response = client.post(
        "/v1/prices",
        data={
            "product": catalog.product,
            "currency": "usd",
            "unit_amount": "100",
            "recurring[interval]": "fortnight",
        },
    )
    assert response.status_code == 400
    error = response.json()["error"]
    assert (error["code"], error["param"]) == ("parameter_invalid", "recurring[interval]")


def test_limit_over_100_is_rejected(client: httpx.Client) -> None:
    """List limit must be between 1 and 100."""
    response = client.get("/v1/subscriptions", params={"limit": "101"})
    assert response.status_code == 400
    assert response.json()["error"]["param"] == "limit"


def test_wrong_method_is_405_and_unknown_path_404(client: httpx.Client) -> None:
    """A known path with an unsupported method is 405; an unknown URL is 404."""
    wrong_method = client.put("/v1/subscriptions")
    assert wrong_method.status_code == 405
    assert wrong_method.headers["allow"] == "GET, POST"
    missing = client.get("/v1/nothing_here")
    assert missing.status_code == 404
    assert "Unrecognized request URL" in missing.json()["error"]["message"]


def test_stats_count_calls_by_label(client: httpx.Client, catalog: Catalog) -> None:
    """Each API call is counted once under a label with ids replaced by :id."""
    client.get(f"/v1/customers/{catalog.customer}")
    client.get(f"/v1/customers/{catalog.customer}")
    stats = ok(client.get("/__sandbox/stats"))["calls"]
    assert stats["GET /v1/customers/:id"] == 2
    assert stats["POST /v1/prices"] == 2
