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
from connector.queue import WorkQueue
from connector.store import StateStore

REPLAY_REASON = "replay"

# Called once the keys are queued; returns how many keys it worked (0 if it only woke a worker).
AfterQueue = Callable[[], int]


@dataclass(frozen=True)
class Replayed:
    queued: int
    worked: int


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
        worked = self.after_queue() if self.after_queue is not None else 0
        return Replayed(len(keys), worked)

    def resolve(self, letter_ids: Sequence[int], note: str) -> HandResolution:
        """Close the letters with the operator's note (audited); raises for an unknown id."""
        return resolve_by_hand(self.store, letter_ids, note)
