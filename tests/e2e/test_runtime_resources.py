"""Against the emulators: closing a runtime releases its connections to the systems."""

from __future__ import annotations

from requests.adapters import HTTPAdapter

from adapters.salesforce.target import SalesforceTarget
from tests.e2e.conftest import E2E


def test_closing_the_runtime_closes_the_salesforce_connection(e2e: E2E) -> None:
    """After the runtime is closed, no connection to Salesforce stays open in its pool."""
    e2e.seed_billing(5)
    with e2e.runtime() as runtime:
        (target,) = [t for t in runtime.targets if isinstance(t, SalesforceTarget)]
        assert target.read("subscription", ["sub_0000001"]) == {}  # logs in, queries
        adapter = target.session.http.adapters["https://"]
        assert isinstance(adapter, HTTPAdapter)
        pools = adapter.poolmanager.pools
        assert len(pools) == 1  # the keep-alive connection to the org
    assert len(pools) == 0
