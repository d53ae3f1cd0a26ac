"""A target's stamp scan: every record's key, modstamp and remote id, per object.

A full run scans the stamps of each target that can list them, then looks up each chunk's
keys in them (see :mod:`connector.target_reads`). Held as dictionaries, a million
subscriptions' four records would take about 1.2 GB; past ``in_memory`` entries the index
moves to a SQLite file of the run's own in the temporary directory (``TMPDIR``), removed when
the scan's run ends, and chunks look their keys up there.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterable, Mapping, Sequence

from connector.scratch_db import ScratchDb

Stamp = tuple[str | None, str | None]  # (modstamp, remote id)

# Entries held as dictionaries before the index moves to disk: about 60 MB.
STAMPS_IN_MEMORY = 200_000
_LOOKUP = 500  # keys per query (SQLite allows 32,766 parameters; short statements cache)


class StampIndex:
    def __init__(self, in_memory: int | None = STAMPS_IN_MEMORY) -> None:
        self._limit = in_memory  # None: never to disk
        self._memory: dict[str, dict[str, Stamp]] = {}
        self._held = 0
        self._scratch: ScratchDb | None = None
        self._lock = threading.Lock()  # chunks of one target look up from two threads

    @property
    def on_disk(self) -> bool:
        return self._scratch is not None

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
        if self._scratch is not None:
            found.update(self._lookup_disk(self._scratch.conn, object_name, wanted))
        return found

    def close(self) -> None:
        self._memory = {}
        with self._lock:
            if self._scratch is not None:
                self._scratch.close()
                self._scratch = None

    def _open(self) -> sqlite3.Connection:
        if self._scratch is None:
            self._scratch = ScratchDb(
                "subsync-stamps-",
                "CREATE TABLE stamp (object TEXT, key TEXT, modstamp TEXT, remote_id TEXT,"
                " PRIMARY KEY (object, key)) WITHOUT ROWID",
                shared=True,
            )
        return self._scratch.conn

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

    def _lookup_disk(
        self, disk: sqlite3.Connection, object_name: str, keys: Sequence[str]
    ) -> dict[str, Stamp]:
        found: dict[str, Stamp] = {}
        with self._lock:
            for start in range(0, len(keys), _LOOKUP):
                chunk = keys[start : start + _LOOKUP]
                marks = ",".join("?" * len(chunk))  # placeholders only: values are bound
                rows = disk.execute(
                    "SELECT key, modstamp, remote_id FROM stamp"
                    f" WHERE object = ? AND key IN ({marks})",
                    (object_name, *chunk),
                )
                found.update((key, (modstamp, remote)) for key, modstamp, remote in rows)
        return found
