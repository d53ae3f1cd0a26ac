"""Optional SQLite snapshot of the org's records, so a demo survives a restart.

The whole store is written on :func:`save` (admin call or shutdown) and read back on start.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from connector.sandbox.salesforce.records import RecordStore

_CREATE = (
    "CREATE TABLE IF NOT EXISTS records (object TEXT NOT NULL, id TEXT PRIMARY KEY, data TEXT)"
)


def save(store: RecordStore, path: Path) -> int:
    """Write every record (recycle bin included) to ``path``; returns the record count."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.unlink(missing_ok=True)
    with store.lock:
        rows = [
            (name, record_id, json.dumps(record))
            for name, table in store.tables.items()
            for record_id, record in table.items()
        ]
    connection = sqlite3.connect(tmp)
    try:
        connection.execute(_CREATE)
        connection.executemany("INSERT INTO records VALUES (?, ?, ?)", rows)
        connection.commit()
    finally:
        connection.close()
    tmp.replace(path)
    return len(rows)


def load(store: RecordStore, path: Path) -> int:
    """Read records saved by :func:`save` into ``store``; unknown objects are skipped."""
    if not path.exists():
        return 0
    connection = sqlite3.connect(path)
    try:
        rows = connection.execute("SELECT object, data FROM records ORDER BY rowid").fetchall()
    finally:
        connection.close()
    count = 0
    for name, data in rows:
        obj = store.schema.get(name)
        if obj is None:
            continue
        store.put_raw(obj, json.loads(data))
        count += 1
    return count
