"""sObject Collections answers -> one :class:`WriteResult` per request, in order.

An upsert collection answers ``200`` with ``[{"id", "success", "created", "errors":
[{"statusCode", "message", "fields"}]}]``, one entry per record sent, in the order sent
(REST API Developer Guide, "sObject Collections"). A failed record keeps Salesforce's own
code and message (redacted: messages quote values) so the dead letter says what to fix.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from adapters.salesforce.errors import RETRYABLE_CODES
from connector.records import WriteError, WriteResult
from connector.redaction import redact_text

BAD_RESPONSE = "BAD_RESPONSE"


def record_error(errors: Any) -> WriteError:
    """One WriteError for a record's ``errors`` list (first code; every message and field)."""
    entries = [e for e in errors if isinstance(e, Mapping)] if isinstance(errors, list) else []
    if not entries:
        return WriteError("UNKNOWN_ERROR", "Salesforce refused the record without a reason")
    codes = [str(e.get("statusCode") or e.get("errorCode") or "UNKNOWN_ERROR") for e in entries]
    messages = [str(e.get("message") or "") for e in entries]
    fields: list[str] = []
    for entry in entries:
        names = entry.get("fields")
        if isinstance(names, list):
            fields.extend(str(n) for n in names if str(n) not in fields)
    return WriteError(
        code=codes[0],
        message=redact_text("; ".join(m for m in messages if m) or codes[0]),
        retryable=all(code in RETRYABLE_CODES for code in codes),
        fields=tuple(fields),
    )


def parse_results(keys: Sequence[str], answer: Any) -> list[WriteResult]:
    """Results of one collection call for records sent with ``keys`` (same order)."""
    if not isinstance(answer, list) or len(answer) != len(keys):
        size = len(answer) if isinstance(answer, list) else "no"
        error = WriteError(
            BAD_RESPONSE,
            f"Salesforce answered {size} results for {len(keys)} records",
            retryable=True,
        )
        return [WriteResult(key, False, error=error) for key in keys]
    results: list[WriteResult] = []
    for key, entry in zip(keys, answer, strict=True):
        if not isinstance(entry, Mapping):
            error = WriteError(BAD_RESPONSE, f"unreadable result {entry!r}", retryable=True)
            results.append(WriteResult(key, False, error=error))
        elif entry.get("success") is True:
            remote_id = entry.get("id")
            results.append(
                WriteResult(
                    key,
                    True,
                    remote_id=str(remote_id) if remote_id else None,
                    created=bool(entry.get("created", False)),
                )
            )
        else:
            results.append(WriteResult(key, False, error=record_error(entry.get("errors"))))
    return results


def is_lock_error(result: WriteResult) -> bool:
    return not result.ok and result.error is not None and result.error.code == "UNABLE_TO_LOCK_ROW"


def failed_all(keys: Sequence[str], error: WriteError) -> list[WriteResult]:
    return [WriteResult(key, False, error=error) for key in keys]
