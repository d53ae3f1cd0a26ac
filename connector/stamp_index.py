"""A target's stamp scan: every record's key, modstamp and remote id, per object.

A full run scans the stamps of each target that can list them, then looks up each chunk's
keys in them (see :mod:`connector.target_reads`). Held as dictionaries, a million
subscriptions' four records would take about 1.2 GB; past ``in_memory`` entries the index
moves to a SQLite file of the run's own in the temporary directory (``TMPDIR``), removed when
the scan's run ends, and chunks look their keys up there.
"""

from __future__ import annotations

import sqlite3
import tempfile
import threading
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

Stamp = tuple[str | None, str | None]  # (modstamp, remote id)

# Entries held as dictionaries before the index moves to disk: about 60 MB.
STAMPS_IN_MEMORY = 200_000
_LOOKUP = 500  # keys per query (SQLite allows 32,766 parameters; short statements cache)


class StampIndex:
    def __init__(self, in_memory: int | None = STAMPS_IN_MEMORY) -> None:
        self._limit = in_memory  # None: never to disk
        self._memory: dict[str, dict[str, Stamp]] = {}
        self._held = 0
        self._scratch: tempfile.TemporaryDirectory[str] | None = None
        self._disk: sqlite3.Connection | None = None
        self._lock = threading.Lock()  # chunks of one target look up from two threads

    @property
    def on_disk(self) -> bool:
        return self._disk is not None

    def scanned(self, object_name: str) -> None:
        """The object was scanned (even if it holds no record): its keys are all known."""
        self._memory.setdefault(object_name, {})

    def add(self, object_name: str, page: Mapping[str, Stamp]) -> None:
        self._memory.setdefault(object_name, {}).update(page)
        self._held += len(page)
        if self._limit is not None and self._held > self._limit:
            self._to_disk()

    def covers(self, object_name: str) -> bool:
        return object_name in self._memory

    def lookup(self, object_name: str, keys: Iterable[str]) -> dict[str, Stamp]:
        """The stamps of those of ``keys`` the object holds."""
        wanted = list(dict.fromkeys(keys))
        held = self._memory.get(object_name, {})
        found = {key: held[key] for key in wanted if key in held}
        if self._disk is not None:
            found.update(self._lookup_disk(object_name, wanted))
        return found

    def close(self) -> None:
        self._memory = {}
        with self._lock:
            if self._disk is not None:
                self._disk.close()
                self._disk = None
            if self._scratch is not None:
                self._scratch.cleanup()
                self._scratch = None

    def _open(self) -> sqlite3.Connection:
        if self._disk is None:
            self._scratch = tempfile.TemporaryDirectory(prefix="subsync-stamps-")
            disk = sqlite3.connect(Path(self._scratch.name) / "stamps.db", check_same_thread=False)
            # Scratch space: nothing in it outlives the run, so nothing needs a journal.
            disk.execute("PRAGMA journal_mode = OFF")
            disk.execute("PRAGMA synchronous = OFF")
            disk.execute(
                "CREATE TABLE stamp (object TEXT, key TEXT, modstamp TEXT, remote_id TEXT,"
                " PRIMARY KEY (object, key)) WITHOUT ROWID"
            )
            self._disk = disk
        return self._disk

    def _to_disk(self) -> None:
        """Every entry held in memory goes to the file; the objects stay known."""
        with self._lock:
            disk = self._open()
            disk.executemany(
                "INSERT OR REPLACE INTO stamp VALUES (?, ?, ?, ?)",
                (
                    (name, key, stamp[0], stamp[1])
                    for name, entries in self._memory.items()
                    for key, stamp in entries.items()
                ),
            )
            disk.commit()
        self._memory = {name: {} for name in self._memory}
        self._held = 0

    def _lookup_disk(self, object_name: str, keys: Sequence[str]) -> dict[str, Stamp]:
        found: dict[str, Stamp] = {}
        with self._lock:
            assert self._disk is not None
            for start in range(0, len(keys), _LOOKUP):
                chunk = keys[start : start + _LOOKUP]
                marks = ",".join("?" * len(chunk))  # placeholders only: values are bound
                rows = self._disk.execute(
                    "SELECT key, modstamp, remote_id FROM stamp"
                    f" WHERE object = ? AND key IN ({marks})",
                    (object_name, *chunk),
                )
                found.update((key, (modstamp, remote)) for key, modstamp, remote in rows)
        return found
