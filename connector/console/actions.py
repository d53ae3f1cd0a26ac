"""The console's two actions on dead letters: replay (queue the keys again) and resolve.

A replay is a trigger like any other: it only enqueues the letters' subscription keys in the
durable queue, and the workers reconcile them from fresh reads. Where no daemon works the
queue (``connector console`` on its own), the caller passes an ``after_queue`` that drains it
in-process, as ``connector reconcile`` does.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from connector.dead_letters import HandResolution, resolve_by_hand
from connector.logs import get_logger
from connector.queue import WorkQueue
from connector.redaction import redact_text
from connector.store import StateStore

REPLAY_REASON = "replay"

# Called once the keys are queued; returns how many keys it worked (0 if it only woke a worker).
AfterQueue = Callable[[], int]


@dataclass(frozen=True)
class Replayed:
    queued: int
    worked: int
    # Working the queue here failed (a target down, say): the keys stay queued for the
    # daemon or the next run, and the page says so.
    work_failed: bool = False


class Actions:
    def __init__(self, store: StateStore, after_queue: AfterQueue | None = None) -> None:
        self.store = store
        self.after_queue = after_queue

    def replay(self, letter_ids: Sequence[int]) -> Replayed | None:
        """Queue the letters' keys; None when a letter does not exist (nothing queued)."""
        letters = [self.store.get_dead_letter(i) for i in letter_ids]
        if any(letter is None for letter in letters):
            return None
        keys = list(dict.fromkeys(letter.key for letter in letters if letter is not None))
        WorkQueue(self.store).add(keys, REPLAY_REASON)
        if self.after_queue is None:
            return Replayed(len(keys), 0)
        try:
            return Replayed(len(keys), self.after_queue())
        except Exception as exc:  # the keys are queued: the replay itself did not fail
            get_logger("connector.console").error(
                "console.replay_work_failed", error=redact_text(f"{type(exc).__name__}: {exc}")
            )
            return Replayed(len(keys), 0, work_failed=True)

    def resolve(self, letter_ids: Sequence[int], note: str) -> HandResolution:
        """Close the letters with the operator's note (audited); raises for an unknown id."""
        return resolve_by_hand(self.store, letter_ids, note)
