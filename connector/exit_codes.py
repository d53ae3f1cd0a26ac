"""Exit codes of ``connector reconcile`` and friends, for schedulers and scripts."""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    """Exit codes of ``connector reconcile`` and friends, for schedulers and scripts."""

    CLEAN = 0
    FAILED = 1
    USAGE = 2  # bad arguments, configuration or mapping: nothing ran
    DEAD_LETTERS = 3  # the run finished, some records were dead-lettered
    SAFETY_VALVE = 4  # stopped before applying a mass change
    PLAN_MOVED = 5  # `apply`: records whose world moved since the plan were refused
