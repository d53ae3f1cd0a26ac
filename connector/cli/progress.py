"""Progress of long runs: a bar on a terminal, structured log lines otherwise."""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

from connector.reconciler import Progress as ProgressCallback

LOG_EVERY_SECONDS = 5.0


@contextmanager
def progress_reporter(logger: Any, enabled: bool = True) -> Iterator[ProgressCallback | None]:
    if not enabled:
        yield None
        return
    if sys.stderr.isatty():
        with Progress(
            "[progress.description]{task.description}",
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            transient=True,
        ) as bar:
            task = bar.add_task("reconciling", total=None)

            def update(done: int, total: int | None) -> None:
                bar.update(task, completed=done, total=total)

            yield update
        return
    last = [0.0]

    def log(done: int, total: int | None) -> None:
        now = time.monotonic()
        if now - last[0] >= LOG_EVERY_SECONDS or (total is not None and done >= total):
            last[0] = now
            logger.info("run.progress", done=done, total=total)

    yield log
