"""The change cursor: where in Stripe's event stream the last change page ended.

Format ``v1:<created>:<event id>``: the ``created`` second of the last event handed out and its
id (empty when no event existed yet). Several events can share one second, so the second alone
is not a position: the next listing asks for ``created >= <created>`` and stops at the event id,
which Stripe lists in a stable order, skipping what was already handed out. Opaque to callers;
it only ever moves forward.
"""

from __future__ import annotations

from dataclasses import dataclass

PREFIX = "v1"


class CursorError(ValueError):
    """A cursor this adapter did not write."""


@dataclass(frozen=True, order=True)
class EventCursor:
    created: int
    event_id: str = ""

    def __str__(self) -> str:
        return f"{PREFIX}:{self.created}:{self.event_id}"

    @classmethod
    def parse(cls, text: str) -> EventCursor:
        parts = text.split(":")
        if len(parts) != 3 or parts[0] != PREFIX or not parts[1].isdigit():
            raise CursorError(f"not a Stripe event cursor: {text[:60]!r}")
        return cls(int(parts[1]), parts[2])

    def later(self, other: EventCursor) -> EventCursor:
        """Whichever of the two is further along (a cursor never moves back)."""
        return other if other.created > self.created else self
