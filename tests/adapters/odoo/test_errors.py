"""How odoorpc's errors are judged: retry, stop, or refuse one record."""

from __future__ import annotations

import email.message
import http.client
import json
import urllib.error
from typing import Any

import odoorpc
import pytest

from adapters.odoo.errors import judge, missing_right, refusal
from adapters.resilience import RETRY_AFTER_CEILING, Verdict


def rpc_error(name: str, message: str) -> odoorpc.error.RPCError:
    info: dict[str, Any] = {
        "code": 200,
        "message": "Odoo Server Error",
        "data": {"name": name, "message": message, "debug": "Traceback ...", "arguments": []},
    }
    return odoorpc.error.RPCError(message, info)


def http_error(status: int, retry_after: str | None = None) -> urllib.error.HTTPError:
    headers = email.message.Message()
    if retry_after is not None:
        headers["Retry-After"] = retry_after
    return urllib.error.HTTPError("http://127.0.0.1/jsonrpc", status, "x", headers, None)


def test_serialization_failure_is_retried_with_a_long_backoff() -> None:
    failure = judge(
        rpc_error(
            "psycopg2.errors.SerializationFailure",
            "could not serialize access due to concurrent update",
        )
    )
    assert failure.verdict is Verdict.RETRY
    assert failure.code == "SERIALIZATION_FAILURE"
    assert failure.retry_after is not None
    assert failure.retry_after >= 1


@pytest.mark.parametrize(
    ("name", "message", "code"),
    [
        ("odoo.exceptions.AccessDenied", "Access Denied", "ACCESS_DENIED"),
        ("odoo.exceptions.AccessError", "You are not allowed to modify", "ACCESS_ERROR"),
        (
            "psycopg2.OperationalError",
            'FATAL:  database "nope" does not exist',
            "WRONG_DATABASE",
        ),
    ],
)
def test_unusable_system_is_fatal(name: str, message: str, code: str) -> None:
    failure = judge(rpc_error(name, message))
    assert (failure.verdict, failure.code) == (Verdict.FATAL, code)


def test_wrong_login_is_fatal() -> None:
    """odoorpc raises a bare RPCError (no info) when common.login answers False."""
    failure = judge(odoorpc.error.RPCError("Wrong login ID or password"))
    assert failure.verdict is Verdict.FATAL


@pytest.mark.parametrize(
    "name",
    [
        "odoo.exceptions.ValidationError",
        "odoo.exceptions.UserError",
        "odoo.exceptions.MissingError",
    ],
)
def test_data_errors_are_final_for_the_record(name: str) -> None:
    failure = judge(rpc_error(name, "nope"))
    assert failure.verdict is Verdict.FINAL
    assert failure.code == name.rsplit(".", 1)[-1].replace("Error", "_ERROR").upper()


def test_refusal_names_the_mandatory_field() -> None:
    exc = rpc_error(
        "odoo.exceptions.ValidationError",
        "The operation cannot be completed:\n- Create/update: a mandatory field is not set.\n"
        "Model: Subscription (sale.subscription)\nField: Pricelist (pricelist_id)\n",
    )
    refused = refusal(exc)
    assert refused.code == "VALIDATION_ERROR"
    assert refused.fields == ("pricelist_id",)


def test_http_and_transport_errors() -> None:
    limited = judge(http_error(429, "7"))
    assert (limited.verdict, limited.retry_after) == (Verdict.RETRY, 7.0)
    # RFC 9110's other form, an HTTP-date (a proxy's 503); far off, so capped.
    dated = judge(http_error(503, "Fri, 31 Dec 2099 23:59:59 GMT"))
    assert dated.retry_after == RETRY_AFTER_CEILING
    assert judge(http_error(503)).verdict is Verdict.RETRY
    assert judge(http_error(401)).verdict is Verdict.FATAL
    assert judge(urllib.error.URLError(ConnectionRefusedError(111, "refused"))).verdict is (
        Verdict.RETRY
    )
    assert judge(ConnectionResetError()).verdict is Verdict.RETRY
    assert judge(http.client.IncompleteRead(b"{")).verdict is Verdict.RETRY
    assert judge(TimeoutError()).verdict is Verdict.RETRY
    assert judge(json.JSONDecodeError("x", "{", 1)).verdict is Verdict.RETRY


def test_a_missing_right_names_the_groups_to_grant() -> None:
    """Odoo 17's AccessError text is read for the operation, model and allowing groups."""
    text = (
        "You are not allowed to create 'Subscription' (sale.subscription) records.\n\n"
        "This operation is allowed for the following groups:\n\t- Sales / Administrator\n"
        "\t- Administration / Settings\n\n"
        "Contact your administrator to request access if necessary."
    )
    assert missing_right(text) == (
        "the Odoo user may not create sale.subscription records "
        "(grant one of: Sales / Administrator, Administration / Settings)"
    )
    assert missing_right("The subscription is invalid") is None
