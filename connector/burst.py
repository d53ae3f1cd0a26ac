"""Burst mode: work what is ready in the queue with the daemon's worker code, then stop.

``connector reconcile`` ends with it (arq's ``--burst`` is the model): the keys the run left
to the queue (another worker held them, or wrote them after the run read billing) and anything
triggers queued are worked before the command exits, each under its lease, from fresh reads.
Keys a running daemon holds, or that wait for their backoff, are left to it.
"""

from __future__ import annotations

import os
import socket

from connector.metrics import Metrics
from connector.queue import QueuePolicy, WorkQueue
from connector.reconciler import Reconciler
from connector.store import StateStore
from connector.worker import Worker


def drain(store: StateStore, reconciler: Reconciler, policy: QueuePolicy, batch: int) -> int:
    """Keys worked until nothing is ready."""
    name = f"{socket.gethostname()}-burst-{os.getpid()}"
    worker = Worker(name, WorkQueue(store, policy), reconciler, batch=batch, metrics=Metrics())
    worked = 0
    while count := worker.run_once():
        worked += count
    return worked
