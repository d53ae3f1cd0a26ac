"""Two connections opening the same new SQLite store at once (a daemon and a command)."""

from __future__ import annotations

import threading
from pathlib import Path

from connector.store import SqliteStore


def test_stores_opened_together_on_a_new_file_both_open(tmp_path: Path) -> None:
    for attempt in range(15):
        path = tmp_path / f"state-{attempt}.db"
        errors: list[BaseException] = []
        start = threading.Barrier(3)

        def open_it(
            where: Path = path,
            failed: list[BaseException] = errors,
            together: threading.Barrier = start,
        ) -> None:
            together.wait()
            try:
                SqliteStore(where).close()
            except BaseException as exc:  # reported by the assertion below
                failed.append(exc)

        threads = [threading.Thread(target=open_it) for _ in range(3)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        assert errors == []
