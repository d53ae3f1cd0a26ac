"""Seeding's progress on a terminal: one bar per phase with its total, rate and time left."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from rich.console import Console
from rich.progress import (
    BarColumn,
    Progress,
    ProgressColumn,
    Task,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.text import Text

#: How each phase is named on the bar.
PHASES = {
    "billing": "billing",
    "CRM and ERP": "CRM and ERP",
    "drift": "drift by hand",
}


class CountColumn(ProgressColumn):
    """``12,000/20,000`` with thousands separators."""

    def render(self, task: Task) -> Text:
        total = f"{int(task.total):,}" if task.total is not None else "?"
        return Text(f"{int(task.completed):,}/{total}", style="progress.download")


class RateColumn(ProgressColumn):
    """Subscriptions a second, over rich's recent window."""

    def render(self, task: Task) -> Text:
        speed = task.finished_speed or task.speed
        return Text(f"{speed:,.0f}/s" if speed else "-/s", style="progress.data.speed")


class RichSeedProgress:
    """A :class:`~connector.sandbox.seeding.SeedProgress` drawing on a rich progress display."""

    def __init__(self, progress: Progress) -> None:
        self._progress = progress
        self._task: TaskID | None = None

    def phase(self, name: str, total: int) -> None:
        self.finish()
        self._task = self._progress.add_task(PHASES.get(name, name), total=total)

    def advance(self, done: int) -> None:
        if self._task is not None:
            self._progress.advance(self._task, done)

    def finish(self) -> None:
        if self._task is not None:
            task = self._progress.tasks[self._task]
            if task.total is not None:
                self._progress.update(self._task, completed=task.total)


@contextmanager
def seed_progress(console: Console) -> Iterator[RichSeedProgress]:
    """Bars that refresh several times a second (the elapsed time and ETA move between
    batches too); they stay on screen once done, as a record of each phase's pace."""
    with Progress(
        TextColumn("[progress.description]{task.description}"),
        BarColumn(),
        CountColumn(),
        RateColumn(),
        TextColumn("eta"),
        TimeRemainingColumn(),
        TextColumn("elapsed"),
        TimeElapsedColumn(),
        console=console,
        refresh_per_second=4,
    ) as progress:
        reporter = RichSeedProgress(progress)
        yield reporter
        reporter.finish()
