"""Several SOQL queries in one Composite call.

A keyed read needs one query per ~280 keys, because a query travels in the URL
(:mod:`adapters.salesforce.soql`). Salesforce's Composite resource takes up to 25
subrequests, at most 5 of them queries, and "the entire series of requests counts as a
single call toward your API limits" (REST API Developer Guide, "Send Multiple Requests Using
Composite"). So up to 5 of those queries go in one call; each answer's further pages
(``nextRecordsUrl``) are read with ordinary ``query_more`` calls.

Over a limit Salesforce answers 200 with a single ``LIMIT_EXCEEDED`` entry instead of one
per subrequest: that refusal is deterministic (the same call gets it again), so it is judged
like a refused query, never retried. An answer that does not match the subrequests one for
one is an error of the call, never silently fewer rows. A failed subrequest is judged as the
same plain query would be (a 5xx retried), by the cause of the failure: in an ``allOrNone``
rollback the others only answer ``PROCESSING_HALTED``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from adapters.salesforce.errors import ROLLED_BACK_CODES, ApiCallError

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


def raise_for_failures(answer: object, count: int) -> None:
    """Raise the :class:`ApiCallError` of a refused call or of the failed subrequest that
    caused the others to halt, for the session's judge to sort; return when all answered."""
    entries = answer.get("compositeResponse") if isinstance(answer, dict) else None
    refusal = _whole_call_refusal(entries) if isinstance(entries, list) else None
    if refusal is not None:
        raise ApiCallError(refusal.status or 400, *refusal.error())
    failed = [sub for sub in sub_answers(answer, count) if not sub.ok]
    causes = [sub for sub in failed if sub.error()[0] not in ROLLED_BACK_CODES]
    for sub in causes or failed:
        if 200 <= sub.status < 300:
            raise CompositeAnswerError(f"a subrequest answered {sub.status} without a page")
        raise ApiCallError(sub.status, *sub.error())


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


def _whole_call_refusal(entries: list[Any]) -> SubAnswer | None:
    """Salesforce's answer when it refused the whole call (``referenceId: null``)."""
    for entry in entries:
        if isinstance(entry, dict) and entry.get("referenceId") is None:
            return SubAnswer(int(entry.get("httpStatusCode") or 0), entry.get("body"))
    return None


def _whole_call_error(entries: list[Any]) -> str | None:
    refusal = _whole_call_refusal(entries)
    if refusal is None:
        return None
    code, message = refusal.error()
    return f"{code}: {message}"
