"""The console's routes through Starlette's TestClient, over a store with real history: two
runs of the memory connector (a first load, then an upgrade and a cancellation)."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from pydantic import SecretStr
from starlette.applications import Starlette
from starlette.testclient import TestClient

from connector.config import ConsoleSettings, load_settings
from connector.console import console_app
from connector.console.auth import SESSION_COOKIE, Guard
from connector.daemon import Daemon
from connector.errors import ConfigError
from connector.exit_codes import ExitCode
from connector.schema import SubscriptionStatus
from connector.store import DaemonRecord, DeadLetter, StateStore, open_store, utcnow
from tests.cli.test_cli import _export, run, workdir  # noqa: F401 - the fixture
from tests.factories import item, subscription

TOKEN = "console-token-for-tests-0123456789"
HTML = {"accept": "text/html"}
MESSAGE = "Quantity__c must not exceed <b>the seats</b> & more"


def _history(workdir: Path) -> None:  # noqa: F811
    assert run(workdir, "reconcile")[0] == ExitCode.CLEAN
    subs = [json.loads(subscription(i).model_dump_json()) for i in range(1, 31)]
    subs[0] = json.loads(subscription(1, items=(item("pro", 3),)).model_dump_json())
    cancelled = subscription(2).replace(status=SubscriptionStatus.CANCELLED)
    subs[1] = json.loads(cancelled.model_dump_json())
    _export(workdir / "export.json", subs)
    assert run(workdir, "reconcile")[0] == ExitCode.CLEAN


def _letter(key: str) -> DeadLetter:
    now = utcnow()
    return DeadLetter(key, "salesforce", MESSAGE, "FIELD_INTEGRITY", False, "run_x", {}, now, now)


@pytest.fixture
def store(workdir: Path) -> Iterator[StateStore]:  # noqa: F811
    _history(workdir)
    settings = load_settings(workdir / "connector.toml")
    opened = open_store(settings.store_url)
    opened.add_dead_letters([_letter("sub_00003")])
    yield opened
    opened.close()


class Replays:
    def __init__(self) -> None:
        self.calls = 0

    def __call__(self) -> int:
        self.calls += 1
        return 0


@pytest.fixture
def replays() -> Replays:
    return Replays()


@pytest.fixture
def anonymous(store: StateStore, replays: Replays) -> Iterator[TestClient]:
    settings = ConsoleSettings(enabled=True, token=SecretStr(TOKEN))
    with TestClient(console_app(store, settings, replays), follow_redirects=False) as client:
        yield client


@pytest.fixture
def client(anonymous: TestClient) -> TestClient:
    """Logged in through the login form, as a browser does."""
    form = anonymous.get("/login", headers=HTML)
    nonce = re.search(r'name="csrf_token" value="([^"]+)"', form.text)
    assert nonce is not None
    answer = anonymous.post("/login", data={"token": TOKEN, "csrf_token": nonce.group(1)})
    assert answer.status_code == 303
    cookie = answer.headers["set-cookie"]
    assert "HttpOnly" in cookie
    assert "SameSite=strict" in cookie or "samesite=strict" in cookie.lower()
    return anonymous


def _csrf(page: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert found is not None, "the page has no form with a CSRF token"
    return found.group(1)


def test_every_page_refuses_a_request_without_the_token(anonymous: TestClient) -> None:
    """A browser is sent to the login form, anything else gets 401; no data either way."""
    for path in ("/", "/runs/x", "/audit", "/dead-letters", "/health", "/revenue"):
        page = anonymous.get(path, headers=HTML)
        assert page.status_code == 303, path
        assert page.headers["location"] == "/login"
        plain = anonymous.get(path)
        assert plain.status_code == 401, path
        assert "sub_" not in plain.text
    wrong = anonymous.get("/", headers={"authorization": "Bearer not-the-token"})
    assert wrong.status_code == 401
    anonymous.cookies.set(SESSION_COOKIE, "1.abc.def")
    assert anonymous.get("/").status_code == 401


def test_an_expired_session_is_refused() -> None:
    """A session older than the configured hours no longer opens a page."""
    now = [1_000_000.0]
    guard = Guard(TOKEN, 3600, clock=lambda: now[0])
    session = guard.new_session()
    assert guard.session_valid(session)
    now[0] += 3601
    assert not guard.session_valid(session)
    assert not Guard("another-token-0123456789", 3600).session_valid(session)


def test_a_wrong_token_at_login_is_refused(anonymous: TestClient) -> None:
    form = anonymous.get("/login", headers=HTML)
    answer = anonymous.post("/login", data={"token": "guess", "csrf_token": _csrf(form.text)})
    assert answer.status_code == 401
    assert SESSION_COOKIE not in answer.headers.get("set-cookie", "")


def test_a_login_without_its_form_nonce_is_refused(anonymous: TestClient) -> None:
    answer = anonymous.post("/login", data={"token": TOKEN, "csrf_token": "forged"})
    assert answer.status_code == 403


def test_a_bearer_token_opens_the_pages(anonymous: TestClient) -> None:
    page = anonymous.get("/health", headers={"authorization": f"Bearer {TOKEN}"})
    assert page.status_code == 200
    assert "Queue" in page.text


def test_run_history_shows_each_run_with_its_counts_and_calls(client: TestClient) -> None:
    page = client.get("/", headers=HTML)
    assert page.status_code == 200
    rows = re.findall(r"<tr>\s*<td>\d{4}-", page.text)
    assert len(rows) == 2
    assert "command line" in page.text
    assert "clean" in page.text
    # the first load's 30 subscriptions, and its API calls per system
    assert re.search(r'<td class="num">30</td>', page.text)
    assert "salesforce" in page.text
    assert "odoo" in page.text


def test_a_runs_page_shows_each_record_before_after_and_why(
    client: TestClient, store: StateStore
) -> None:
    """The second run: the upgrade's quantity went 1 -> 3 in both targets, because billing
    changed it."""
    latest = store.recent_runs(limit=1)[0]
    page = client.get(f"/runs/{latest.id}", headers=HTML)
    assert page.status_code == 200
    assert "sub_00001" in page.text
    assert "upgraded" in page.text
    assert "cancelled" in page.text
    assert "source_changed" in page.text
    assert re.search(r"<code>1</code></td><td><code>3</code></td>", page.text)
    assert "sub_00005" not in page.text  # unchanged subscriptions are not this run's changes


def test_a_runs_records_are_paged(client: TestClient, store: StateStore) -> None:
    """The first load audited 30 subscriptions: the first page shows at most 50, and asking
    for page 2 shows none of them again."""
    first = store.recent_runs(limit=2)[1]
    one = client.get(f"/runs/{first.id}", headers=HTML)
    two = client.get(f"/runs/{first.id}?page=2", headers=HTML)
    assert len(re.findall(r'<section class="entry">', one.text)) == 30
    assert 'rel="next"' not in one.text
    assert re.findall(r'<section class="entry">', two.text) == []
    assert client.get("/runs/no-such-run", headers=HTML).status_code == 404


def test_audit_search_filters_by_subscription_change_and_customer(client: TestClient) -> None:
    everything = client.get("/audit", headers=HTML).text
    assert len(re.findall(r'<section class="entry">', everything)) > 2
    one = client.get("/audit?subscription=sub_00001", headers=HTML).text
    keys = set(re.findall(r"<h3><a [^>]*>(sub_\d+)</a>", one))
    assert keys == {"sub_00001"}
    upgrades = client.get("/audit?change=upgraded", headers=HTML).text
    assert set(re.findall(r"<h3><a [^>]*>(sub_\d+)</a>", upgrades)) == {"sub_00001"}
    customer = subscription(2).customer.id
    theirs = client.get(f"/audit?customer={customer}", headers=HTML).text
    assert set(re.findall(r"<h3><a [^>]*>(sub_\d+)</a>", theirs)) == {"sub_00002"}
    nothing = client.get("/audit?system=salesforce&from=2001-01-01&to=2001-01-31", headers=HTML)
    assert "No audited changes here." in nothing.text


def test_audit_search_names_a_bad_date_instead_of_failing(client: TestClient) -> None:
    page = client.get("/audit?from=yesterday&change=exploded", headers=HTML)
    assert page.status_code == 200
    assert "from: &#39;yesterday&#39; is not a date; use YYYY-MM-DD" in page.text
    assert "change: &#39;exploded&#39; is not a kind of change" in page.text


def test_dead_letters_show_the_targets_message_escaped(client: TestClient) -> None:
    page = client.get("/dead-letters", headers=HTML)
    assert page.status_code == 200
    assert "Quantity__c must not exceed &lt;b&gt;the seats&lt;/b&gt; &amp; more" in page.text
    assert "<b>the seats</b>" not in page.text


def test_a_post_without_the_csrf_token_is_refused(
    client: TestClient, store: StateStore, replays: Replays
) -> None:
    (letter,) = store.list_dead_letters()
    for data in ({}, {"csrf_token": "forged"}):
        answer = client.post(f"/dead-letters/{letter.id}/replay", data=data)
        assert answer.status_code == 403
    assert store.queue_stats(utcnow()).queued == 0
    assert replays.calls == 0
    answer = client.post(f"/dead-letters/{letter.id}/resolve", data={"note": "x"})
    assert answer.status_code == 403
    assert store.count_dead_letters("open") == 1


def test_replay_queues_the_letters_subscription(
    client: TestClient, store: StateStore, replays: Replays
) -> None:
    """Like every trigger, a replay only queues the key; then the queue is worked."""
    (letter,) = store.list_dead_letters()
    page = client.get("/dead-letters", headers=HTML).text
    answer = client.post(f"/dead-letters/{letter.id}/replay", data={"csrf_token": _csrf(page)})
    assert answer.status_code == 303
    assert store.queue_stats(utcnow()).queued == 1
    assert replays.calls == 1
    after = client.get(answer.headers["location"], headers=HTML)
    assert f"Dead letter {letter.id} queued for replay." in after.text
    unknown = client.post("/dead-letters/999/replay", data={"csrf_token": _csrf(page)})
    assert unknown.status_code == 404


def test_a_replay_whose_work_fails_stays_queued_and_says_so(
    store: StateStore, replays: Replays
) -> None:
    """Working the queue here raised (a target down): the key stays queued, the page says
    so, and the error's text stays in the log."""

    def broken() -> int:
        raise RuntimeError("connection refused by db.internal:5432")

    settings = ConsoleSettings(enabled=True, token=SecretStr(TOKEN))
    bearer = {"authorization": f"Bearer {TOKEN}", **HTML}
    with TestClient(console_app(store, settings, broken), headers=bearer) as http:
        (letter,) = store.list_dead_letters()
        page = http.get("/dead-letters").text
        answer = http.post(f"/dead-letters/{letter.id}/replay", data={"csrf_token": _csrf(page)})
        assert answer.status_code == 200  # followed to the list
        assert "working the queue here failed" in answer.text
        assert "db.internal" not in answer.text
    assert store.queue_stats(utcnow()).queued == 1


