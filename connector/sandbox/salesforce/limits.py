"""Daily API request allowance, the ``Sforce-Limit-Info`` header and ``/limits``.

Every REST API answer carries ``Sforce-Limit-Info: api-usage=<used>/<max>``; once the daily
allowance is used up, requests fail with 403 ``REQUEST_LIMIT_EXCEEDED`` "TotalRequests Limit
exceeded." (REST API Developer Guide, "Limits" and "Response Headers"). The sandbox counts
from the start of the UTC day.
"""

from __future__ import annotations

import datetime as dt
import threading
from typing import Any


class ApiUsage:
    """Thread-safe counter of API requests against a daily maximum."""

    def __init__(self, daily_limit: int) -> None:
        self._lock = threading.Lock()
        self.daily_limit = daily_limit
        self._used = 0
        self._day = dt.datetime.now(dt.UTC).date()

    def _roll(self) -> None:
        today = dt.datetime.now(dt.UTC).date()
        if today != self._day:
            self._day = today
            self._used = 0

    def consume(self) -> bool:
        """Count one request; False (and not counted) if the allowance is used up."""
        with self._lock:
            self._roll()
            if self._used >= self.daily_limit:
                return False
            self._used += 1
            return True

    @property
    def used(self) -> int:
        with self._lock:
            self._roll()
            return self._used

    def set_used(self, used: int) -> None:
        with self._lock:
            self._used = max(0, used)

    def reset(self) -> None:
        self.set_used(0)

    def header(self) -> str:
        return f"api-usage={self.used}/{self.daily_limit}"

    def limits_body(self) -> dict[str, Any]:
        """The ``/limits`` resource: maximum and remaining per limit."""
        used = self.used
        return {
            "DailyApiRequests": {"Max": self.daily_limit, "Remaining": self.daily_limit - used},
            "DailyAsyncApexExecutions": {"Max": 250000, "Remaining": 250000},
            "DailyBulkApiBatches": {"Max": 15000, "Remaining": 15000},
            "DailyBulkV2QueryJobs": {"Max": 10000, "Remaining": 10000},
            "DataStorageMB": {"Max": 5120, "Remaining": 5120},
            "FileStorageMB": {"Max": 5120, "Remaining": 5120},
            "SingleEmail": {"Max": 5000, "Remaining": 5000},
        }
