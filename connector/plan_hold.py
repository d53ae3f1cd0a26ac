"""A run's plans, held until the safety valve has seen all of them: in memory up to a bound,
then in a scratch file on disk.

The valve decides on the whole run before anything is written, so a run's writing plans wait
until planning ends. A first load of a million subscriptions plans a million of them: held in
memory they would need about 10 GB. Beyond ``in_memory`` plans the hold moves them to a
SQLite file in the temporary directory (``TMPDIR``) and hands them back one by one, one
customer's together so that a record two subscriptions write stays in one wave.

The file is the run's own scratch space, made private to this user (``mkdtemp``) and
removed when the run ends: it holds only what this process wrote, so the plans go there as
pickles.
"""

from __future__ import annotations

import pickle
import sqlite3
from collections.abc import Iterable, Iterator
from types import TracebackType

from connector.planner import SubscriptionPlan
from connector.scratch_db import ScratchDb
from connector.waves import WRITES_PER_WAVE, streamed_waves, waves

# Plans kept in memory before the hold moves to disk: about 150 MB of plans, and a run of a
# few thousand keys (a webhook's, a replay's) never pays for the file.
HELD_IN_MEMORY = 10_000
_READ_BACK = 500  # plans decoded per fetch from the file


class PlanHold:
    """Plans added chunk by chunk, handed back in waves (see :mod:`connector.waves`)."""

    def __init__(self, in_memory: int | None = HELD_IN_MEMORY) -> None:
        self._limit = in_memory  # None: never to disk
        self._memory: list[SubscriptionPlan] = []
        self._scratch: ScratchDb | None = None
        self._added = 0

    def __enter__(self) -> PlanHold:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.close()

    @property
    def on_disk(self) -> bool:
        return self._scratch is not None

    def __len__(self) -> int:
        return self._added

    def add(self, plans: Iterable[SubscriptionPlan]) -> None:
        before = len(self._memory)
        self._memory.extend(plans)
        self._added += len(self._memory) - before
        if self._limit is not None and len(self._memory) > self._limit:
            self._to_disk()

    def waves(self, per_wave: int = WRITES_PER_WAVE) -> Iterator[list[SubscriptionPlan]]:
        """The plans in waves: in the order added while in memory, else by customer."""
        if self._scratch is None:
            yield from waves(self._memory, per_wave)
            return
        self._to_disk()
        yield from streamed_waves(self._read_back(), per_wave)

    def close(self) -> None:
        self._memory = []
        if self._scratch is not None:
            self._scratch.close()
            self._scratch = None

    def _open(self) -> sqlite3.Connection:
        if self._scratch is None:
            self._scratch = ScratchDb(
                "subsync-held-",
                "CREATE TABLE held (customer TEXT NOT NULL, seq INTEGER, plan BLOB)",
            )
        return self._scratch.conn

    def _to_disk(self) -> None:
        disk = self._open()
        first = self._added - len(self._memory)
        disk.executemany(
            "INSERT INTO held (customer, seq, plan) VALUES (?, ?, ?)",
            (
                (plan.customer_id or "", first + offset, pickle.dumps(plan, protocol=5))
                for offset, plan in enumerate(self._memory)
            ),
        )
        disk.commit()
        self._memory = []

    def _read_back(self) -> Iterator[SubscriptionPlan]:
        cursor = self._open().execute("SELECT plan FROM held ORDER BY customer, seq")
        while rows := cursor.fetchmany(_READ_BACK):
            for (blob,) in rows:
                yield pickle.loads(blob)  # noqa: S301 - this run wrote it, to its own file
