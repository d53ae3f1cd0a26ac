"""How far a run has got, for whoever shows it: the step it is in and how much of it is done.

A run goes through steps: reading billing and the targets and planning (the bulk of a full
run) and writing. Each step has a total when one is known (the
keys asked for; for a full scan, the subscriptions the store knows, an estimate: billing has
no cheap count) and reports what is done as it goes, so that a bar can show a rate and the
time left. The reconciler only calls this; the command line draws it (connector.cli.progress).
"""

from __future__ import annotations

from typing import Protocol


class RunProgress(Protocol):
    def step(self, name: str, total: int | None) -> None:
        """A step starts; ``total`` is how much it has to do, None when nobody knows."""

    def advance(self, done: int) -> None:
        """How much of the current step is done so far (a count, not an increment)."""


class NoProgress:
    """Nobody is watching."""

    def step(self, name: str, total: int | None) -> None:
        return None

    def advance(self, done: int) -> None:
        return None


READING = "reading and planning"
WRITING = "writing"
