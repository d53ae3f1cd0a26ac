"""Closing dead letters by hand, each closing audited.

A letter closes itself when a run next finds its key in agreement with its system (see
:mod:`connector.outcome`). Some never will: the record was removed from billing on purpose,
or a person decided the target is right as it stands. An operator closes those by hand with
a note saying why; the audit trail keeps, per letter, which letter it was, the note, and that
it was closed by hand rather than by a run.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from connector.audit import AuditTrail
from connector.errors import ConnectorError
from connector.logs import get_logger
from connector.redaction import redact
from connector.store import AuditEntry, DeadLetter, StateStore, utcnow
from connector.store.records import RESOLVED_BY_HAND


class UnknownDeadLetterError(ConnectorError):
    """Ids that name no dead letter: nothing was closed."""

    def __init__(self, letter_ids: Sequence[int]) -> None:
        self.letter_ids = tuple(letter_ids)
        named = ", ".join(str(i) for i in self.letter_ids)
        noun = "dead letter" if len(self.letter_ids) == 1 else "dead letters"
        super().__init__(f"no {noun} {named}; nothing was resolved (see `connector dlq list`)")


@dataclass(frozen=True, slots=True)
class HandResolution:
    resolution_id: str  # names the closing in the audit trail and on each letter
    resolved: tuple[DeadLetter, ...]  # as they were when still open
    already_closed: tuple[DeadLetter, ...]  # as they are: closed before, by whom and when


def resolve_by_hand(
    store: StateStore, letter_ids: Sequence[int], note: str, now: dt.datetime | None = None
) -> HandResolution:
    """Close these letters and audit each closing; raise if any id is unknown (closing none).

    Letters already closed are reported back rather than refused, so that a list pasted twice,
    or a letter a run closed meanwhile, does not stop the others.
    """
    at = now or utcnow()
    found = {letter_id: store.get_dead_letter(letter_id) for letter_id in dict.fromkeys(letter_ids)}
    unknown = [letter_id for letter_id, letter in found.items() if letter is None]
    if unknown:
        raise UnknownDeadLetterError(unknown)
    resolution_id = f"hand_{at:%Y%m%dT%H%M%S}_{uuid.uuid4().hex[:8]}"
    resolved: list[DeadLetter] = []
    already: list[DeadLetter] = []
    with store.transaction():
        for letter_id, letter in found.items():
            assert letter is not None
            if store.resolve_dead_letter(letter_id, resolution_id):
                resolved.append(letter)
            else:  # closed before, or by a run in the meantime: show how it is now
                already.append(store.get_dead_letter(letter_id) or letter)
        entries = [_entry(letter, note, resolution_id, at) for letter in resolved]
        AuditTrail(store, get_logger("connector.dead_letters")).record(entries)
    return HandResolution(resolution_id, tuple(resolved), tuple(already))


def _entry(letter: DeadLetter, note: str, resolution_id: str, at: dt.datetime) -> AuditEntry:
    detail: dict[str, Any] = {
        "dead_letter": {
            "id": letter.id,
            "system": letter.system,
            "error_code": letter.error_code,
            "reason": letter.reason,
            "attempts": letter.attempts,
            "opened_by_run": letter.run_id,
        },
        "resolved_by": "hand",
        "note": note,
    }
    return AuditEntry(
        at=at,
        run_id=resolution_id,
        correlation_id=resolution_id,
        subscription_id=letter.key,
        customer_id=None,
        event_types=(),
        outcome=RESOLVED_BY_HAND,
        dry_run=False,
        mapping_version="",  # no mapping was used: nothing was planned or written
        mrr_before=None,
        mrr_after=None,
        mrr_delta=None,
        currency=None,
        detail=redact(detail, bounded=True),
    )