def test_resolve_closes_the_letter_with_an_audited_note(
    client: TestClient, store: StateStore
) -> None:
    (letter,) = store.list_dead_letters()
    page = client.get("/dead-letters", headers=HTML).text
    empty = client.post(
        f"/dead-letters/{letter.id}/resolve", data={"csrf_token": _csrf(page), "note": " "}
    )
    assert empty.status_code == 400
    answer = client.post(
        f"/dead-letters/{letter.id}/resolve",
        data={"csrf_token": _csrf(page), "note": "fixed in Salesforce by hand"},
    )
    assert answer.status_code == 303
    assert store.count_dead_letters("open") == 0
    resolved = client.get("/dead-letters?status=resolved", headers=HTML).text
    assert f'id="letter-{letter.id}"' in resolved


def test_health_shows_queue_systems_down_last_syncs_and_daemons(
    client: TestClient, store: StateStore
) -> None:
    now = utcnow()
    store.enqueue(["sub_00009"], "poll", now)
    store.set_system_down("odoo", "AccessDenied: check the Odoo user", now, now)
    page = client.get("/health", headers=HTML).text
    assert "No daemon is running" in page
    store.beat_daemon(DaemonRecord("d1", "worker-host-7", 4242, now, now, 3))
    page = client.get("/health", headers=HTML).text
    assert re.search(r"queued \(ready or waiting\)</th><td class=\"num\">1</td>", page)
    assert "AccessDenied: check the Odoo user" in page
    synced = re.search(r'<table id="last-synced"[^>]*>(.*?)</table>', page, re.DOTALL)
    assert synced is not None
    assert "salesforce" in synced.group(1)
    daemons = re.search(r'<table id="daemons">(.*?)</table>', page, re.DOTALL)
    assert daemons is not None
    assert "worker-host-7" in daemons.group(1)
    assert '<td class="num">3</td>' in daemons.group(1)


