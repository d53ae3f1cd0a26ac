"""Optional persistence of the state to a SQLite file, so a demo survives a restart.

The whole state is written on an explicit save (``POST /__sandbox/save``) and when the app
shuts down, and read back at start-up. Objects are stored as JSON, one row each, in creation
order.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from connector.sandbox.stripe.state import StripeState

SCHEMA = """
CREATE TABLE IF NOT EXISTS objects (
    collection TEXT NOT NULL, position INTEGER NOT NULL, id TEXT NOT NULL, body TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
"""


def save(state: StripeState, path: Path) -> int:
    """Write everything to ``path`` (replacing its content); returns the number of objects."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with state.lock:
        rows = [
            (name, position, obj["id"], json.dumps(obj))
            for name, collection in state.all_collections().items()
            for position, obj in enumerate(collection.values())
        ]
        meta = {
            "clock_offset": json.dumps(state.clock.offset),
            "id_counter": json.dumps(state.ids.counter),
            "webhook_secrets": json.dumps(state.webhook_secrets),
            "deleted": json.dumps(state.deleted),
            "price_tiers": json.dumps(state.price_tiers),
            "coupon_currency_options": json.dumps(state.coupon_currency_options),
        }
    connection = sqlite3.connect(path)
    try:
        with connection:
            connection.executescript(SCHEMA)
            connection.execute("DELETE FROM objects")
            connection.execute("DELETE FROM meta")
            connection.executemany("INSERT INTO objects VALUES (?, ?, ?, ?)", rows)
            connection.executemany("INSERT INTO meta VALUES (?, ?)", list(meta.items()))
    finally:
        connection.close()
    return len(rows)


def load(state: StripeState, path: Path) -> int:
    """Replace the state with the content of ``path``; returns the number of objects."""
    if not path.exists():
        return 0
    connection = sqlite3.connect(path)
    try:
        connection.executescript(SCHEMA)
        rows = connection.execute(
            "SELECT collection, body FROM objects ORDER BY collection, position"
        ).fetchall()
        meta = dict(connection.execute("SELECT key, value FROM meta").fetchall())
    finally:
        connection.close()
    with state.lock:
        state.reset()
        collections = state.all_collections()
        for name, body in rows:
            obj = json.loads(body)
            collections[name].add(obj)
            if name == "subscriptions":
                for item in obj["items"]["data"]:
                    state.subscription_items[item["id"]] = obj["id"]
            if name == "tax_ids":
                state.tax_ids_of.setdefault(obj["customer"], []).append(obj["id"])
            if name == "prices" and obj.get("lookup_key"):
                state.prices_by_lookup_key[obj["lookup_key"]] = obj["id"]
        if "clock_offset" in meta:
            state.clock.restore_offset(json.loads(meta["clock_offset"]))
        if "id_counter" in meta:
            state.ids.advance_to(json.loads(meta["id_counter"]))
        state.webhook_secrets.update(json.loads(meta.get("webhook_secrets", "{}")))
        state.deleted.update(json.loads(meta.get("deleted", "{}")))
        state.price_tiers.update(json.loads(meta.get("price_tiers", "{}")))
        state.coupon_currency_options.update(json.loads(meta.get("coupon_currency_options", "{}")))
    return len(rows)
