"""Collection results mapped back to keys, and the judge of failed calls."""

from __future__ import annotations

from typing import Any

import pytest
import requests
from simple_salesforce.exceptions import (
    SalesforceAuthenticationFailed,
    SalesforceExpiredSession,
    SalesforceGeneralError,
    SalesforceMalformedRequest,
    SalesforceRefusedRequest,
)

from adapters.resilience import Verdict, parse_retry_after
from adapters.salesforce.errors import (
    ApiCallError,
    from_salesforce_error,
    judge,
)
from adapters.salesforce.results import is_lock_error, parse_results, record_error
from connector.redaction import REDACTED, SECRETS


def test_results_map_back_to_keys_in_order() -> None:
    answer = [
        {"id": "a0S1", "success": True, "created": True, "errors": []},
        {
            "id": None,
            "success": False,
            "errors": [
                {
                    "statusCode": "FIELD_CUSTOM_VALIDATION_EXCEPTION",
                    "message": "Plan must be set",
                    "fields": ["Plan__c"],
                }
            ],
        },
        {"id": "a0S3", "success": True, "created": False, "errors": []},
    ]
    results = parse_results(["k1", "k2", "k3"], answer)
    assert [r.key for r in results] == ["k1", "k2", "k3"]
    assert results[0].ok
    assert results[0].created
    assert results[0].remote_id == "a0S1"
    assert results[2].ok
    assert not results[2].created
    error = results[1].error
    assert error is not None
    assert not results[1].ok
    assert (error.code, error.message, error.retryable, error.fields) == (
        "FIELD_CUSTOM_VALIDATION_EXCEPTION",
        "Plan must be set",
        False,
        ("Plan__c",),
    )


def test_lock_errors_are_retryable() -> None:
    error = record_error([{"statusCode": "UNABLE_TO_LOCK_ROW", "message": "locked", "fields": []}])
    assert error.retryable


@pytest.mark.parametrize("code", ["PROCESSING_HALTED", "ALL_OR_NONE_OPERATION_ROLLED_BACK"])
def test_records_rolled_back_for_another_failure_are_retryable(code: str) -> None:
    """A record undone because another one failed was not written: retry it, no dead letter."""
    error = record_error([{"statusCode": code, "message": "rolled back", "fields": []}])
    assert error.retryable


def test_several_errors_keep_every_message_and_field() -> None:
    error = record_error(
        [
            {"statusCode": "STRING_TOO_LONG", "message": "Plan: too long", "fields": ["Plan__c"]},
            {"statusCode": "UNABLE_TO_LOCK_ROW", "message": "locked", "fields": ["Plan__c"]},
        ]
    )
    assert error.code == "STRING_TOO_LONG"
    assert error.message == "Plan: too long; locked"
    assert error.fields == ("Plan__c",)
    assert not error.retryable  # one of the reasons will not go away by waiting


def test_an_answer_of_the_wrong_length_fails_every_record_retryably() -> None:
    results = parse_results(["a", "b"], [{"success": True}])
    assert all(not r.ok and r.error is not None and r.error.retryable for r in results)
    assert parse_results(["a"], None)[0].error is not None


def test_is_lock_error() -> None:
    lock = parse_results(
        ["a"], [{"success": False, "errors": [{"statusCode": "UNABLE_TO_LOCK_ROW"}]}]
    )
    assert is_lock_error(lock[0])


def _sf_error(cls: Any, status: int, content: Any) -> Any:
    return cls("https://x/services/data/v59.0/query?q=SELECT", status, "query", content)


