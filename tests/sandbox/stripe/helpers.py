"""Helpers for the Stripe emulator tests: a Stripe-shaped client and a webhook receiver."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any

import httpx
from starlette.types import Receive, Scope, Send

SECRET_KEY = "sk_test_contract"
Obj = dict[str, Any]


def stripe_client(base_url: str, key: str = SECRET_KEY) -> httpx.Client:
    return httpx.Client(base_url=base_url, headers={"Authorization": f"Bearer {key}"}, timeout=10)


def ok(response: httpx.Response) -> Obj:
    assert response.status_code == 200, response.text
    body: Obj = response.json()
    return body


@dataclass
class Catalog:
    """One customer, product and monthly price to build subscriptions on."""

    customer: str
    product: str
    price: str
    yearly_price: str


def make_catalog(client: httpx.Client) -> Catalog:
    customer = ok(client.post("/v1/customers", data={"email": "ada@example.com"}))["id"]
    product = ok(client.post("/v1/products", data={"name": "Gold plan"}))["id"]
    price = ok(
        client.post(
            "/v1/prices",
            data={
                "product": product,
                "currency": "eur",
                "unit_amount": "1500",
                "recurring[interval]": "month",
            },
        )
    )["id"]
    yearly = ok(
        client.post(
            "/v1/prices",
            data={
                "product": product,
                "currency": "eur",
                "unit_amount": "15000",
                "recurring[interval]": "year",
            },
        )
    )["id"]
    return Catalog(customer, product, price, yearly)


def subscribe(client: httpx.Client, catalog: Catalog, **extra: str) -> Obj:
    data = {"customer": catalog.customer, "items[0][price]": catalog.price, **extra}
    return ok(client.post("/v1/subscriptions", data=data))


@dataclass
class Received:
    headers: dict[str, str]
    body: bytes


@dataclass
class WebhookReceiver:
    """An ASGI endpoint that records deliveries and answers with planned status codes."""

    planned: list[int] = field(default_factory=list)
    received: list[Received] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        headers = {k.decode().lower(): v.decode() for k, v in scope["headers"]}
        with self.lock:
            self.received.append(Received(headers, body))
            status = self.planned.pop(0) if self.planned else 200
        await send({"type": "http.response.start", "status": status, "headers": []})
        await send({"type": "http.response.body", "body": b"ok"})

    def reset(self, planned: list[int] | None = None) -> None:
        with self.lock:
            self.planned = list(planned or [])
            self.received = []
