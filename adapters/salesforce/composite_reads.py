"""Several SOQL queries in one Composite call.

A keyed read needs one query per ~280 keys, because a query travels in the URL
(:mod:`adapters.salesforce.soql`). Salesforce's Composite resource takes up to 25
subrequests, at most 5 of them queries, and "the entire series of requests counts as a
single call toward your API limits" (REST API Developer Guide, "Send Multiple Requests Using
Composite"). So up to 5 of those queries go in one call; each answer's further pages
(``nextRecordsUrl``) are read with ordinary ``query_more`` calls.

Over a limit Salesforce answers 200 with a single ``LIMIT_EXCEEDED`` entry instead of one
per subrequest; such an answer, or any answer that does not match the subrequests one for
one, is an error of the call, never silently fewer rows.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

QUERIES_PER_CALL = 5


@dataclass(frozen=True, slots=True)
class SubAnswer:
    """One subrequest's answer: a query result page, or Salesforce's error for it."""

    status: int
    body: Any

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300 and isinstance(self.body, dict)

    def error(self) -> tuple[str, str]:
        """(errorCode, message) of a failed subrequest."""
        if isinstance(self.body, list) and self.body and isinstance(self.body[0], dict):
            first = self.body[0]
            return str(first.get("errorCode", "UNKNOWN")), str(first.get("message", ""))
        return "UNKNOWN", f"HTTP {self.status}"


class CompositeAnswerError(ValueError):
    """The composite answer does not match its subrequests."""


def request_body(version: str, soqls: Sequence[str]) -> dict[str, Any]:
    if not 1 <= len(soqls) <= QUERIES_PER_CALL:
        raise ValueError(f"a composite read carries 1 to {QUERIES_PER_CALL} queries")
    return {
        "allOrNone": False,
        "compositeRequest": [
            {
                "method": "GET",
                "url": f"/services/data/v{version}/query/?q={quote(soql, safe='')}",
                "referenceId": f"q{index}",
            }
            for index, soql in enumerate(soqls)
        ],
    }


def sub_answers(answer: object, count: int) -> list[SubAnswer]:
    """The subrequests' answers, in request order."""
    entries = answer.get("compositeResponse") if isinstance(answer, dict) else None
    if not isinstance(entries, list):
        raise CompositeAnswerError("no compositeResponse in the answer")
    by_ref = {entry.get("referenceId"): entry for entry in entries if isinstance(entry, dict)}
    out: list[SubAnswer] = []
    for index in range(count):
        entry = by_ref.get(f"q{index}")
        if entry is None:
            reason = _whole_call_error(entries)
            raise CompositeAnswerError(reason or f"no answer for subrequest q{index}")
        out.append(SubAnswer(int(entry.get("httpStatusCode") or 0), entry.get("body")))
    return out


def _whole_call_error(entries: list[Any]) -> str | None:
    """Salesforce's message when it refused the whole call (``referenceId: null``)."""
    for entry in entries:
        if isinstance(entry, dict) and entry.get("referenceId") is None:
            code, message = SubAnswer(
                int(entry.get("httpStatusCode") or 0), entry.get("body")
            ).error()
            return f"{code}: {message}"
    return None
