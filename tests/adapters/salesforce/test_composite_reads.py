"""Packing queries into Composite calls, and reading the answers strictly."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest

from adapters.resilience import Verdict
from adapters.salesforce.composite_reads import (
    QUERIES_PER_CALL,
    CompositeAnswerError,
    raise_for_failures,
    request_body,
    sub_answers,
)
from adapters.salesforce.errors import ApiCallError, judge


def test_request_body_carries_each_query_encoded_under_its_reference() -> None:
    soqls = ["SELECT Id FROM Account WHERE Name IN ('a&b','c d')", "SELECT Id FROM Contact"]
    body = request_body("59.0", soqls)
    assert body["allOrNone"] is False
    subs = body["compositeRequest"]
    assert [s["referenceId"] for s in subs] == ["q0", "q1"]
    assert all(s["method"] == "GET" for s in subs)
    parts = urlsplit(subs[0]["url"])
    assert parts.path == "/services/data/v59.0/query/"
    assert parse_qs(parts.query)["q"] == [soqls[0]]


def test_request_body_refuses_more_queries_than_one_call_takes() -> None:
    with pytest.raises(ValueError, match="1 to 5"):
        request_body("59.0", ["SELECT Id FROM Account"] * (QUERIES_PER_CALL + 1))
    with pytest.raises(ValueError, match="1 to 5"):
        request_body("59.0", [])


def test_answers_are_matched_by_reference_not_position() -> None:
    answer = {
        "compositeResponse": [
            {
                "referenceId": "q1",
                "httpStatusCode": 400,
                "body": [{"errorCode": "E", "message": "m"}],
            },
            {"referenceId": "q0", "httpStatusCode": 200, "body": {"records": [], "done": True}},
        ]
    }
    first, second = sub_answers(answer, 2)
    assert first.ok
    assert not second.ok
    assert second.error() == ("E", "m")


def test_a_whole_call_refusal_or_a_missing_answer_is_an_error_not_fewer_rows() -> None:
    refused = {
        "compositeResponse": [
            {
                "referenceId": None,
                "httpStatusCode": 400,
                "body": [{"errorCode": "LIMIT_EXCEEDED", "message": "too many"}],
            }
        ]
    }
    with pytest.raises(CompositeAnswerError, match="LIMIT_EXCEEDED: too many"):
        sub_answers(refused, 2)
    partial = {"compositeResponse": [{"referenceId": "q0", "httpStatusCode": 200, "body": {}}]}
    with pytest.raises(CompositeAnswerError, match="q1"):
        sub_answers(partial, 2)
    with pytest.raises(CompositeAnswerError, match="no compositeResponse"):
        sub_answers({"unexpected": True}, 1)


PAGE = {"records": [], "done": True}
HALTED = [{"errorCode": "PROCESSING_HALTED", "message": "The transaction was rolled back"}]


def _entry(ref: str | None, status: int, body: object) -> dict[str, object]:
    return {"referenceId": ref, "httpStatusCode": status, "body": body}


def _verdict(answer: object, count: int) -> tuple[Verdict, str]:
    with pytest.raises(ApiCallError) as info:
        raise_for_failures(answer, count)
    failure = judge(info.value)
    return failure.verdict, failure.code


def test_a_whole_call_limit_exceeded_is_not_retryable() -> None:
    """Too many subrequests is refused the same way every time: final, never retried."""
    limit = [{"errorCode": "LIMIT_EXCEEDED", "message": "The request can't contain more"}]
    answer = {"compositeResponse": [_entry(None, 400, limit)]}
    assert _verdict(answer, 2) == (Verdict.FINAL, "LIMIT_EXCEEDED")


def test_a_subrequest_5xx_is_retried_like_a_plain_query() -> None:
    """A subrequest's 5xx is judged as the same query's 5xx: retry."""
    busy = [{"errorCode": "SERVER_UNAVAILABLE", "message": "try later"}]
    answer = {"compositeResponse": [_entry("q0", 200, PAGE), _entry("q1", 503, busy)]}
    assert _verdict(answer, 2) == (Verdict.RETRY, "SERVER_UNAVAILABLE")


@pytest.mark.parametrize(
    ("cause", "expected"),
    [
        ("UNABLE_TO_LOCK_ROW", (Verdict.RETRY, "UNABLE_TO_LOCK_ROW")),
        ("MALFORMED_QUERY", (Verdict.FINAL, "MALFORMED_QUERY")),
        (None, (Verdict.RETRY, "PROCESSING_HALTED")),
    ],
)
def test_a_rollback_is_judged_by_its_cause_and_halted_work_is_retryable(
    cause: str | None, expected: tuple[Verdict, str]
) -> None:
    """allOrNone: the cause decides; subrequests only PROCESSING_HALTED are retryable."""
    first = _entry("q0", 400, [{"errorCode": cause, "message": "m"}]) if cause else None
    entries = [first or _entry("q0", 400, HALTED), _entry("q1", 400, HALTED)]
    assert _verdict({"compositeResponse": entries}, 2) == expected


def test_all_answered_raises_nothing() -> None:
    """An answer whose subrequests all succeeded passes."""
    raise_for_failures({"compositeResponse": [_entry("q0", 200, PAGE)]}, 1)