def test_judge_sorts_failures() -> None:
    def verdict(exc: BaseException) -> tuple[Verdict, str]:
        failure = judge(exc)
        return failure.verdict, failure.code

    busy = [{"errorCode": "REQUEST_LIMIT_EXCEEDED", "message": "Too many requests"}]
    limit = [{"errorCode": "REQUEST_LIMIT_EXCEEDED", "message": "TotalRequests Limit exceeded."}]
    concurrent = [
        {
            "errorCode": "REQUEST_LIMIT_EXCEEDED",
            "message": "ConcurrentRequests (Concurrent API Requests) Limit exceeded.",
        }
    ]
    long_txn = [
        {
            "errorCode": "REQUEST_LIMIT_EXCEEDED",
            "message": "ConcurrentPerOrgLongTxn Limit exceeded.",
        }
    ]
    cases: list[tuple[Any, tuple[Verdict, str]]] = [
        (_sf_error(SalesforceGeneralError, 429, busy), (Verdict.RETRY, "REQUEST_LIMIT_EXCEEDED")),
        (
            _sf_error(SalesforceGeneralError, 503, [{"errorCode": "SERVER_UNAVAILABLE"}]),
            (Verdict.RETRY, "SERVER_UNAVAILABLE"),
        ),
        (
            _sf_error(SalesforceGeneralError, 500, b"<html>oops</html>"),
            (Verdict.RETRY, "HTTP_500"),
        ),
        (
            _sf_error(SalesforceMalformedRequest, 400, [{"errorCode": "UNABLE_TO_LOCK_ROW"}]),
            (Verdict.RETRY, "UNABLE_TO_LOCK_ROW"),
        ),
        (
            _sf_error(SalesforceExpiredSession, 401, [{"errorCode": "INVALID_SESSION_ID"}]),
            (Verdict.FATAL, "INVALID_SESSION_ID"),
        ),
        (
            _sf_error(SalesforceRefusedRequest, 403, limit),
            (Verdict.FATAL, "REQUEST_LIMIT_EXCEEDED"),
        ),
        (
            _sf_error(SalesforceRefusedRequest, 403, concurrent),
            (Verdict.RETRY, "REQUEST_LIMIT_EXCEEDED"),
        ),
        (
            _sf_error(SalesforceRefusedRequest, 403, long_txn),
            (Verdict.RETRY, "REQUEST_LIMIT_EXCEEDED"),
        ),
        (
            _sf_error(SalesforceRefusedRequest, 403, [{"errorCode": "INSUFFICIENT_ACCESS"}]),
            (Verdict.FATAL, "INSUFFICIENT_ACCESS"),
        ),
        (
            _sf_error(SalesforceMalformedRequest, 400, [{"errorCode": "INVALID_FIELD"}]),
            (Verdict.FINAL, "INVALID_FIELD"),
        ),
        (
            SalesforceAuthenticationFailed("INVALID_LOGIN", "bad password"),
            (Verdict.FATAL, "AUTH_FAILED:INVALID_LOGIN"),
        ),
        (SalesforceAuthenticationFailed(503, "maintenance"), (Verdict.RETRY, "HTTP_503")),
        (requests.ConnectionError("reset"), (Verdict.RETRY, "CONNECTION_ERROR")),
        (requests.exceptions.ChunkedEncodingError("cut"), (Verdict.RETRY, "CONNECTION_ERROR")),
        (requests.ReadTimeout("slow"), (Verdict.RETRY, "TIMEOUT")),
        (ValueError("bug"), (Verdict.FINAL, "ValueError")),
    ]
    for exc, expected in cases:
        error = from_salesforce_error(exc, None) if hasattr(exc, "resource_name") else exc
        assert verdict(error) == expected, exc


def test_retry_after_travels_with_the_error() -> None:
    exc = _sf_error(SalesforceGeneralError, 429, [{"errorCode": "REQUEST_LIMIT_EXCEEDED"}])
    error = from_salesforce_error(exc, parse_retry_after("7"))
    assert judge(error).retry_after == 7.0
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT") == 0.0  # a date already past
    assert parse_retry_after(None) is None


def test_error_texts_are_redacted() -> None:
    SECRETS.register("s3cr3t-password-value")
    exc = _sf_error(
        SalesforceMalformedRequest,
        400,
        [
            {
                "errorCode": "X",
                "message": "bad s3cr3t-password-value in 00D5g0000SbxOrg!AQ" + "x" * 30,
            }
        ],
    )
    error = from_salesforce_error(exc, None)
    assert isinstance(error, ApiCallError)
    assert "s3cr3t-password-value" not in error.message
    assert REDACTED in error.message
    assert "AQxxxxxxxx" not in error.message
