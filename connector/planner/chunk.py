"""Plan a chunk of subscriptions: skip the settled ones, diff the rest.

This is the in-process heart of a run, free of I/O: the caller supplies what was read, and a
``history`` callback that loads snapshots and bindings for the subscriptions that need a full
diff (so that settled subscriptions cost neither a query nor a JSON decode).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field, replace
from decimal import Decimal

from connector.planner.model import SubscriptionPlan
from connector.planner.subscription import PlanPolicy, TargetState, plan_subscription
from connector.records import FieldValues, TargetRecord
from connector.schema import Subscription


@dataclass(slots=True)
class History:
    """What a full diff needs beyond the settled check, for one target.

    ``records`` holds whole records for objects whose state carried stamps only (from a
    stamp scan): they replace the stamp-only entries of the subscriptions being diffed.
    """

    snapshots: dict[str, dict[str, FieldValues]] = field(default_factory=dict)
    bindings: dict[str, dict[str, str]] = field(default_factory=dict)
    records: dict[str, dict[str, TargetRecord]] = field(default_factory=dict)


HistoryLoader = Callable[[str, Sequence[Subscription]], History]


@dataclass(slots=True)
class ChunkResult:
    plans: list[SubscriptionPlan] = field(default_factory=list)
    seen: int = 0
    unchanged: int = 0
    unknown: list[str] = field(default_factory=list)  # see plan_chunk
    mrr_by_currency: dict[str, Decimal] = field(default_factory=dict)

    def add_mrr(self, subscription: Subscription) -> None:
        money = subscription.mrr
        self.mrr_by_currency[money.currency] = (
            self.mrr_by_currency.get(money.currency, Decimal(0)) + money.amount
        )


def plan_chunk(
    *,
    current: Mapping[str, Subscription],
    missing: Sequence[str],
    fresh: Mapping[str, str],
    stored: Mapping[str, str],
    previous: Mapping[str, Subscription],
    states: Mapping[str, TargetState],
    history: HistoryLoader,
    policy: PlanPolicy,
    now: dt.datetime,
    lettered: AbstractSet[str] = frozenset(),
) -> ChunkResult:
    """Plans for the subscriptions of one chunk that need anything recorded.

    ``fresh`` and ``stored`` are the current and the last synced canonical fingerprints;
    ``previous`` holds the last synced state of the subscriptions whose fingerprint changed.
    ``lettered`` keys have open dead letters: they are always diffed and planned, even when
    their stamps say nothing changed, since only a plan can find them in agreement and close
    their letters. A missing key neither synced nor lettered is ``unknown``: never planned.
    """
    result = ChunkResult()
    checks = [state.settled_check() for state in states.values()]
    settled = {
        key
        for key, sub in current.items()
        if key not in lettered
        and fresh[key] == stored.get(key)
        and all(check(sub) for check in checks)
    }
    unsettled = [sub for key, sub in current.items() if key not in settled]
    unsettled.extend(previous[key] for key in missing if key in previous)
    full: dict[str, TargetState] = {}
    for system, state in states.items():
        loaded = history(system, unsettled)
        records = dict(state.records)
        for name, whole in loaded.records.items():
            obj = state.mapping.objects[name]
            merged = dict(records.get(name, {}))
            for diffed in unsettled:
                key = obj.key_of(diffed)
                if key is not None:
                    merged.pop(key, None)  # stamp-only, or gone since the scan
            merged.update(whole)
            records[name] = merged
        full[system] = replace(
            state, records=records, snapshots=loaded.snapshots, bindings=loaded.bindings
        )
    for key in (*current, *missing):
        if key not in current and key not in stored and key not in lettered:
            result.unknown.append(key)  # nothing billing has, nothing we hold: nothing to do
            continue
        result.seen += 1
        sub = current.get(key)
        if sub is not None and key in settled:
            result.unchanged += 1
            result.add_mrr(sub)
            continue
        before = previous.get(key, sub if key in stored else None)
        plan = plan_subscription(
            key=key, current=sub, previous=before, targets=full, policy=policy, now=now
        )
        plan.canonical_stale = sub is not None and fresh[key] != stored.get(key)
        if plan.current is not None:
            result.add_mrr(plan.current)
        if plan.is_noop:
            result.unchanged += 1
        if plan.needs_recording or key in lettered:
            result.plans.append(plan)
    return result
