"""Reads (escaping, chunking, paging) and the daily-quota guard, against the sandbox."""

from __future__ import annotations

import pytest

from adapters.resilience import RetryPolicy
from adapters.salesforce import SalesforceTarget
from connector.errors import FatalAdapterError, RetryableAdapterError
from connector.mapping import CompiledMapping
from connector.sandbox.common import FaultKind, FaultRule, RunningServer, SandboxCertificates
from connector.sandbox.salesforce import SalesforceSandbox, SalesforceSandboxConfig
from tests.adapters.salesforce.conftest import StartSandbox
from tests.adapters.salesforce.helpers import (
    MakeTarget,
    new_target,
    requests_for,
    settings_for,
    write_all,
)
from tests.factories import customer, subscription

HOSTILE = [
    "sub_o'brien",
    "sub_back\\slash",
    "sub_' OR Stripe_Subscription_Id__c != '",
    'sub_dq"quote',
    "sub_100%_like",
    "sub_ünïcödé",
    "sub_\\' OR Name != null OR Name = '",
    "sub_line\nbreak\ttab",
]


def test_hostile_keys_are_escaped_and_round_trip(
    target: SalesforceTarget, sandbox: SalesforceSandbox
) -> None:
    subs = [
        subscription(n, id=key, customer=customer(n, id=f"cus_{key[4:]}"))
        for n, key in enumerate(HOSTILE)
    ]
    write_all(target, subs)
    write_all(target, [subscription(99)])  # a bystander no injection may reveal
    found = target.read("subscription", HOSTILE)
    assert set(found) == set(HOSTILE)
    for key in HOSTILE:
        ref = found[key].fields["Account__c"]
        assert ref == {"ref": "account", "key": f"cus_{key[4:]}"}
    # A key shaped like an injection matches nothing but itself.
    assert target.read("subscription", ["x' OR Stripe_Subscription_Id__c != 'x"]) == {}
    assert set(target.read("account", [f"cus_{k[4:]}" for k in HOSTILE])) == {
        f"cus_{k[4:]}" for k in HOSTILE
    }


