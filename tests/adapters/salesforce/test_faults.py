"""Injected failures: per-record refusals, transient errors, locks and expired sessions."""

from __future__ import annotations

import pytest

from adapters.memory import MemorySource
from adapters.salesforce import SalesforceTarget
from adapters.salesforce.session import SESSION_RENEWALS
from connector.errors import FatalAdapterError
from connector.mapping import CompiledMapping
from connector.reconciler import Reconciler
from connector.sandbox.common import FaultKind, FaultRule
from connector.sandbox.salesforce import SalesforceSandbox
from connector.store import SqliteStore
from tests.adapters.salesforce.helpers import FAST, MakeTarget, requests_for, write_all
from tests.factories import subscription

SUB_UPSERT = "/services/data/v59.0/composite/sobjects/Subscription__c"
QUERY = "/services/data/v59.0/query"


def keys_in(sandbox: SalesforceSandbox, sobject: str, field: str) -> list[str]:
    return sorted(str(r[field]) for r in sandbox.state.records(sobject))


def test_validation_refusal_is_reported_while_the_rest_of_the_batch_lands(
    target: SalesforceTarget, sandbox: SalesforceSandbox
) -> None:
    subs = [subscription(n) for n in range(200)]
    account_results = target.write("account", requests_for(target.mapping, "account", subs))
    assert all(r.ok for r in account_results)
    sandbox.injector.add_rule(
        FaultRule(
            kind=FaultKind.REJECT_RECORD,
            count=1,
            path_prefix=SUB_UPSERT,
            message="Plan changes need a signed order form",
        )
    )
    results = target.write("subscription", requests_for(target.mapping, "subscription", subs))
    assert len(results) == 200
    failed = [r for r in results if not r.ok]
    assert len(failed) == 1
    assert failed[0].key == "sub_00000"
    assert failed[0].error is not None
    assert failed[0].error.code == "FIELD_CUSTOM_VALIDATION_EXCEPTION"
    assert failed[0].error.message == "Plan changes need a signed order form"
    assert not failed[0].error.retryable
    assert len(sandbox.state.records("Subscription__c")) == 199
    assert target.calls.by_label["write subscription"] == 1


@pytest.mark.parametrize(
    "rule",
    [
        FaultRule(kind=FaultKind.HTTP_429, count=2, retry_after=1),
        FaultRule(kind=FaultKind.HTTP_503, count=2),
        FaultRule(kind=FaultKind.HTTP_500, count=1),
        FaultRule(kind=FaultKind.CONNECTION_RESET, count=2),
        FaultRule(kind=FaultKind.LOCK_ROW, count=3, path_prefix=SUB_UPSERT),
        FaultRule(kind=FaultKind.EXPIRED_SESSION, count=1),
        FaultRule(kind=FaultKind.HTTP_503, count=1, method="PATCH"),
        FaultRule(kind=FaultKind.HTTP_429, count=1, path_prefix=QUERY),
    ],
    ids=lambda rule: f"{rule.kind.value}-{rule.method or ''}{rule.path_prefix or ''}",
)
def test_transient_faults_are_survived_without_duplicates(
    target: SalesforceTarget, sandbox: SalesforceSandbox, rule: FaultRule
) -> None:
    subs = [subscription(n) for n in range(30)]
    # The injector's counts are kept across tests (clear() drops rules only): compare deltas.
    before = sandbox.injector.injected.get(rule.kind.value, 0)
    sandbox.injector.add_rule(rule)
    rec = Reconciler(MemorySource(subs), [target], SqliteStore(":memory:"))
    report = rec.reconcile_all()
    assert report.status == "clean", report.summary()
    assert sandbox.injector.injected.get(rule.kind.value, 0) - before == rule.count
    expected = sorted(s.id for s in subs)
    assert keys_in(sandbox, "Subscription__c", "Stripe_Subscription_Id__c") == expected
    assert len(sandbox.state.records("Account")) == 30
    second = rec.reconcile_all()
    assert second.cost["salesforce"].writes == 0


def test_lock_errors_are_resent_alone_after_a_pause(
    target: SalesforceTarget, sandbox: SalesforceSandbox
) -> None:
    subs = [subscription(n) for n in range(10)]
    target.write("account", requests_for(target.mapping, "account", subs))
    sandbox.injector.add_rule(FaultRule(kind=FaultKind.LOCK_ROW, count=2, path_prefix=SUB_UPSERT))
    results = target.write("subscription", requests_for(target.mapping, "subscription", subs))
    assert all(r.ok for r in results)
    assert target.calls.by_label["write subscription"] == 2  # the batch, then the 2 locked


def test_lasting_locks_are_reported_retryable(
    target: SalesforceTarget, sandbox: SalesforceSandbox
) -> None:
    subs = [subscription(n) for n in range(3)]
    target.write("account", requests_for(target.mapping, "account", subs))
    sandbox.injector.add_rule(FaultRule(kind=FaultKind.LOCK_ROW, path_prefix=SUB_UPSERT))
    results = target.write("subscription", requests_for(target.mapping, "subscription", subs))
    assert [r.ok for r in results] == [False, False, False]
    assert all(r.error is not None and r.error.retryable for r in results)
    assert all(r.error is not None and r.error.code == "UNABLE_TO_LOCK_ROW" for r in results)
    assert target.calls.by_label["write subscription"] == 3  # first try + 2 lock retries


