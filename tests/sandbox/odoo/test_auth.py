"""Logging in with odoorpc: passwords, API keys, bad credentials, sessions."""

from __future__ import annotations

from typing import Any

import httpx
import odoorpc
import pytest

from connector.sandbox.odoo import OdooSandbox
from tests.sandbox.odoo.conftest import API_KEY, DB, PASSWORD, rpc_error_name


def test_version_is_odoo_17(port: int) -> None:
    """odoorpc detects server version 17.0 from /web/webclient/version_info."""
    client = odoorpc.ODOO("127.0.0.1", port=port)
    assert client.version == "17.0"


def test_login_with_password(odoo: Any) -> None:
    """Password login yields the admin uid 2 and its context."""
    assert odoo.env.uid == 2
    assert odoo.env.context["lang"] == "en_US"
    assert odoo.env.user.name == "Mitchell Admin"


def test_login_with_api_key(port: int) -> None:
    """An API key works wherever the password does."""
    client = odoorpc.ODOO("127.0.0.1", port=port)
    client.login(DB, "admin", API_KEY)
    assert client.env["res.partner"].search_count([]) >= 3


def test_login_with_bad_password_fails(port: int) -> None:
    """common.login answers False, which odoorpc turns into an RPCError."""
    client = odoorpc.ODOO("127.0.0.1", port=port)
    raw = client.json("/jsonrpc", {"service": "common", "method": "login",
                                   "args": [DB, "admin", "nope"]})  # fmt: skip
    assert raw["result"] is False
    with pytest.raises(odoorpc.error.RPCError, match="Wrong login ID or password"):
        client.login(DB, "admin", "nope")


def test_object_call_with_wrong_password_is_access_denied(odoo: Any) -> None:
    """execute_kw with a bad password raises odoo.exceptions.AccessDenied."""
    with pytest.raises(odoorpc.error.RPCError) as caught:
        odoo.json(
            "/jsonrpc",
            {"service": "object", "method": "execute_kw",
             "args": [DB, 2, "wrong", "res.partner", "search", [[]]]},
        )  # fmt: skip
    assert rpc_error_name(caught.value) == "odoo.exceptions.AccessDenied"


def test_unknown_database_is_refused(port: int) -> None:
    """Logging into another database fails as PostgreSQL refuses the connection."""
    client = odoorpc.ODOO("127.0.0.1", port=port)
    with pytest.raises(odoorpc.error.RPCError, match="does not exist"):
        client.login("otherdb", "admin", PASSWORD)


def test_db_list(odoo: Any) -> None:
    """The db service lists the one database."""
    assert odoo.db.list() == [DB]


def test_web_session_and_call_kw(port: int) -> None:
    """/web/session/authenticate sets a cookie that /web/dataset/call_kw accepts."""
    with httpx.Client(base_url=f"http://127.0.0.1:{port}") as http:
        auth = http.post("/web/session/authenticate", json={
            "jsonrpc": "2.0", "method": "call", "id": 1,
            "params": {"db": DB, "login": "admin", "password": PASSWORD}})  # fmt: skip
        assert auth.json()["result"]["uid"] == 2
        call = http.post("/web/dataset/call_kw/res.partner/search_count", json={
            "jsonrpc": "2.0", "method": "call", "id": 2,
            "params": {"model": "res.partner", "method": "search_count",
                       "args": [[]], "kwargs": {}}})  # fmt: skip
        assert call.json()["result"] >= 3


def test_call_kw_without_session_is_session_expired(port: int) -> None:
    """call_kw without a session gets code 100 and odoo.http.SessionExpiredException."""
    body = httpx.post(f"http://127.0.0.1:{port}/web/dataset/call_kw", json={
        "jsonrpc": "2.0", "method": "call", "id": 3,
        "params": {"model": "res.partner", "method": "search", "args": [[]], "kwargs": {}}},
    ).json()  # fmt: skip
    assert body["error"]["code"] == 100
    assert body["error"]["data"]["name"] == "odoo.http.SessionExpiredException"


def test_rotated_credentials_refuse_the_old_ones(port: int, sandbox: OdooSandbox) -> None:
    """An administrator revoking the integration user's secrets: every call with the old ones
    is AccessDenied until the new ones are used."""
    httpx.post(
        f"http://127.0.0.1:{port}/__sandbox/credentials",
        json={"password": "rotated", "api_keys": []},
    ).raise_for_status()
    client = odoorpc.ODOO("127.0.0.1", port=port)
    with pytest.raises(odoorpc.error.Error):
        client.login(DB, "admin", PASSWORD)
    client.login(DB, "admin", "rotated")
    assert client.env.uid == 2
