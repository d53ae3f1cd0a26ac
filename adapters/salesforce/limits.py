"""Guarding the org's daily API allocation, which the connector shares with everyone else.

Every REST answer carries ``Sforce-Limit-Info: api-usage=<used>/<max>``. Past the slowdown
share the adapter paces itself (its rate gate drops to a slow rate) so that people and other
integrations keep some headroom; past the stop share it refuses to make further calls and
raises :class:`FatalAdapterError` with code ``REQUEST_LIMIT_EXCEEDED`` before Salesforce
itself starts refusing every integration in the org.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from adapters.resilience import RateGate
from connector.errors import FatalAdapterError

QUOTA_CODE = "REQUEST_LIMIT_EXCEEDED"
# The allocation is a rolling 24 hours: a long-running daemon may look again after a while
# (one call, whose answer reports the usage anew) instead of staying stopped for good.
RECHECK_AFTER_SECONDS = 3600.0
_USAGE = re.compile(r"(?:^|[;,\s])api-usage=(\d+)/(\d+)")


@dataclass(frozen=True, slots=True)
class ApiUsage:
    used: int
    total: int

    @property
    def share(self) -> float:
        return self.used / self.total if self.total > 0 else 1.0


def parse_limit_info(header: str | None) -> ApiUsage | None:
    """``api-usage=18/5000`` (possibly with ``per-app-api-usage=...``) -> usage."""
    if not header:
        return None
    match = _USAGE.search(header)
    if match is None:
        return None
    return ApiUsage(int(match.group(1)), int(match.group(2)))


class UsageGuard:
    """Watches API usage; slows the gate down, and stops the adapter near the quota."""

    def __init__(
        self,
        system: str,
        gate: RateGate,
        *,
        slowdown_share: float,
        stop_share: float,
        slow_rate: float,
        recheck_after: float = RECHECK_AFTER_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.system = system
        self.gate = gate
        self.slowdown_share = slowdown_share
        self.stop_share = stop_share
        self.slow_rate = slow_rate
        self._normal_rate = gate.rate
        self._recheck_after = recheck_after
        self._clock = clock
        self._lock = threading.Lock()
        self.usage: ApiUsage | None = None
        self.slowed = False
        self._stopped: str | None = None
        self._stopped_at = 0.0

    def observe(self, usage: ApiUsage) -> None:
        """Record the usage an answer reported, and adjust the pace."""
        with self._lock:
            self.usage = usage
            share = usage.share
            if share >= self.stop_share:
                self._stop(
                    f"{usage.used} of {usage.total} daily API requests used "
                    f"({share:.0%} >= stop share {self.stop_share:.0%}); "
                    "stopping before the org's quota runs out"
                )
            if share >= self.slowdown_share:
                if not self.slowed:
                    normal = self._normal_rate
                    self.gate.rate = min(normal, self.slow_rate) if normal else self.slow_rate
                    self.slowed = True
            elif self.slowed:
                # The day rolled over (or the allocation grew): back to the configured pace.
                self.gate.rate = self._normal_rate
                self.slowed = False

    def quota_exhausted(self, message: str) -> None:
        """Salesforce itself answered REQUEST_LIMIT_EXCEEDED: no more calls today."""
        with self._lock:
            self._stop(message)

    def _stop(self, message: str) -> None:
        self._stopped = message
        self._stopped_at = self._clock()

    def check(self) -> None:
        """Raise instead of making a call once the stop share has been reached."""
        with self._lock:
            stopped = self._stopped
            if stopped is not None and self._clock() - self._stopped_at >= self._recheck_after:
                self._stopped = stopped = None  # let one call through to learn the usage
        if stopped is not None:
            raise FatalAdapterError(self.system, stopped, QUOTA_CODE)