def test_long_keys_are_split_across_queries_that_fit_the_uri_limit(
    target: SalesforceTarget, sandbox: SalesforceSandbox
) -> None:
    keys = [f"cus_{n:05d}_{'x' * 180}" for n in range(150)]
    sandbox.state.load({"Account": [{"Name": k[:20], "Stripe_Customer_Id__c": k} for k in keys]})
    seen: list[int] = []
    target.session.http.hooks["response"].append(
        lambda response, *_a, **_k: seen.append(len(response.request.url or ""))
    )
    found = target.read("account", keys)
    assert set(found) == set(keys)
    stats = sandbox.stats.snapshot()
    queries = stats.get("composite GET query", 0) + stats.get("GET query", 0)
    calls = stats.get("POST composite", 0) + stats.get("GET query", 0)
    assert queries >= 3
    # Up to five queries travel in one Composite call, which counts as one API call.
    assert calls == target.calls.by_label["read account"] == -(-queries // 5)
    assert max(seen) < 16_384 - 2_000


def test_a_rolled_back_composite_read_is_sent_again(
    target: SalesforceTarget, sandbox: SalesforceSandbox
) -> None:
    """A Composite answered with an allOrNone rollback (PROCESSING_HALTED) is retried."""
    keys = [f"cus_{n:05d}_{'x' * 180}" for n in range(150)]
    sandbox.state.load({"Account": [{"Name": k[:20], "Stripe_Customer_Id__c": k} for k in keys]})
    sandbox.injector.add_rule(FaultRule(kind=FaultKind.COMPOSITE_ROLLBACK, count=1))
    assert set(target.read("account", keys)) == set(keys)
    assert sandbox.stats.snapshot()["POST composite"] == 2


def test_read_batch_size_fits_one_api_call(
    target: SalesforceTarget, sandbox: SalesforceSandbox
) -> None:
    size = target.read_batch_size("subscription")
    subs = [subscription(n) for n in range(size)]
    write_all(target, subs)
    sandbox.stats.reset()
    reads_before = target.calls.by_label.get("read subscription", 0)
    found = target.read("subscription", [s.id for s in subs])
    assert len(found) == size
    stats = sandbox.stats.snapshot()
    assert stats.get("POST composite", 0) + stats.get("GET query", 0) == 1
    assert 1 < stats.get("composite GET query", 0) <= 5
    assert target.calls.by_label["read subscription"] - reads_before == 1


def test_pages_are_followed_through_next_records_url(
    start_sandbox: StartSandbox,
    sf_certs: SandboxCertificates,
    mappings: dict[str, CompiledMapping],
) -> None:
    box, running = start_sandbox(SalesforceSandboxConfig(query_batch_size=200))
    target = new_target(settings_for(box, running, sf_certs), mappings["salesforce"])
    keys = [f"cus_{n:05d}" for n in range(450)]
    box.state.load({"Account": [{"Name": k, "Stripe_Customer_Id__c": k} for k in keys]})
    found = target.read("account", keys)
    assert set(found) == set(keys)
    stats = box.stats.snapshot()
    assert stats["GET query"] == 1
    assert stats["GET query/more"] == 2
    assert target.calls.by_label["read account"] == 3


def test_an_expired_query_cursor_runs_the_query_again(
    start_sandbox: StartSandbox,
    sf_certs: SandboxCertificates,
    mappings: dict[str, CompiledMapping],
) -> None:
    """INVALID_QUERY_LOCATOR mid-read re-runs the query; every key comes once."""
    box, running = start_sandbox(SalesforceSandboxConfig(query_batch_size=200))
    target = new_target(settings_for(box, running, sf_certs), mappings["salesforce"])
    keys = [f"cus_{n:05d}" for n in range(450)]
    box.state.load({"Account": [{"Name": k, "Stripe_Customer_Id__c": k} for k in keys]})
    box.injector.add_rule(FaultRule(kind=FaultKind.EXPIRED_QUERY_LOCATOR, count=1))
    pages = list(target.scan_stamps("account"))
    scanned = [key for page in pages for key in page]
    assert sorted(scanned) == keys
    assert box.stats.snapshot()["GET query"] == 2  # the first run, then the whole query again
    box.injector.add_rule(FaultRule(kind=FaultKind.EXPIRED_QUERY_LOCATOR, count=1))
    assert set(target.read("account", keys)) == set(keys)


def test_a_cursor_that_keeps_expiring_is_retryable_not_fatal(
    start_sandbox: StartSandbox,
    sf_certs: SandboxCertificates,
    mappings: dict[str, CompiledMapping],
) -> None:
    """A cursor expiring on every run ends the read as retryable, never a stop."""
    box, running = start_sandbox(SalesforceSandboxConfig(query_batch_size=200))
    target = new_target(settings_for(box, running, sf_certs), mappings["salesforce"])
    keys = [f"cus_{n:05d}" for n in range(450)]
    box.state.load({"Account": [{"Name": k, "Stripe_Customer_Id__c": k} for k in keys]})
    box.injector.add_rule(FaultRule(kind=FaultKind.EXPIRED_QUERY_LOCATOR))
    with pytest.raises(RetryableAdapterError) as info:
        list(target.scan_stamps("account"))
    assert info.value.code == "INVALID_QUERY_LOCATOR"


def test_stop_share_stops_before_the_org_runs_dry(
    target: SalesforceTarget, sandbox: SalesforceSandbox
) -> None:
    sandbox.state.usage.set_used(int(sandbox.config.daily_api_limit * 0.96))
    with pytest.raises(FatalAdapterError) as info:
        target.read("account", ["cus_1"])  # the describe answers; the query is not made
    assert info.value.code == "REQUEST_LIMIT_EXCEEDED"
    assert "GET query" not in sandbox.stats.snapshot()
    with pytest.raises(FatalAdapterError):
        target.write("account", requests_for(target.mapping, "account", [subscription(1)]))
    assert sandbox.stats.snapshot().get("PATCH composite/sobjects/upsert") is None


def test_slowdown_share_lowers_the_pace(
    make_target: MakeTarget, sandbox: SalesforceSandbox
) -> None:
    target = make_target(requests_per_second=50, slowdown_requests_per_second=2)
    target.read("account", ["cus_1"])
    assert target.session.gate.rate == 50
    sandbox.state.usage.set_used(int(sandbox.config.daily_api_limit * 0.85))
    target.read("account", ["cus_1"])
    assert target.session.gate.rate == 2
    assert target.session.guard.usage is not None
    assert target.session.guard.usage.share > 0.85


def test_org_quota_refusal_is_fatal(target: SalesforceTarget, sandbox: SalesforceSandbox) -> None:
    target.read("account", ["cus_1"])
    sandbox.state.usage.set_used(sandbox.config.daily_api_limit)
    with pytest.raises(FatalAdapterError) as info:
        target.read("account", ["cus_2"])
    assert info.value.code == "REQUEST_LIMIT_EXCEEDED"


def test_retry_after_pauses_the_adapter(
    sandbox: SalesforceSandbox,
    sf_server: RunningServer,
    sf_certs: SandboxCertificates,
    mappings: dict[str, CompiledMapping],
) -> None:
    slept: list[float] = []
    target = SalesforceTarget(
        settings_for(sandbox, sf_server, sf_certs),
        mappings["salesforce"],
        policy=RetryPolicy(base_delay=0.001, max_delay=0.001),
        sleep=slept.append,
    )
    target.read("account", ["cus_1"])
    sandbox.injector.add_rule(FaultRule(kind=FaultKind.HTTP_429, count=1, retry_after=3))
    target.read("account", ["cus_1"])
    assert any(2.5 < s <= 3.0 for s in slept), slept


def test_many_queries_go_five_to_a_composite_call(
    target: SalesforceTarget, sandbox: SalesforceSandbox
) -> None:
    keys = [f"cus_{n:05d}_{'y' * 180}" for n in range(600)]
    sandbox.state.load({"Account": [{"Name": k[:20], "Stripe_Customer_Id__c": k} for k in keys]})
    target.read("account", keys[:1])  # the object's describe, once per run, is not a read
    sandbox.stats.reset()
    used_before = sandbox.state.usage.used
    reads_before = target.calls.by_label["read account"]
    found = target.read("account", keys)
    assert set(found) == set(keys)
    stats = sandbox.stats.snapshot()
    queries = stats.get("composite GET query", 0) + stats.get("GET query", 0)
    assert queries > 5
    calls = target.calls.by_label["read account"] - reads_before
    assert calls == -(-queries // 5)
    assert sandbox.state.usage.used - used_before == calls


def test_retry_after_as_an_http_date_pauses_the_adapter(
    sandbox: SalesforceSandbox,
    sf_server: RunningServer,
    sf_certs: SandboxCertificates,
    mappings: dict[str, CompiledMapping],
) -> None:
    """A 429 whose Retry-After is an HTTP-date pauses the adapter until that date."""
    slept: list[float] = []
    target = SalesforceTarget(
        settings_for(sandbox, sf_server, sf_certs),
        mappings["salesforce"],
        policy=RetryPolicy(base_delay=0.001, max_delay=0.001),
        sleep=slept.append,
    )
    target.read("account", ["cus_1"])
    sandbox.injector.add_rule(
        FaultRule(kind=FaultKind.HTTP_429, count=1, retry_after=60, retry_after_format="http-date")
    )
    target.read("account", ["cus_1"])
    # The date has whole seconds and is read a moment after it was written: about 59 s.
    assert any(30.0 < s <= 60.0 for s in slept), slept


@pytest.mark.parametrize("kind", [FaultKind.CONCURRENT_REQUESTS, FaultKind.CONCURRENT_LONG_TXN])
def test_concurrency_limits_are_waited_out(
    target: SalesforceTarget, sandbox: SalesforceSandbox, kind: FaultKind
) -> None:
    """Too many long-running requests in the org is transient: back off, retry, go on."""
    target.read("account", ["cus_1"])
    sandbox.injector.add_rule(FaultRule(kind=kind, count=2))
    assert target.read("account", ["cus_2"]) == {}
    assert target.session.resilient.retries == 2
    target.session.guard.check()  # not taken for the daily quota: calls are still allowed


def test_the_daily_quota_stops_salesforce_until_the_window_rolls(
    target: SalesforceTarget, sandbox: SalesforceSandbox
) -> None:
    """TotalRequests Limit exceeded stops the adapter: later calls are not even sent."""
    target.read("account", ["cus_1"])
    sandbox.injector.add_rule(FaultRule(kind=FaultKind.TOTAL_REQUESTS, count=1))
    with pytest.raises(FatalAdapterError) as info:
        target.read("account", ["cus_2"])
    assert info.value.code == "REQUEST_LIMIT_EXCEEDED"
    queries = sandbox.stats.snapshot().get("GET query", 0)
    with pytest.raises(FatalAdapterError):
        target.read("account", ["cus_3"])
    assert sandbox.stats.snapshot().get("GET query", 0) == queries
