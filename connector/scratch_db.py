"""A run's private SQLite scratch file, for what would not fit in its memory.

Made in the temporary directory (``TMPDIR``) in a directory only this user can read, with
no journal (nothing in it outlives the run), and removed with its directory on close.
"""

from __future__ import annotations

import sqlite3
import tempfile
from pathlib import Path


class ScratchDb:
    def __init__(self, prefix: str, schema: str, *, shared: bool = False) -> None:
        """``schema``: the table to create; ``shared``: used from more than one thread."""
        self._directory = tempfile.TemporaryDirectory(prefix=prefix)
        self.path = Path(self._directory.name) / "scratch.db"
        self.conn = sqlite3.connect(self.path, check_same_thread=not shared)
        self.conn.execute("PRAGMA journal_mode = OFF")
        self.conn.execute("PRAGMA synchronous = OFF")
        self.conn.execute(schema)

    def close(self) -> None:
        self.conn.close()
        self._directory.cleanup()
