"""Injected faults as an odoorpc client sees them, and call statistics."""

from __future__ import annotations

import http.client
import time
import urllib.error
from typing import Any

import httpx
import odoorpc
import pytest

from connector.sandbox.common import FaultKind, FaultRule
from connector.sandbox.odoo import OdooSandbox
from tests.sandbox.odoo.conftest import rpc_error_name

SUB_WRITE = "/jsonrpc/object/sale.subscription/write"


def test_serialization_failure_targets_one_model_method(odoo: Any, sandbox: OdooSandbox) -> None:
    """A serialization fault on sale.subscription/write leaves other calls alone."""
    sandbox.injector.add_rule(
        FaultRule(kind=FaultKind.SERIALIZATION_FAILURE, path_prefix=SUB_WRITE, count=1)
    )
    partners = odoo.env["res.partner"]
    partner = partners.create({"name": "unaffected"})
    partners.write([partner], {"name": "still fine"})
    sub = odoo.env["sale.subscription"].create(
        {"partner_id": partner, "template_id": 1, "pricelist_id": 1}
    )
    with pytest.raises(odoorpc.error.RPCError, match="could not serialize access") as caught:
        odoo.env["sale.subscription"].write([sub], {"description": "x"})
    assert rpc_error_name(caught.value) == "psycopg2.errors.SerializationFailure"
    assert caught.value.info["code"] == 200
    assert odoo.env["sale.subscription"].write([sub], {"description": "retry"}) is True


def test_serialization_failure_rolls_back(odoo: Any, sandbox: OdooSandbox) -> None:
    """The failed call changed nothing, so a retry is safe."""
    partner = odoo.env["res.partner"].create({"name": "before"})
    sandbox.injector.add_rule(
        FaultRule(kind=FaultKind.SERIALIZATION_FAILURE,
                  path_prefix="/jsonrpc/object/res.partner/write", count=1)
    )  # fmt: skip
    with pytest.raises(odoorpc.error.RPCError):
        odoo.env["res.partner"].write([partner], {"name": "after"})
    assert odoo.env["res.partner"].read([partner], ["name"])[0]["name"] == "before"


def test_reject_record_on_create(odoo: Any, sandbox: OdooSandbox) -> None:
    """A reject_record fault surfaces as odoo.exceptions.ValidationError on create."""
    sandbox.injector.add_rule(
        FaultRule(kind=FaultKind.REJECT_RECORD, path_prefix="/jsonrpc/object/res.partner/create",
                  message="VAT number is invalid", count=1)
    )  # fmt: skip
    with pytest.raises(odoorpc.error.RPCError, match="VAT number is invalid") as caught:
        odoo.env["res.partner"].create({"name": "rejected"})
    assert rpc_error_name(caught.value) == "odoo.exceptions.ValidationError"
    assert odoo.env["res.partner"].search([("name", "=", "rejected")]) == []


def test_expired_session_on_jsonrpc_is_access_denied(odoo: Any, sandbox: OdooSandbox) -> None:
    """An expired-session fault on /jsonrpc shows as AccessDenied."""
    sandbox.injector.add_rule(FaultRule(kind=FaultKind.EXPIRED_SESSION, count=1))
    with pytest.raises(odoorpc.error.RPCError) as caught:
        odoo.env["res.partner"].search([])
    assert rpc_error_name(caught.value) == "odoo.exceptions.AccessDenied"


def test_http_503(odoo: Any, sandbox: OdooSandbox) -> None:
    """An injected 503 reaches odoorpc as urllib's HTTPError 503."""
    sandbox.injector.add_rule(FaultRule(kind=FaultKind.HTTP_503, path_prefix="/jsonrpc", count=1))
    with pytest.raises(urllib.error.HTTPError) as caught:
        odoo.env["res.partner"].search([])
    assert caught.value.code == 503
    assert odoo.env["res.partner"].search_count([]) >= 3


def test_connection_reset(odoo: Any, sandbox: OdooSandbox) -> None:
    """A connection reset cuts the response short; the client sees an incomplete read."""
    sandbox.injector.add_rule(
        FaultRule(kind=FaultKind.CONNECTION_RESET, path_prefix="/jsonrpc", count=1)
    )
    with pytest.raises((http.client.IncompleteRead, ConnectionError, urllib.error.URLError)):
        odoo.env["res.partner"].search([])
    assert odoo.env["res.partner"].search_count([]) >= 3


def test_faults_admin_endpoint(port: int, odoo: Any) -> None:
    """Faults can be set over HTTP at /__sandbox/faults."""
    base = f"http://127.0.0.1:{port}/__sandbox/faults"
    rule = {"kind": "serialization_failure", "path_prefix": "/jsonrpc/object", "count": 1}
    assert httpx.post(base, json=rule).status_code == 200
    with pytest.raises(odoorpc.error.RPCError):
        odoo.env["res.partner"].search([])
    assert httpx.delete(base).json() == []


def test_stats_count_reads_and_writes_per_model(odoo: Any, sandbox: OdooSandbox) -> None:
    """Each RPC records one label such as 'execute_kw res.partner.search_read'."""
    sandbox.stats.reset()
    odoo.env["res.partner"].search_read([], ["name"])
    odoo.env["res.partner"].write([3], {"phone": "1"})
    calls = sandbox.stats.snapshot()
    assert calls["execute_kw res.partner.search_read"] == 1
    assert calls["execute_kw res.partner.write"] == 1


def test_expired_session_on_call_kw(port: int, sandbox: OdooSandbox) -> None:
    """An expired-session fault on call_kw answers code 100 SessionExpiredException."""
    base = f"http://127.0.0.1:{port}"
    with httpx.Client(base_url=base) as http_client:
        http_client.post("/web/session/authenticate", json={
            "jsonrpc": "2.0", "method": "call", "id": 1,
            "params": {"db": "subsync", "login": "admin", "password": "s3cret"}})  # fmt: skip
        sandbox.injector.add_rule(
            FaultRule(kind=FaultKind.EXPIRED_SESSION, path_prefix="/web/dataset/call_kw", count=1)
        )
        body = http_client.post("/web/dataset/call_kw", json={
            "jsonrpc": "2.0", "method": "call", "id": 2,
            "params": {"model": "res.partner", "method": "search", "args": [[]],
                       "kwargs": {}}}).json()  # fmt: skip
    assert body["error"]["code"] == 100
    assert body["error"]["data"]["name"] == "odoo.http.SessionExpiredException"


def test_latency(odoo: Any, sandbox: OdooSandbox) -> None:
    """A latency fault delays the call but it still succeeds."""
    sandbox.injector.add_rule(FaultRule(kind=FaultKind.LATENCY, latency_ms=300, count=1))
    started = time.perf_counter()
    assert odoo.env["res.partner"].search_count([]) >= 3
    assert time.perf_counter() - started >= 0.3
