"""Optional persistence of a database to one SQLite file (rows stored as JSON)."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from connector.sandbox.odoo.database import OdooDatabase


def save(db: OdooDatabase, path: Path) -> None:
    """Write the whole database to ``path`` (replacing its previous content)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.unlink(missing_ok=True)
    with db.lock:
        rows = [
            (model, row_id, json.dumps(row))
            for model, table in db.tables.items()
            for row_id, row in table.rows.items()
        ]
        meta = {
            "database": db.name,
            "next_ids": {model: table.next_id for model, table in db.tables.items()},
            "sequences": db.sequences.dump(),
            "boot_date": db.boot_date,
        }
    connection = sqlite3.connect(tmp)
    try:
        with connection:
            connection.execute("CREATE TABLE records (model TEXT, id INTEGER, data TEXT)")
            connection.execute("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT)")
            connection.executemany("INSERT INTO records VALUES (?, ?, ?)", rows)
            connection.execute("INSERT INTO meta VALUES ('state', ?)", (json.dumps(meta),))
    finally:
        connection.close()
    tmp.replace(path)


def load(db: OdooDatabase, path: Path) -> None:
    """Replace the content of ``db`` by what :func:`save` wrote to ``path``."""
    connection = sqlite3.connect(path)
    try:
        records = connection.execute("SELECT model, id, data FROM records ORDER BY model, id")
        rows = records.fetchall()
        (meta_text,) = connection.execute("SELECT value FROM meta WHERE key='state'").fetchone()
    finally:
        connection.close()
    meta = json.loads(meta_text)
    with db.lock:
        sequences = db.sequences
        db.clear()
        db.sequences = sequences
        for model, _row_id, data in rows:
            if model in db.tables:
                db.tables[model].insert(json.loads(data))
        for model, next_id in meta["next_ids"].items():
            if model in db.tables:
                db.tables[model].next_id = max(db.tables[model].next_id, int(next_id))
        db.sequences.restore(meta["sequences"])
        db.boot_date = meta.get("boot_date", db.boot_date)
        db.rebuild_xmlid_index()
