"""End to end against the Stripe emulator (``connector.sandbox.stripe``) on loopback."""

from __future__ import annotations

import math
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from adapters.memory import MemoryTarget
from adapters.resilience import RateGate, Resilient, RetryPolicy
from adapters.stripe import StripeSettings, StripeSource, build_stripe_source
from adapters.stripe.judge import judge
from connector.errors import FatalAdapterError
from connector.mapping import CompiledMapping
from connector.reconciler import Reconciler
from connector.sandbox.common import make_certificates, serve_in_thread
from connector.sandbox.common.faults import FaultRule
from connector.sandbox.stripe import StripeSandboxConfig, create_stripe_app
from connector.schema import Money, SubscriptionStatus
from connector.store import SqliteStore

KEY = "sk_test_adapter_e2e_0123456789"
Obj = dict[str, Any]


@pytest.fixture(scope="module")
def emulator() -> Iterator[Any]:
    sandbox = create_stripe_app(StripeSandboxConfig(secret_key=KEY))
    yield sandbox
    sandbox.close()


@pytest.fixture(scope="module")
def base_url(emulator: Any) -> Iterator[str]:
    server = serve_in_thread(emulator.app)
    yield server.base_url
    server.stop()


@pytest.fixture
def stripe(emulator: Any, base_url: str) -> Iterator[httpx.Client]:
    """A plain client of the emulator, for setting up data as a Stripe user would."""
    emulator.state.reset()
    emulator.injector.clear()
    emulator.stats.reset()
    with httpx.Client(
        base_url=base_url, headers={"Authorization": f"Bearer {KEY}"}, timeout=10
    ) as client:
        yield client
    emulator.injector.clear()


@pytest.fixture
def source(base_url: str, stripe: httpx.Client) -> Iterator[StripeSource]:
    settings = StripeSettings(api_key=KEY, base_url=base_url, timeout_seconds=10)
    resilient = Resilient(
        settings.system,
        judge,
        RetryPolicy(attempts=settings.attempts, base_delay=0.01, max_delay=0.05),
        RateGate(),
    )
    with build_stripe_source(settings, resilient=resilient) as built:
        yield built


def ok(response: httpx.Response) -> Obj:
    assert response.status_code == 200, response.text
    body: Obj = response.json()
    return body


STATUSES = ("active", "trialing", "past_due", "unpaid", "paused", "canceled")


def _status(status: str) -> Obj:
    # A trial is started, not forced: the emulator's loader takes it as trial_period_days.
    return {"trial_period_days": 14} if status == "trialing" else {"status": status}


def load(stripe: httpx.Client, count: int) -> list[str]:
    """``count`` subscriptions over two currencies, six statuses and some coupons."""
    data = {
        "customers": [
            {
                "id": f"cus_{n}",
                "email": f"c{n}@example.com",
                "name": f"Customer {n}",
                "address": {"country": "FR"},
            }
            for n in range(10)
        ],
        "products": [
            {"id": "prod_pro", "name": "Pro", "metadata": {"plan_code": "PRO"}},
            {"id": "prod_team", "name": "Team"},
        ],
        "prices": [
            {
                "id": "price_eur",
                "product": "prod_pro",
                "currency": "eur",
                "unit_amount": 1500,
                "recurring": {"interval": "month"},
            },
            {
                "id": "price_jpy",
                "product": "prod_team",
                "currency": "jpy",
                "unit_amount": 4800,
                "recurring": {"interval": "year"},
                "lookup_key": "team_yearly",
            },
        ],
        "coupons": [
            {"id": "TEN", "percent_off": 10, "duration": "forever"},
            {"id": "JPY500", "amount_off": 500, "currency": "jpy", "duration": "once"},
        ],
        "subscriptions": [
            {
                "customer": f"cus_{n % 10}",
                "items": [
                    {"price": "price_jpy" if n % 3 == 0 else "price_eur", "quantity": 1 + n % 4}
                ],
                "discounts": (
                    [{"coupon": "JPY500" if n % 3 == 0 else "TEN"}] if n % 5 == 0 else []
                ),
                **_status(STATUSES[n % len(STATUSES)]),
            }
            for n in range(count)
        ],
        "return_ids": True,
    }
    body = ok(stripe.post("/__sandbox/load", json=data))
    ids: list[str] = body["ids"]["subscriptions"]
    return ids


