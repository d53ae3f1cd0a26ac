"""Packing queries into Composite calls, and reading the answers strictly."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest

from adapters.salesforce.composite_reads import (
    QUERIES_PER_CALL,
    CompositeAnswerError,
    request_body,
    sub_answers,
)


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
