"""Systems found down, paused with a capped backoff, for every worker of every process.

When a target cannot be used at all (revoked credentials, a missing permission, the daily
API quota), trying key after key would only turn every queued key into a dead letter. The
system is paused instead: it is recorded down in the store (``connector status``,
``/readyz`` and ``connector_system_down`` show it), workers take no work until the pause
ends, and then one batch probes it. A pause doubles each time the probe finds the system
still down, up to ``cap`` seconds; the first batch that goes through ends it.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable
from dataclasses import dataclass, field

from connector.store import StateStore

DEFAULT_PAUSE_BASE = 5.0
DEFAULT_PAUSE_CAP = 300.0


@dataclass
class SystemPauses:
    store: StateStore
    clock: Callable[[], dt.datetime]
    base: float = DEFAULT_PAUSE_BASE
    cap: float = DEFAULT_PAUSE_CAP
    _streaks: dict[str, int] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    # Systems the last look at the store found down: a batch that goes through only has
    # something to resume when there were any (one query less per batch otherwise).
    _seen_down: tuple[str, ...] = ()

    def pause(self, system: str, reason: str) -> float:
        """Record ``system`` down; return how long to wait before probing it again."""
        with self._lock:
            streak = self._streaks.get(system, 0) + 1
            self._streaks[system] = streak
        delay: float = min(self.cap, self.base * 2 ** (streak - 1))
        now = self.clock()
        self.store.set_system_down(system, reason, now, now + dt.timedelta(seconds=delay))
        return delay

    def wait_seconds(self) -> float:
        """How long until every paused system may be probed (0: none is paused)."""
        now = self.clock()
        down = self.store.systems_down()
        self._seen_down = tuple(d.system for d in down)
        waits = [(d.resume_at - now).total_seconds() for d in down if d.resume_at is not None]
        return max([0.0, *waits])

    def resume_all(self) -> None:
        """A batch went through every system: whatever was recorded down works again
        (whichever process paused it)."""
        with self._lock:
            paused_here = bool(self._streaks)
            self._streaks.clear()
        if not paused_here and not self._seen_down:
            return
        now = self.clock()
        for down in self.store.systems_down():
            self.store.set_system_up(down.system, now)
        self._seen_down = ()
