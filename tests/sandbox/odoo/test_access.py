"""Access rights as a real Odoo 17 enforces them on an integration user, and a fresh database."""

from __future__ import annotations

from typing import Any

import odoorpc
import pytest

from connector.sandbox.odoo import OdooSandboxConfig, create_odoo_app
from tests.sandbox.odoo.conftest import DB, rpc_error_name

INTEGRATION = "integration"
SECRET = "integration-secret"


def _user(odoo: Any, *groups: str) -> int:
    group_ids = [odoo.env.ref(xmlid).id for xmlid in groups]
    uid: int = odoo.execute_kw(
        "res.users",
        "create",
        [{"name": "Integration", "login": INTEGRATION, "password": SECRET,
          "groups_id": [(6, 0, group_ids)]}],
    )  # fmt: skip
    return uid


def _login(port: int) -> Any:
    client = odoorpc.ODOO("127.0.0.1", port=port)
    client.login(DB, INTEGRATION, SECRET)
    return client


def test_reading_external_ids_needs_administration_access_rights(odoo: Any, port: int) -> None:
    _user(odoo, "base.group_user")
    with pytest.raises(odoorpc.error.RPCError) as refused:
        _login(port).execute_kw("ir.model.data", "search_read", [[]], {"fields": ["name"]})
    assert rpc_error_name(refused.value) == "odoo.exceptions.AccessError"
    message = str(refused.value)
    assert "You are not allowed to access 'Model Data' (ir.model.data) records." in message
    assert "- Administration / Access Rights" in message


def test_creating_partners_needs_contact_creation(odoo: Any, port: int) -> None:
    _user(odoo, "base.group_user", "base.group_erp_manager")
    client = _login(port)
    assert client.execute_kw("ir.model.data", "search_count", [[]]) > 0
    with pytest.raises(odoorpc.error.RPCError) as refused:
        client.execute_kw("res.partner", "create", [{"name": "Acme"}])
    assert "You are not allowed to create 'Contact' (res.partner) records." in str(refused.value)
    assert "- Extra Rights / Contact Creation" in str(refused.value)


def test_load_reports_a_missing_create_right_per_record(odoo: Any, port: int) -> None:
    _user(odoo, "base.group_user")
    result = _login(port).execute_kw(
        "res.partner", "load", [["id", "name"], [["subsync.a", "A"], ["subsync.b", "B"]]]
    )
    assert result["ids"] is False
    texts = [m["message"] for m in result["messages"] if m["type"] == "error"]
    assert len(texts) == 2
    assert all(
        t.startswith("You are not allowed to create 'Contact' (res.partner) records.")
        for t in texts
    )
    assert sorted(m["record"] for m in result["messages"]) == [0, 1]


def test_check_access_rights_answers_without_trying(odoo: Any, port: int) -> None:
    _user(odoo, "base.group_user", "base.group_partner_manager")
    client = _login(port)
    ask = client.execute_kw
    assert ask("res.partner", "check_access_rights", ["create"]) is True
    assert (
        ask("sale.subscription", "check_access_rights", ["create"], {"raise_exception": False})
        is False
    )
    with pytest.raises(odoorpc.error.RPCError) as refused:
        ask("sale.subscription", "check_access_rights", ["write"])
    assert "- Sales / User: Own Documents Only" in str(refused.value)


def test_sales_administrator_implies_the_sales_user_rights(odoo: Any, port: int) -> None:
    _user(odoo, "sales_team.group_sale_manager")
    client = _login(port)
    assert client.execute_kw("sale.subscription", "check_access_rights", ["create"]) is True
    assert client.execute_kw("product.product", "check_access_rights", ["read"]) is True


def test_wrong_password_or_archived_user_is_refused(odoo: Any, port: int) -> None:
    uid = _user(odoo, "base.group_user")
    client = odoorpc.ODOO("127.0.0.1", port=port)
    with pytest.raises(odoorpc.error.Error):
        client.login(DB, INTEGRATION, "wrong")
    odoo.execute_kw("res.users", "write", [[uid], {"active": False}])
    with pytest.raises(odoorpc.error.Error):
        client.login(DB, INTEGRATION, SECRET)


def test_the_admin_user_may_do_everything(odoo: Any) -> None:
    for model in ("ir.model.data", "res.partner", "sale.subscription", "ir.cron"):
        for operation in ("read", "write", "create", "unlink"):
            assert odoo.execute_kw(model, "check_access_rights", [operation]) is True


def test_a_fresh_database_is_a_us_company_with_one_active_currency() -> None:
    db = create_odoo_app(OdooSandboxConfig()).database
    company = db.read("res.company", [1], ["currency_id"])[0]
    assert company["currency_id"][1] == "USD"
    active = db.read("res.currency", db.search("res.currency", []), ["name"])
    assert [row["name"] for row in active] == ["USD"]
    every = db.search("res.currency", [], context={"active_test": False})
    assert len(every) > 1
    assert db.search("product.pricelist", []) == []
    assert db.search("sale.subscription.template", []) == []
