"""Which daemons are alive and when each system was last synced, in SQL.

Every daemon records itself in the ``daemon`` table and beats there while it runs; one that
stopped beating (killed, its machine gone) counts as dead once a few beats are missed, and a
daemon that stops cleanly removes its row. The last successful sync per system is read from
the runs' summaries: no extra write on the sync path.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from typing import Any, Protocol

from connector.store.records import DaemonRecord
from connector.store.timestamps import from_text, to_text

#: Runs read, newest first, looking for each system's last successful sync.
SYNC_SCAN_LIMIT = 1000
_SYNC_PAGE = 100
#: Run statuses in which every system not down was brought in line (dead letters are
#: records a target refused, not a system that failed).
_SYNCED = ("clean", "dead_letters", "failed")


class _Sql(Protocol):
    def _execute(self, sql: str, params: Sequence[Any] = ()) -> Any: ...

    def _rows(self, sql: str, params: Sequence[Any] = ()) -> list[Any]: ...


class Liveness:
    def beat_daemon(self: _Sql, daemon: DaemonRecord) -> None:
        """Record ``daemon`` (first call) or its new heartbeat and worker count."""
        self._execute(
            "INSERT INTO daemon (id, host, pid, started_at, heartbeat_at, workers)"
            " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET"
            " heartbeat_at = excluded.heartbeat_at, workers = excluded.workers",
            (
                daemon.id,
                daemon.host,
                daemon.pid,
                to_text(daemon.started_at),
                to_text(daemon.heartbeat_at),
                daemon.workers,
            ),
        )

    def forget_daemon(self: _Sql, daemon_id: str) -> None:
        self._execute("DELETE FROM daemon WHERE id = ?", (daemon_id,))

    def live_daemons(self: _Sql, now: dt.datetime, within: dt.timedelta) -> list[DaemonRecord]:
        """Daemons that beat within ``within`` of ``now``, oldest first."""
        rows = self._rows(
            "SELECT id, host, pid, started_at, heartbeat_at, workers FROM daemon"
            " WHERE heartbeat_at >= ? ORDER BY started_at, id",
            (to_text(now - within),),
        )
        return [
            DaemonRecord(
                id=str(row["id"]),
                host=str(row["host"]),
                pid=int(row["pid"]),
                started_at=from_text(row["started_at"]) or now,
                heartbeat_at=from_text(row["heartbeat_at"]) or now,
                workers=int(row["workers"]),
            )
            for row in rows
        ]

    def last_synced(self: _Sql) -> dict[str, dt.datetime]:
        """Per system, when the last run (not a dry run) that brought it in line finished.

        A run that met a system down still synced the others. Reads the newest runs only
        (``SYNC_SCAN_LIMIT``): a system not synced that long ago is left out.
        """
        found: dict[str, dt.datetime] = {}
        systems: set[str] | None = None
        for offset in range(0, SYNC_SCAN_LIMIT, _SYNC_PAGE):
            rows = self._rows(
                "SELECT finished_at, status, summary FROM run WHERE finished_at IS NOT NULL"
                " AND dry_run = 0 ORDER BY finished_at DESC LIMIT ? OFFSET ?",
                (_SYNC_PAGE, offset),
            )
            for row in rows:
                summary = json.loads(row["summary"] or "{}")
                cost = summary.get("cost") or {}
                systems = set(cost) if systems is None else systems | set(cost)
                if row["status"] not in _SYNCED:
                    continue
                down = summary.get("systems_down") or {}
                if row["status"] == "failed" and not down:
                    continue  # failed as a whole: nothing says which system went through
                at = from_text(row["finished_at"])
                for system in cost:
                    if system not in down and system not in found and at is not None:
                        found[system] = at
            if len(rows) < _SYNC_PAGE or (systems is not None and systems <= set(found)):
                break
        return found
