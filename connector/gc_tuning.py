"""Garbage-collector settings for a process that handles hundreds of thousands of records.

CPython's cyclic collector makes a full pass over every tracked object whenever the objects
that survived into the old generation grew by a quarter. A full reconcile keeps one chunk of
canonical models, target records and plans alive at a time and then drops them, so the old
generation keeps growing and shrinking: at 100,000 subscriptions 88 full passes took 24 s of
a 77 s run, while the collector found only 29,000 objects in cycles (bench/RESULTS.md).

So, once per process: objects that exist when the connector starts (modules, classes,
compiled mappings) are frozen out of every pass, and a generation-0 pass waits for 50,000
new objects instead of 700, which makes the old generation's passes rare. Reference
counting still frees all acyclic garbage at once; only cycles wait a little longer.
"""

from __future__ import annotations

import gc
import threading

THRESHOLDS = (50_000, 20, 100)

_lock = threading.Lock()
_done = False


def tune_collector() -> None:
    """Apply the settings above; later calls do nothing (freezing is for start-up objects)."""
    global _done
    with _lock:
        if _done:
            return
        _done = True
        gc.freeze()
        gc.set_threshold(*THRESHOLDS)
