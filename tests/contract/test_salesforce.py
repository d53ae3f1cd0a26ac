"""The contract, run against the Salesforce target on its sandbox (TLS, in-process)."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from adapters.salesforce import SalesforceTarget
from connector.mapping import CompiledMapping
from connector.sandbox.common import FaultKind, FaultRule, RunningServer, SandboxCertificates
from connector.sandbox.salesforce import SalesforceSandbox
from tests.adapters.salesforce import conftest as sf
from tests.adapters.salesforce.helpers import new_target, settings_for
from tests.contract.suite import CallProbe, Rig, TargetContract

# The session-scoped sandbox and its per-test reset, shared with the adapter's own tests.
sf_certs = sf.sf_certs
sf_sandbox = sf.sf_sandbox
sf_server = sf.sf_server
sandbox = sf.sandbox

UPSERT = "/services/data/v59.0/composite/sobjects/"


def fail_transiently(box: SalesforceSandbox) -> Callable[[], int]:
    """503s and a 429 on the upserts, which the adapter retries inside the call."""
    kinds = (FaultKind.HTTP_503, FaultKind.HTTP_429)
    # The injector's counts outlive clear() (it drops rules only): report the difference.
    before = sum(box.injector.injected.get(kind.value, 0) for kind in kinds)
    box.injector.add_rule(FaultRule(kind=FaultKind.HTTP_503, count=2, method="PATCH"))
    box.injector.add_rule(FaultRule(kind=FaultKind.HTTP_429, count=1, method="PATCH"))
    return lambda: sum(box.injector.injected.get(kind.value, 0) for kind in kinds) - before


@pytest.fixture
def rig(
    sandbox: SalesforceSandbox,
    sf_server: RunningServer,
    sf_certs: SandboxCertificates,
    mappings: dict[str, CompiledMapping],
) -> Iterator[Rig]:
    probe = CallProbe()
    built: list[SalesforceTarget] = []

    def build() -> SalesforceTarget:
        made = new_target(settings_for(sandbox, sf_server, sf_certs), mappings["salesforce"])
        http = made.session.http
        # Every request the adapter makes (logins included) goes through Session.request.
        http.request = probe.wrap(http.request)  # type: ignore[method-assign]
        built.append(made)
        return made

    target = build()
    sobjects = {obj.name: obj.target for obj in target.mapping.ordered()}
    subscriptions = target.mapping.ordered()[-1].target

    def refuse_first() -> None:
        sandbox.injector.add_rule(
            FaultRule(
                kind=FaultKind.REJECT_RECORD,
                count=1,
                path_prefix=UPSERT + subscriptions,
                message="Plan changes need a signed order form",
            )
        )

    def revoke() -> None:
        # The session is refused on every write, and again after logging in anew: the
        # user's API access is gone. Reads before the writes still answer.
        sandbox.injector.add_rule(FaultRule(kind=FaultKind.EXPIRED_SESSION, method="PATCH"))

    yield Rig(
        target=target,
        probe=probe,
        held=lambda: {name: len(sandbox.state.records(s)) for name, s in sobjects.items()},
        rebuild=build,
        refuse_first=refuse_first,
        fail_transiently=lambda: fail_transiently(sandbox),
        revoke=revoke,
    )
    for made in built:
        made.session.http.close()


class TestSalesforceTarget(TargetContract):
    """On the Salesforce sandbox."""
