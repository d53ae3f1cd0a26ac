"""A worker process for the shared-queue test: drains the queue, logs when it held each key."""

from __future__ import annotations

import sys
import time

import psycopg

from connector.queue import QueuePolicy, WorkQueue
from connector.store.postgres import PostgresStore


def main(url: str, schema: str, name: str) -> None:
    store = PostgresStore(url, schema=schema)
    queue = WorkQueue(store, QueuePolicy(lease_seconds=120))
    log = psycopg.connect(url, autocommit=True)
    log.execute(f'SET search_path TO "{schema}"')
    idle_since: float | None = None
    while True:
        items = queue.take(name, limit=50)
        if not items:
            idle_since = idle_since or time.monotonic()
            if time.monotonic() - idle_since > 2.0:
                break
            time.sleep(0.05)
            continue
        idle_since = None
        for item in items:
            started = time.time()
            time.sleep(0.0002)  # the work
            log.execute(
                "INSERT INTO work_log (key, worker, started, finished) VALUES (%s, %s, %s, %s)",
                (item.key, name, started, time.time()),
            )
            queue.done(item)
    store.close()
    log.close()


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], sys.argv[3])
