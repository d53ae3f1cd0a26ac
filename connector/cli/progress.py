"""Progress of long runs: a bar on a terminal, structured log lines otherwise.

The bar shows the step the run is in, how much of it is done out of how much (an estimate
for a full scan: the subscriptions the store knows), the rate and the time left, and it is
redrawn several times a second whether or not a count moved, so a quiet moment still shows
the time passing. Without a terminal, one ``run.progress`` line every few seconds says the
same for log collectors.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from rich.console import Console
from rich.progress import (
    BarColumn,
    Progress,
    ProgressColumn,
    Task,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.text import Text

from connector.cli.humanize import count
from connector.run_progress import RunProgress

LOG_EVERY_SECONDS = 5.0
REDRAWS_PER_SECOND = 4


class _Counts(ProgressColumn):
    """``12,300/20,000`` (``12,300/?`` while the total is unknown)."""

    def render(self, task: Task) -> Text:
        total = count(int(task.total)) if task.total is not None else "?"
        return Text(f"{count(int(task.completed))}/{total}", style="progress.download")


class _Rate(ProgressColumn):
    """``1,234/s`` once there is enough to tell."""

    def render(self, task: Task) -> Text:
        speed = task.finished_speed or task.speed
        return Text(f"{count(round(speed))}/s" if speed else "-/s", style="progress.data.speed")


class _Bar:
    """A rich progress bar, one task re-labelled at each step of the run."""

    def __init__(self, bar: Progress) -> None:
        self._bar = bar
        self._task = bar.add_task("starting", total=None)

    def step(self, name: str, total: int | None) -> None:
        self._bar.reset(self._task, total=total, completed=0, description=name)

    def advance(self, done: int) -> None:
        task = self._bar.tasks[0]
        # An estimate may be passed: a total is never shown below what is already done.
        total = max(int(task.total), done) if task.total is not None else None
        self._bar.update(self._task, completed=done, total=total)


class _LogLines:
    """A ``run.progress`` line at most every few seconds, with rate and time left."""

    def __init__(self, logger: Any) -> None:
        self._logger = logger
        self._name = "starting"
        self._total: int | None = None
        self._started = self._last = time.monotonic()

    def step(self, name: str, total: int | None) -> None:
        self._name, self._total = name, total
        self._started = self._last = time.monotonic()

    def advance(self, done: int) -> None:
        now = time.monotonic()
        finished = self._total is not None and done == self._total
        if now - self._last < LOG_EVERY_SECONDS and not finished:
            return
        self._last = now
        rate = done / max(now - self._started, 1e-9)
        total = max(self._total, done) if self._total is not None else None
        left = round((total - done) / rate) if total is not None and rate > 0 else None
        self._logger.info(
            "run.progress",
            step=self._name,
            done=done,
            total=total,
            per_second=round(rate, 1),
            seconds_left=left,
        )


def _columns() -> tuple[str | ProgressColumn, ...]:
    return (
        TextColumn("[progress.description]{task.description}"),
        BarColumn(),
        _Counts(),
        _Rate(),
        TextColumn("ETA"),
        TimeRemainingColumn(),
        TextColumn("elapsed"),
        TimeElapsedColumn(),
    )


@contextmanager
def progress_reporter(
    logger: Any, enabled: bool = True, console: Console | None = None
) -> Iterator[RunProgress | None]:
    if not enabled:
        yield None
        return
    if console is not None or sys.stderr.isatty():
        with Progress(
            *_columns(),
            console=console or Console(stderr=True),
            transient=True,
            refresh_per_second=REDRAWS_PER_SECOND,
            speed_estimate_period=10.0,
        ) as bar:
            yield _Bar(bar)
        return
    yield _LogLines(logger)
