"""The console in a real headless Chromium, served by `connector console` over the store of
a run against the sandbox: every page loads, the audit search filters, a dead letter replayed
from its page reaches Salesforce, and requests without the token or the CSRF token are
refused. A screenshot of each page is kept (see the ``artifacts`` fixture)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.e2e.conftest import E2E
from tests.e2e.test_dead_letters_cli import REJECTION, _refused_once

TOKEN = "browser-console-token-0123456789"
WAIT_MS = 120_000  # a replay reconciles against the sandbox before the page answers


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _wait_until_serving(url: str, process: subprocess.Popen[bytes]) -> None:
    for _ in range(300):
        if process.poll() is not None:
            raise AssertionError(f"connector console exited with {process.returncode}")
        try:
            if httpx.get(f"{url}/login", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    raise AssertionError("connector console did not start")


@pytest.fixture
def console(e2e: E2E) -> Iterator[tuple[str, dict[str, Any]]]:
    """A first run in which Salesforce refused one record, and `connector console` over it."""
    config, letter = _refused_once(e2e, 3)
    port = _free_port()
    env = {
        **os.environ,
        "CONNECTOR_CONSOLE__TOKEN": TOKEN,
        "CONNECTOR_LOG_LEVEL": "WARNING",
    }
    command = [sys.executable, "-c", "from connector.cli.app import main; main()"]
    process = subprocess.Popen(
        [*command, "console", "--config", str(config), "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_until_serving(url, process)
        yield url, letter
    finally:
        process.terminate()
        process.wait(timeout=30)


def _in_salesforce(e2e: E2E) -> set[str]:
    return {r["Stripe_Subscription_Id__c"] for r in e2e.sf_records("Subscription__c")}


def _shot(page: Any, artifacts: Path, name: str) -> None:
    page.screenshot(path=str(artifacts / f"{name}.png"), full_page=True)


def _log_in(page: Any, url: str, artifacts: Path) -> None:
    page.goto(f"{url}/")
    assert page.url == f"{url}/login"
    _shot(page, artifacts, "login")
    page.fill("input[name=token]", TOKEN)
    page.click("button[type=submit]")
    page.wait_for_url(f"{url}/")


def test_without_the_token_nothing_is_shown(browser: Any, console: tuple[str, Any]) -> None:
    """A browser with no session lands on the login form; a client without it gets 401."""
    url, letter = console
    context = browser.new_context()
    try:
        page = context.new_page()
        page.goto(f"{url}/dead-letters")
        assert page.url == f"{url}/login"
        assert letter["key"] not in page.content()
        assert context.request.get(f"{url}/dead-letters").status == 401
        refused = context.request.post(f"{url}/dead-letters/{letter['id']}/replay")
        assert refused.status == 401
    finally:
        context.close()


def test_every_page_loads_and_the_search_filters(
    browser: Any, console: tuple[str, Any], artifacts: Path, e2e: E2E
) -> None:
    url, letter = console
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    page = context.new_page()
    try:
        _log_in(page, url, artifacts)
        assert page.locator("#runs tbody tr").count() == 1
        assert "dead letters" in page.inner_text("#runs")
        _shot(page, artifacts, "runs")

        page.click("#runs a:text('records')")
        assert page.locator("section.entry").count() == 3
        assert letter["key"] in page.content()
        _shot(page, artifacts, "run")

        page.goto(f"{url}/audit")
        assert page.locator("section.entry").count() == 3
        page.fill("input[name=subscription]", letter["key"])
        page.click("#audit-search button[type=submit]")
        page.wait_for_url(f"**/audit?subscription={letter['key']}*")
        titles = page.locator("section.entry h3 > a").all_inner_texts()
        assert titles == [letter["key"]]
        _shot(page, artifacts, "audit")

        page.goto(f"{url}/health")
        assert "salesforce" in page.inner_text("#last-synced")
        _shot(page, artifacts, "health")

        page.goto(f"{url}/revenue")
        assert page.locator("#mrr-chart svg").count() == 1
        assert page.locator("figure.movements-chart svg").count() >= 1
        _shot(page, artifacts, "revenue")
    finally:
        context.close()


def test_a_replay_clicked_on_the_page_reaches_salesforce(
    browser: Any, console: tuple[str, Any], artifacts: Path, e2e: E2E
) -> None:
    """The refused record is not in Salesforce; Replay queues it and the queue is worked, so
    it is there after the click, and its letter closed. A POST without the CSRF token, even
    with the session, is refused and changes nothing."""
    url, letter = console
    key = letter["key"]
    assert key not in _in_salesforce(e2e)
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    page = context.new_page()
    page.set_default_timeout(WAIT_MS)
    try:
        _log_in(page, url, artifacts)
        forged = context.request.post(f"{url}/dead-letters/{letter['id']}/replay", form={})
        assert forged.status == 403
        page.goto(f"{url}/dead-letters")
        row = page.locator(f"#letter-{letter['id']}")
        assert REJECTION in row.inner_text()
        _shot(page, artifacts, "dead-letters")
        row.locator("button[name=replay]").click()
        page.wait_for_url("**/dead-letters?notice=worked*")
        notice = f"Dead letter {letter['id']} replayed: its subscription was queued and reconciled"
        assert notice in page.inner_text("main")
        assert page.locator(f"#letter-{letter['id']}").count() == 0
        _shot(page, artifacts, "dead-letters-replayed")
    finally:
        context.close()
    assert key in _in_salesforce(e2e)
