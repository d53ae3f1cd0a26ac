"""The safety valve: stop a run before it applies a suspicious mass change.

A wrong mapping, an empty or broken billing export, or a test key pointed at production
shows up as an unusual share of cancellations, pauses or overwrites. Above the configured
share the run stops before writing anything, says why, and needs ``--allow-mass-changes``.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from pydantic import BaseModel, ConfigDict, Field

from connector.planner import ChangeKind, RecordAction, SubscriptionPlan


class SafetySettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    max_cancel_share: float = Field(default=0.10, ge=0, le=1)
    max_pause_share: float = Field(default=0.10, ge=0, le=1)
    max_overwrite_share: float = Field(default=0.25, ge=0, le=1)
    # Below this many affected subscriptions the valve never trips: a run over a handful of
    # keys (a webhook, a replay) legitimately cancels all of them.
    min_affected: int = Field(default=20, ge=1)


@dataclass(frozen=True)
class SafetyVerdict:
    population: int
    cancels: int
    pauses: int
    overwrites: int
    reasons: tuple[str, ...] = field(default=())

    @property
    def tripped(self) -> bool:
        return bool(self.reasons)


def _overwrites(plan: SubscriptionPlan) -> bool:
    """Writes to existing records that no billing change explains (mapping or drift)."""
    explained = set(plan.changes) - {ChangeKind.DRIFT_CORRECTED}
    return not explained and any(r.action is RecordAction.UPDATE for r in plan.records)


@dataclass(slots=True)
class SafetyTally:
    """What the valve counts, added up chunk by chunk: a run need not hold its plans to be
    checked, only these four numbers."""

    writing: int = 0
    cancels: int = 0
    pauses: int = 0
    overwrites: int = 0

    def add(self, plans: Iterable[SubscriptionPlan]) -> None:
        for plan in plans:
            if not plan.write_count:
                continue
            self.writing += 1
            self.cancels += ChangeKind.CANCELLED in plan.changes
            self.pauses += ChangeKind.PAUSED in plan.changes
            self.overwrites += _overwrites(plan)


def check(
    plans: Sequence[SubscriptionPlan], population: int, settings: SafetySettings
) -> SafetyVerdict:
    tally = SafetyTally()
    tally.add(plans)
    return verdict_of(tally, population, settings)


def verdict_of(tally: SafetyTally, population: int, settings: SafetySettings) -> SafetyVerdict:
    """The valve's verdict on a run's counts against the book it is a share of."""
    base = max(population, 1)
    reasons = []
    for label, count, limit in (
        ("cancel", tally.cancels, settings.max_cancel_share),
        ("pause", tally.pauses, settings.max_pause_share),
        ("overwrite", tally.overwrites, settings.max_overwrite_share),
    ):
        if count >= settings.min_affected and count / base > limit:
            reasons.append(_reason(label, count, population, limit))
    return SafetyVerdict(population, tally.cancels, tally.pauses, tally.overwrites, tuple(reasons))


def _percent(share: float, places: int) -> str:
    return f"{share * 100:.{places}f} %"


def shares_apart(share: float, limit: float) -> tuple[str, str]:
    """Both shares as percentages, with as many decimals as it takes to tell them apart
    (25 of 100,000 against a 0.01 % limit is not "0 % > 0 %")."""
    for places in range(7):
        shown, allowed = _percent(share, places), _percent(limit, places)
        if shown != allowed:
            return shown, allowed
    return _percent(share, 7), _percent(limit, 7)


def _reason(label: str, count: int, population: int, limit: float) -> str:
    shown, allowed = shares_apart(count / max(population, 1), limit)
    at_most = math.floor(limit * max(population, 1) + 1e-9)
    return (
        f"would {label} {count:,} of {population:,} subscriptions ({shown}); "
        f"at most {allowed} allowed ({at_most:,} subscriptions)"
    )
