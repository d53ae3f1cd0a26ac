"""`connector status`'s block on daemons: which are alive, from their beats in the store."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.markup import escape

from connector.liveness import DAEMON_ALIVE_WITHIN
from connector.store import DaemonRecord, StateStore, utcnow


def live_daemons(store: StateStore) -> list[DaemonRecord]:
    return store.live_daemons(utcnow(), DAEMON_ALIVE_WITHIN)


def daemons_json(daemons: list[DaemonRecord]) -> list[dict[str, Any]]:
    return [
        {
            "host": d.host,
            "pid": d.pid,
            "workers": d.workers,
            "started_at": d.started_at,
            "heartbeat_at": d.heartbeat_at,
        }
        for d in daemons
    ]


def print_daemons(out: Console, daemons: list[DaemonRecord]) -> None:
    if not daemons:
        out.print(f"daemons: none alive (no beat in the last {DAEMON_ALIVE_WITHIN.seconds} s)")
        return
    now = utcnow()
    workers = sum(d.workers for d in daemons)
    out.print(f"daemons: {len(daemons)} alive, {workers} workers")
    for d in daemons:
        beat = max(0, int((now - d.heartbeat_at).total_seconds()))
        out.print(
            f"  {escape(d.host)} pid {d.pid}: {d.workers} workers, up since "
            f"{d.started_at:%Y-%m-%d %H:%M:%S}, last beat {beat} s ago"
        )
