"""The sandbox clock (a test clock that admins can advance) and calendar arithmetic."""

from __future__ import annotations

import calendar
import datetime as dt
import threading
import time

DAY = 86400


class SandboxClock:
    """Wall-clock time plus an offset, or a fixed start time plus an offset."""

    def __init__(self, start: int | None = None) -> None:
        self._lock = threading.Lock()
        self._offset = 0 if start is None else start - int(time.time())

    def now(self) -> int:
        return int(time.time()) + self._offset

    def advance(self, seconds: int) -> int:
        if seconds < 0:
            raise ValueError("the sandbox clock only moves forward")
        with self._lock:
            self._offset += seconds
        return self.now()

    def set(self, now: int) -> int:
        current = self.now()
        if now < current:
            raise ValueError("the sandbox clock only moves forward")
        return self.advance(now - current)

    @property
    def offset(self) -> int:
        return self._offset

    def restore_offset(self, offset: int) -> None:
        with self._lock:
            self._offset = offset


def _add_months(moment: dt.datetime, months: int, anchor_day: int) -> dt.datetime:
    month_index = moment.month - 1 + months
    year = moment.year + month_index // 12
    month = month_index % 12 + 1
    day = min(anchor_day, calendar.monthrange(year, month)[1])
    return moment.replace(year=year, month=month, day=day)


def period_end(anchor: int, periods: int, interval: str, interval_count: int) -> int:
    """End of the ``periods``-th billing period counted from ``anchor``.

    Months are added calendar-wise from the anchor (a 31 January anchor bills on 28/29 February
    then 31 March), which is how Stripe keeps a billing cycle anchored to a day of the month.
    """
    steps = periods * interval_count
    if interval == "day":
        return anchor + steps * DAY
    if interval == "week":
        return anchor + steps * 7 * DAY
    start = dt.datetime.fromtimestamp(anchor, tz=dt.UTC)
    months = steps * 12 if interval == "year" else steps
    return int(_add_months(start, months, start.day).timestamp())


def add_months(moment: int, months: int) -> int:
    start = dt.datetime.fromtimestamp(moment, tz=dt.UTC)
    return int(_add_months(start, months, start.day).timestamp())


def period_containing(
    anchor: int, until: int, interval: str, interval_count: int
) -> tuple[int, int]:
    """The billing period (start, end) anchored at ``anchor`` with ``start <= until < end``.

    Periods are counted from the anchor without iterating one by one, so that bringing a
    subscription backdated by years up to date stays cheap.
    """
    if until < anchor:
        return anchor, period_end(anchor, 1, interval, interval_count)
    if interval in ("day", "week"):
        step = interval_count * DAY * (7 if interval == "week" else 1)
        k = (until - anchor) // step + 1
        return anchor + (k - 1) * step, anchor + k * step
    start_dt = dt.datetime.fromtimestamp(anchor, tz=dt.UTC)
    until_dt = dt.datetime.fromtimestamp(until, tz=dt.UTC)
    months = (until_dt.year - start_dt.year) * 12 + until_dt.month - start_dt.month
    per_period = interval_count * (12 if interval == "year" else 1)
    k = max(1, months // per_period)
    while k > 1 and period_end(anchor, k - 1, interval, interval_count) > until:
        k -= 1
    while period_end(anchor, k, interval, interval_count) <= until:
        k += 1
    start = anchor if k == 1 else period_end(anchor, k - 1, interval, interval_count)
    return start, period_end(anchor, k, interval, interval_count)
