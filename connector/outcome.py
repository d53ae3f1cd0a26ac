"""What happens to a key after an attempt: decided here, and only here.

Each target's result for the key is one of: written or in agreement; refused for good (the
record as it is will never be accepted: a dead letter with the target's message); failed for
now (a timeout, a lock, a 5xx: try again after a delay); or the *system* cannot be used at all
(revoked credentials, a missing permission, an exhausted daily quota). The key's outcome
follows, so that a transient failure in one target is never dropped because another target
refused the same key for good:

- a system down -> ``SYSTEM_DOWN``: that system is paused and the key goes back to the queue
  without spending an attempt; no dead letter, whatever the other target said;
- else anything to try again -> ``RETRY`` (an attempt is spent; the backoff grows);
- else anything refused for good -> ``TERMINAL`` (the dead letter waits for a person);
- else ``DONE``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum


class Outcome(StrEnum):
    DONE = "done"
    RETRY = "retry"
    TERMINAL = "terminal"
    SYSTEM_DOWN = "system_down"


@dataclass(frozen=True, slots=True)
class KeyFailure:
    """One system's failure for one key."""

    system: str
    reason: str
    retryable: bool
    system_down: bool = False


@dataclass(frozen=True, slots=True)
class Decision:
    outcome: Outcome
    system: str | None = None
    reason: str = ""


DONE = Decision(Outcome.DONE)


def decide(failures: Sequence[KeyFailure]) -> Decision:
    for failure in failures:
        if failure.system_down:
            return Decision(Outcome.SYSTEM_DOWN, failure.system, failure.reason)
    for failure in failures:
        if failure.retryable:
            return Decision(Outcome.RETRY, failure.system, failure.reason)
    for failure in failures:
        return Decision(Outcome.TERMINAL, failure.system, failure.reason)
    return DONE
