"""Two worker processes share one PostgreSQL queue of 10,000 keys."""

from __future__ import annotations

import itertools
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest

from connector.store.postgres import PostgresStore
from connector.store.timestamps import utcnow
from tests.conftest import postgres_store

REPO = Path(__file__).resolve().parents[2]
KEYS = 10_000


@pytest.mark.slow
def test_two_workers_share_the_queue_without_overlap_or_loss() -> None:
    """Every key is worked, none by two workers at once, none lost."""
    with postgres_store() as store:
        assert isinstance(store, PostgresStore)
        url = store._conn.info.dsn
        schema = store._execute("SELECT current_schema() AS s").fetchone()["s"]
        store._execute(
            "CREATE TABLE work_log (key TEXT, worker TEXT, started DOUBLE PRECISION,"
            " finished DOUBLE PRECISION)"
        )
        keys = [f"sub_{i:05d}" for i in range(KEYS)]
        store.enqueue(keys, "sweep", utcnow())
        workers = [
            subprocess.Popen(
                [sys.executable, "-m", "tests.store.queue_worker", url, schema, f"worker-{n}"],
                cwd=REPO,
            )
            for n in (1, 2)
        ]
        # Queue part of the keys again while the workers run: they must be worked again,
        # but never by both workers at the same time.
        again = keys[::10]
        store.enqueue(again, "webhook", utcnow())
        for worker in workers:
            assert worker.wait(timeout=300) == 0
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute(f'SET search_path TO "{schema}"')
            rows = conn.execute("SELECT key, worker, started, finished FROM work_log").fetchall()
        by_key: dict[str, list[tuple[str, float, float]]] = {}
        for key, worker, started, finished in rows:
            by_key.setdefault(key, []).append((worker, started, finished))
        assert set(by_key) == set(keys)  # none lost
        for key, spans in by_key.items():
            spans.sort(key=lambda span: span[1])
            for (_w1, _s1, end), (_w2, start, _e2) in itertools.pairwise(spans):
                assert start >= end, f"{key} was worked twice at once"
        assert {worker for spans in by_key.values() for worker, _s, _f in spans} == {
            "worker-1",
            "worker-2",
        }
        assert store.queue_stats(utcnow()).queued == 0