def test_full_scan_costs_one_list_call_per_100(
    emulator: Any, stripe: httpx.Client, source: StripeSource
) -> None:
    ids = load(stripe, 321)
    pages = list(source.scan())
    found = {sub.id: sub for page in pages for sub in page.subscriptions}
    assert [error for page in pages for error in page.errors] == []
    assert set(found) == set(ids)
    assert source.calls.by_label["list subscriptions"] == math.ceil(321 / 100)
    assert source.calls.by_label["list products"] == 1  # both products, on the first page
    stats = emulator.stats.snapshot()
    assert stats.get("GET /v1/subscriptions") == 4
    assert {sub.status for sub in found.values()} == {
        SubscriptionStatus.ACTIVE,
        SubscriptionStatus.TRIALING,
        SubscriptionStatus.PAST_DUE,
        SubscriptionStatus.UNPAID,
        SubscriptionStatus.PAUSED,
        SubscriptionStatus.CANCELLED,
    }
    yen = found[ids[3]]  # n=3: JPY, quantity 4
    assert yen.items[0].unit_amount == Money.of("4800", "JPY")
    assert (yen.items[0].quantity, yen.plan_code) == (4, "team_yearly")
    euro = found[ids[5]]  # n=5: EUR with the TEN coupon
    assert euro.plan_code == "PRO"
    assert euro.discounts[0].percent_off is not None
    assert str(euro.discounts[0].percent_off) == "10"
    assert found[ids[0]].discounts[0].amount_off == Money.of("500", "JPY")


def test_get_by_keys(stripe: httpx.Client, source: StripeSource) -> None:
    ids = load(stripe, 5)
    read = source.get([ids[0], ids[4], "sub_does_not_exist"])
    assert set(read.found) == {ids[0], ids[4]}
    assert read.missing == frozenset({"sub_does_not_exist"})
    assert dict(read.errors) == {}
    assert read.found[ids[4]].status is SubscriptionStatus.PAUSED
    assert read.found[ids[0]].items[0].product_name == "Team"
    assert source.calls.by_label == {"get subscription": 3}


def test_changed_since_gives_exactly_the_changed_keys(
    stripe: httpx.Client, source: StripeSource
) -> None:
    ids = load(stripe, 12)  # loading emits no events
    (start,) = source.changed_since(None)
    assert start.full_scan_needed
    assert start.cursor is not None
    # n % 6: 0 and 6 are active, 1 trialing, 2 past_due
    updated, collection_paused, cancelled, paused = ids[1], ids[6], ids[2], ids[0]
    ok(stripe.post(f"/v1/subscriptions/{updated}", data={"metadata[crm]": "42"}))
    ok(
        stripe.post(
            f"/v1/subscriptions/{collection_paused}",
            data={"pause_collection[behavior]": "keep_as_draft"},
        )
    )
    ok(stripe.delete(f"/v1/subscriptions/{cancelled}"))
    ok(stripe.post(f"/v1/subscriptions/{paused}/pause", data={"type": "subscription"}))
    pages = list(source.changed_since(start.cursor))
    keys = [key for page in pages for key in page.keys]
    assert keys == [updated, collection_paused, cancelled, paused]
    assert not any(page.full_scan_needed for page in pages)
    read = source.get(keys)
    assert read.found[updated].metadata == {"crm": "42"}
    assert read.found[collection_paused].status is SubscriptionStatus.PAUSED
    assert read.found[collection_paused].pause is not None
    assert read.found[cancelled].status is SubscriptionStatus.CANCELLED
    assert read.found[paused].status is SubscriptionStatus.PAUSED
    # the cursor moved past them: nothing more
    assert [page.keys for page in source.changed_since(pages[-1].cursor)] in ([], [[]])


