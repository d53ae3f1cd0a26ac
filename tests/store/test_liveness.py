"""Daemons beating in the store, and each system's last successful sync, on both backends."""

from __future__ import annotations

import datetime as dt

from connector.store import DaemonRecord, RunRecord, RunStatus, StateStore
from connector.store.timestamps import to_text

T0 = dt.datetime(2026, 3, 1, 12, 0, tzinfo=dt.UTC)
ALIVE = dt.timedelta(seconds=60)


def _daemon(name: str, beat: dt.datetime, workers: int = 2) -> DaemonRecord:
    return DaemonRecord(name, f"host-{name}", 100, T0, beat, workers)


def test_live_daemons_are_those_that_beat_lately(store: StateStore) -> None:
    """A daemon that beat within the window is alive; one silent for longer is not."""
    store.beat_daemon(_daemon("a", T0, workers=3))
    store.beat_daemon(_daemon("b", T0))
    later = T0 + dt.timedelta(seconds=50)
    store.beat_daemon(_daemon("a", later, workers=4))  # a beats again, b does not
    assert [(d.id, d.workers) for d in store.live_daemons(later, ALIVE)] == [("a", 4), ("b", 2)]
    much_later = T0 + dt.timedelta(seconds=100)
    alive = store.live_daemons(much_later, ALIVE)
    assert [d.id for d in alive] == ["a"]
    assert alive[0].host == "host-a"
    assert alive[0].started_at == T0
    assert alive[0].heartbeat_at == later


def test_a_daemon_that_stops_cleanly_is_forgotten(store: StateStore) -> None:
    store.beat_daemon(_daemon("a", T0))
    store.forget_daemon("a")
    assert store.live_daemons(T0, ALIVE) == []


def _run(
    store: StateStore,
    run_id: str,
    finished: dt.datetime,
    status: RunStatus,
    *,
    down: tuple[str, ...] = (),
    dry_run: bool = False,
) -> None:
    store.start_run(RunRecord(run_id, "queue", finished, dry_run, "v1"))
    summary = {
        "cost": {"stripe": {}, "salesforce": {}, "odoo": {}},
        "systems_down": dict.fromkeys(down, "revoked"),
    }
    store.finish_run(run_id, status, summary)
    # finish_run stamps the time of the call; the test needs its own order of runs.
    store._execute(  # type: ignore[attr-defined]
        "UPDATE run SET finished_at = ? WHERE id = ?", (to_text(finished), run_id)
    )


def test_last_sync_per_system_skips_systems_down_and_dry_runs(store: StateStore) -> None:
    """Each system's last sync is the newest run that brought it in line: a run that met
    Salesforce down still synced Odoo; dry runs and runs that failed as a whole sync none."""
    _run(store, "r1", T0, "clean")
    _run(store, "r2", T0 + dt.timedelta(minutes=1), "failed", down=("salesforce",))
    _run(store, "r3", T0 + dt.timedelta(minutes=2), "clean", dry_run=True)
    _run(store, "r4", T0 + dt.timedelta(minutes=3), "failed")
    assert store.last_synced() == {
        "stripe": T0 + dt.timedelta(minutes=1),
        "odoo": T0 + dt.timedelta(minutes=1),
        "salesforce": T0,
    }


def test_no_runs_no_last_sync(store: StateStore) -> None:
    assert store.last_synced() == {}
