"""Rows of the durable work queue and of the webhook inbox."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class WorkItem:
    """A subscription key leased to one worker until ``lease_expires_at``."""

    key: str
    reason: str
    attempts: int
    enqueued_at: dt.datetime
    lease_owner: str
    lease_expires_at: dt.datetime
    last_error: str | None = None


@dataclass(frozen=True, slots=True)
class QueueStats:
    queued: int
    leased: int
    delayed: int  # queued, but waiting for a retry backoff to pass
    oldest_enqueued_at: dt.datetime | None