def test_customer_updates_reach_their_subscriptions(
    stripe: httpx.Client, source: StripeSource
) -> None:
    ids = load(stripe, 25)
    (start,) = source.changed_since(None)
    ok(stripe.post("/v1/customers/cus_3", data={"name": "Renamed"}))
    keys = [key for page in source.changed_since(start.cursor) for key in page.keys]
    assert sorted(keys) == sorted(ids[n] for n in (3, 13, 23))


def test_injected_429_and_503_are_survived(
    emulator: Any, stripe: httpx.Client, source: StripeSource
) -> None:
    ids = load(stripe, 150)
    emulator.injector.add_rule(
        FaultRule(kind="http_429", count=2, path_prefix="/v1/subscriptions", retry_after=0)
    )
    emulator.injector.add_rule(
        FaultRule(kind="http_503", count=2, path_prefix="/v1/", retry_after=0)
    )
    found = [sub.id for page in source.scan() for sub in page.subscriptions]
    assert sorted(found) == sorted(ids)
    assert source.client.resilient.retries == 4
    assert source.calls.by_label["list subscriptions"] == 2


def test_injected_lock_timeouts_are_retried(
    emulator: Any, stripe: httpx.Client, source: StripeSource
) -> None:
    """The emulator's 409 lock_timeout (Stripe-Should-Retry: true) is retried, not fatal."""
    ids = load(stripe, 3)
    emulator.injector.add_rule(FaultRule(kind="lock_row", count=2, path_prefix="/v1/subscriptions"))
    found = [sub.id for page in source.scan() for sub in page.subscriptions]
    assert sorted(found) == sorted(ids)
    assert source.client.resilient.retries == 2


@pytest.fixture(scope="module")
def tls_base(emulator: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Any]]:
    certificates = make_certificates(tmp_path_factory.mktemp("stripe-tls"))
    server = serve_in_thread(emulator.app, tls=certificates)
    yield server.base_url, certificates
    server.stop()


def test_tls_with_a_private_ca_bundle(stripe: httpx.Client, tls_base: tuple[str, Any]) -> None:
    base_url, certificates = tls_base
    ids = load(stripe, 3)
    trusted = StripeSettings(api_key=KEY, base_url=base_url, ca_bundle=certificates.ca_cert)
    with build_stripe_source(trusted) as source:
        assert sorted(s.id for page in source.scan() for s in page.subscriptions) == sorted(ids)
    untrusted = StripeSettings(api_key=KEY, base_url=base_url)
    with build_stripe_source(untrusted) as source, pytest.raises(FatalAdapterError) as caught:
        list(source.scan())
    assert caught.value.code == "tls_certificate"
    assert source.client.resilient.retries == 0


def test_the_reconciler_runs_on_the_stripe_source(
    stripe: httpx.Client,
    source: StripeSource,
    mappings: dict[str, CompiledMapping],
    tmp_path: Path,
) -> None:
    ids = load(stripe, 30)
    crm = MemoryTarget(mappings["salesforce"])
    erp = MemoryTarget(mappings["odoo"])
    store = SqliteStore(tmp_path / "state.db")
    try:
        reconciler = Reconciler(source, [crm, erp], store, chunk_size=16)
        (start,) = source.changed_since(None)
        full = reconciler.reconcile_all()
        assert full.status == "clean", full.summary()
        assert full.subscriptions == 30
        assert full.cost["stripe"].reads == 2  # one list call, one products call
        ok(stripe.post(f"/v1/subscriptions/{ids[6]}", data={"metadata[crm]": "1"}))
        ok(stripe.delete(f"/v1/subscriptions/{ids[7]}"))
        keys = [key for page in source.changed_since(start.cursor) for key in page.keys]
        assert keys == [ids[6], ids[7]]
        incremental = reconciler.reconcile(keys)
        assert incremental.status == "clean", incremental.summary()
        assert incremental.cost["stripe"].reads == 2  # one get per key, products inlined
    finally:
        store.close()