def test_revenue_draws_charts_as_svg_without_scripts(client: TestClient) -> None:
    page = client.get("/revenue", headers=HTML).text
    assert page.count("<svg") == 2  # MRR per currency, and EUR's movements
    assert "<script" not in page
    assert "3,069.00" in page  # the closing MRR, exact, in the table


def test_pages_never_show_the_token(client: TestClient) -> None:
    for path in ("/", "/audit", "/dead-letters", "/health", "/revenue"):
        assert TOKEN not in client.get(path, headers=HTML).text


def test_a_store_failure_shows_no_internal_error_text(
    client: TestClient, store: StateStore
) -> None:
    """The error goes to the log; the page says what to check and nothing of the cause."""
    store.close()
    quiet = TestClient(client.app, raise_server_exceptions=False, cookies=client.cookies)
    page = quiet.get("/health", headers=HTML)
    assert page.status_code == 500
    assert "The console could not answer" in page.text
    assert "Error" not in page.text
    assert "sqlite" not in page.text.lower()


def test_the_console_is_off_unless_enabled_and_needs_a_token(workdir: Path) -> None:  # noqa: F811
    settings = load_settings(workdir / "connector.toml")
    assert not settings.console.enabled
    with pytest.raises(ValueError, match="at least 16 characters"):
        ConsoleSettings(enabled=True)
    (workdir / "on.toml").write_text("[console]\nenabled = true\n")
    with pytest.raises(ConfigError, match="CONNECTOR_CONSOLE__TOKEN"):
        load_settings(workdir / "on.toml")


def test_the_daemon_serves_the_console_under_console_when_enabled(
    workdir: Path,  # noqa: F811
    store: StateStore,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Off by default (404); enabled, /console/ asks for the token, then shows the runs."""
    config = workdir / "connector.toml"
    monkeypatch.setenv("CONNECTOR_WEBHOOK__SECRETS", "whsec_test_secret_0123456789")
    daemon = Daemon(load_settings(config), install_signals=False, workers=0)
    with TestClient(Starlette(routes=daemon.http_routes(store))) as http:
        assert http.get("/console/", headers=HTML).status_code == 404
    monkeypatch.setenv("CONNECTOR_CONSOLE__ENABLED", "true")
    monkeypatch.setenv("CONNECTOR_CONSOLE__TOKEN", TOKEN)
    daemon = Daemon(load_settings(config), install_signals=False, workers=0)
    with TestClient(Starlette(routes=daemon.http_routes(store)), follow_redirects=False) as http:
        assert http.get("/console/", headers=HTML).headers["location"] == "/console/login"
        page = http.get("/console/", headers={"authorization": f"Bearer {TOKEN}"})
        assert page.status_code == 200
        assert 'href="/console/audit"' in page.text