def test_expired_session_logs_in_again_once(
    target: SalesforceTarget, sandbox: SalesforceSandbox
) -> None:
    write_all(target, [subscription(1)])
    sandbox.injector.add_rule(FaultRule(kind=FaultKind.EXPIRED_SESSION, count=1))
    assert set(target.read("subscription", ["sub_00001"])) == {"sub_00001"}
    assert sandbox.stats.snapshot()["POST login/soap"] == 2
    assert target.session.logins == 2


def test_a_session_expiring_again_right_after_a_login_is_renewed_again(
    target: SalesforceTarget, sandbox: SalesforceSandbox
) -> None:
    """Two expiries in a row on one call (each new session refused once) are transient."""
    write_all(target, [subscription(1)])
    sandbox.injector.add_rule(FaultRule(kind=FaultKind.EXPIRED_SESSION, count=2))
    assert set(target.read("subscription", ["sub_00001"])) == {"sub_00001"}
    assert target.session.logins == 3


def test_session_that_keeps_expiring_is_fatal(
    target: SalesforceTarget, sandbox: SalesforceSandbox
) -> None:
    sandbox.injector.add_rule(FaultRule(kind=FaultKind.EXPIRED_SESSION))
    with pytest.raises(FatalAdapterError) as info:
        target.read("subscription", ["sub_00001"])
    assert info.value.code == "INVALID_SESSION_ID"
    # The first login, then a re-login for each renewal.
    assert sandbox.stats.snapshot()["POST login/soap"] == 1 + SESSION_RENEWALS


def test_given_session_cannot_be_renewed(
    make_target: MakeTarget, sandbox: SalesforceSandbox, target: SalesforceTarget
) -> None:
    session_id = target.session.client.session_id
    direct = make_target(
        username=None,
        password=None,
        security_token=None,
        instance_url=f"https://{target.session.client.sf_instance}",
        session_id=session_id,
    )
    assert direct.read("account", ["cus_1"]) == {}
    sandbox.state.sessions.invalidate_all()
    with pytest.raises(FatalAdapterError) as info:
        direct.read("account", ["cus_1"])
    assert info.value.code == "INVALID_SESSION_ID"
    assert session_id not in str(info.value)


def test_wrong_password_is_fatal_and_redacted(
    make_target: MakeTarget, sandbox: SalesforceSandbox
) -> None:
    bad = make_target(password="not-the-password-123")
    with pytest.raises(FatalAdapterError) as info:
        bad.read("account", ["cus_1"])
    assert info.value.code.startswith("AUTH_FAILED")
    assert "not-the-password-123" not in str(info.value)
    assert sandbox.stats.snapshot()["POST login/soap"] == 1  # no retry storm on a refusal


def test_exhausted_retries_fail_the_batch_retryably(
    target: SalesforceTarget, sandbox: SalesforceSandbox
) -> None:
    subs = [subscription(n) for n in range(3)]
    target.read("account", ["cus_00000"])  # describe and log in before the faults
    sandbox.injector.add_rule(FaultRule(kind=FaultKind.HTTP_503, method="PATCH"))
    results = target.write("account", requests_for(target.mapping, "account", subs))
    assert all(not r.ok and r.error is not None and r.error.retryable for r in results)
    assert sandbox.state.records("Account") == []


def test_a_lost_batch_upsert_goes_on_record_by_record(
    target: SalesforceTarget, sandbox: SalesforceSandbox
) -> None:
    """An upsert of several records that runs out of retries is sent again record by record:
    no record is failed by a call that was not its own."""
    subs = [subscription(n) for n in range(3)]
    target.read("account", ["cus_00000"])  # describe and log in before the faults
    sandbox.injector.add_rule(
        FaultRule(kind=FaultKind.HTTP_503, method="PATCH", count=FAST.attempts + 1)
    )
    results = target.write("account", requests_for(target.mapping, "account", subs))
    # The batch's call lost every attempt; the first record's own call lost one more.
    assert [r.ok for r in results] == [True, True, True], [r.error for r in results]
    assert target.calls.by_label["write account"] == 1 + 3
    assert len(sandbox.state.records("Account")) == 3


def test_writes_answered_before_the_session_is_lost_count(
    make_target: MakeTarget, sandbox: SalesforceSandbox, mappings: dict[str, CompiledMapping]
) -> None:
    """The session dies for good between a batch's upsert and the resend of its locked
    record: the records Salesforce already answered for count as written, and only the
    unanswered one waits for Salesforce to come back."""

    def session_dies(_seconds: float) -> None:  # the pause before resending locked rows
        sandbox.injector.add_rule(FaultRule(kind=FaultKind.EXPIRED_SESSION))

    subs = [subscription(n) for n in range(3)]
    settings = make_target().settings
    target = SalesforceTarget(settings, mappings["salesforce"], policy=FAST, sleep=session_dies)
    sandbox.injector.add_rule(FaultRule(kind=FaultKind.LOCK_ROW, count=1, path_prefix=SUB_UPSERT))
    report = Reconciler(MemorySource(subs), [target], SqliteStore(":memory:")).reconcile_all()
    assert report.applied["salesforce.ok"] == 3 + 2, report.summary()  # accounts, then 2 of 3
    assert report.applied["salesforce.failed"] == 1
    assert report.dead_letters == 0
    assert "salesforce" in report.systems_down
    assert len(sandbox.state.records("Subscription__c")) == 2
