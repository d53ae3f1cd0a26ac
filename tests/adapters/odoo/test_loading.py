"""Which records a rolled-back load refused (adapters/odoo/loading.py), and what it costs."""

from __future__ import annotations

from typing import Any

import odoorpc

from adapters.odoo import OdooTarget
from adapters.odoo.client import LoadMessage
from adapters.odoo.connection import OdooConnection, Rpc
from adapters.odoo.errors import load_error_code
from adapters.odoo.loading import Refusal, refusals
from connector.mapping import CompiledMapping
from connector.records import WriteRequest
from tests.adapters.odoo.conftest import FAST_RETRIES, make_settings, no_sleep
from tests.adapters.odoo.helpers import count
from tests.factories import subscription


def error(record: int | None, message: str, field: str | None = None) -> LoadMessage:
    return LoadMessage("error", message, record, field)


def test_errors_refuse_their_records_warnings_do_not() -> None:
    messages = [
        error(1, "'x' does not seem to be a number for field 'Quantity'", "qty"),
        LoadMessage("warning", "Found multiple matches", 2, "partner_id"),
        error(1, "Missing required value for the field 'Partner' (partner_id)", "partner_id"),
        error(3, "Unknown error during import: <class 'KeyError'>: 'x'"),
    ]
    assert refusals(messages, 4) == {
        1: Refusal(
            "VALIDATION_ERROR",
            "'x' does not seem to be a number for field 'Quantity'; "
            "Missing required value for the field 'Partner' (partner_id)",
            ("qty", "partner_id"),
        ),
        3: Refusal("KEY_ERROR", "Unknown error during import: <class 'KeyError'>: 'x'"),
    }


def test_the_echo_of_a_batch_error_does_not_refuse_the_first_record() -> None:
    """odoo/models.py load(): a batch refused with a UserError is retried record by record,
    then its error is inserted first, attributed to the batch's first record."""
    messages = [error(0, "Invalid subscription"), error(2, "Invalid subscription")]
    assert set(refusals(messages, 3)) == {2}


def test_the_first_record_refused_for_its_own_reason_is_refused() -> None:
    assert set(refusals([error(0, "bad"), error(2, "other")], 3)) == {0, 2}
    assert set(refusals([error(0, "bad"), error(0, "worse"), error(2, "bad")], 3)) == {0, 2}
    assert set(refusals([error(0, "bad")], 1)) == {0}


def test_messages_about_no_record_or_another_call_refuse_nothing() -> None:
    messages = [error(None, "Unknown database error"), error(7, "out of range")]
    assert refusals(messages, 3) == {}


def test_error_codes() -> None:
    assert load_error_code("The subscription is invalid") == "VALIDATION_ERROR"
    assert (
        load_error_code("Unknown error during import: <class 'ValueError'>: Wrong value")
        == "VALUE_ERROR"
    )


def test_a_record_behind_a_foreign_external_id_fails_alone(
    target: OdooTarget, stocked: Any
) -> None:
    """Our external id already names a record of another model: Odoo refuses the whole
    batch with a UserError and echoes it on the batch's first record, which must still land."""
    partner = stocked.execute_kw("res.partner", "create", [{"name": "Squatter"}])
    stocked.execute_kw(
        "ir.model.data",
        "create",
        [{"module": "subsync", "name": "subscription_sub_00002", "model": "res.partner",
          "res_id": partner}],
    )  # fmt: skip
    subs = [subscription(n) for n in (1, 2, 3)]
    for name in ("partner", "subscription"):
        rendered = map(target.mapping.objects[name].render, subs)
        target.calls.by_label.clear()
        results = target.write(
            name, [WriteRequest(name, key, "create", values) for key, values in rendered]
        )
    assert [r.ok for r in results] == [True, False, True]
    refused = results[1].error
    assert refused is not None
    assert (refused.code, refused.retryable) == ("VALIDATION_ERROR", False)
    assert "found record of different model res.partner" in refused.message
    assert target.calls.by_label["load sale.subscription"] == 2
    assert count(stocked, "sale.subscription") == 2


class RefusesLoad:
    """A connection on which Odoo refuses every ``load`` as a whole (a ValueError)."""

    def __init__(self, inner: Rpc) -> None:
        self.inner = inner

    def execute_kw(self, model: str, method: str, args: list[Any], kwargs: dict[str, Any]) -> Any:
        if method == "load":
            data = {"name": "builtins.ValueError", "message": "Invalid field name 'x'"}
            raise odoorpc.error.RPCError("Invalid field name 'x'", {"code": 200, "data": data})
        return self.inner.execute_kw(model, method, args, kwargs)


def test_a_load_refused_as_a_whole_fails_its_records_not_the_batch_call(
    stocked: Any, port: int, odoo_mapping: CompiledMapping
) -> None:
    settings = make_settings(port)
    rpc = RefusesLoad(OdooConnection(settings))
    target = OdooTarget(settings, odoo_mapping, rpc=rpc, policy=FAST_RETRIES, sleep=no_sleep)
    sub = subscription(1)
    key, values = target.mapping.objects["partner"].render(sub)
    (result,) = target.write("partner", [WriteRequest("partner", key, "create", values)])
    assert not result.ok
    assert result.error is not None
    assert (result.error.code, result.error.retryable) == ("VALUE_ERROR", False)
    assert "Invalid field name 'x'" in result.error.message
    assert count(stocked, "res.partner", [("ref", "=", key)]) == 0
