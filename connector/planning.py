"""Planning a chunk that was read, and counting what was planned on the run's report.

The diff itself is pure (:func:`connector.planner.chunk.plan_chunk`); this adds the plans of
billing records that could not be read, and the report's tallies. No I/O happens here other
than waiting for the chunk's target reads and the ``history`` loader plan_chunk calls.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

from adapters.base import SourceRead, Target
from connector.chunk_reader import PreparedChunk
from connector.planner import PlanPolicy, RecordAction, SubscriptionPlan
from connector.planner.chunk import ChunkResult, HistoryLoader, plan_chunk
from connector.report import RunReport, SystemCost


@dataclass(frozen=True, slots=True)
class PlannedChunk:
    """A chunk's plans, and every key it covered (planned or settled)."""

    keys: Sequence[str]
    plans: list[SubscriptionPlan]


def plan_prepared(
    prepared: PreparedChunk,
    report: RunReport,
    *,
    history: HistoryLoader,
    policy: PlanPolicy,
    now: dt.datetime,
) -> list[SubscriptionPlan]:
    """The chunk's plans, its unreadable billing records included; counted on ``report``."""
    read = prepared.read
    result = plan_chunk(
        current=prepared.current,
        missing=list(read.missing),
        fresh=prepared.fresh,
        stored=prepared.stored,
        previous=prepared.previous,
        states=prepared.target_states(),
        history=history,
        policy=policy,
        now=now,
        lettered=prepared.lettered,
    )
    _count_chunk(result, report)
    report.subscriptions += len(read.errors)
    return [*result.plans, *unreadable_plans(read)]


def unreadable_plans(read: SourceRead) -> list[SubscriptionPlan]:
    """A plan per billing record that could not be read: an error to dead-letter."""
    return [
        SubscriptionPlan(
            key=key,
            customer_id=None,
            current=None,
            errors={"billing": f"unreadable billing record: {error.reason}"},
        )
        for key, error in read.errors.items()
    ]


def _count_chunk(result: ChunkResult, report: RunReport) -> None:
    report.subscriptions += result.seen
    report.unknown_keys.extend(result.unknown)
    report.unchanged += result.unchanged
    for currency, amount in result.mrr_by_currency.items():
        report.mrr_by_currency[currency] = report.mrr_by_currency.get(currency, Decimal(0)) + amount


def count_planned(report: RunReport, plans: Sequence[SubscriptionPlan]) -> None:
    """Changes, actions, conflicts and records to write of a chunk's plans, on ``report``."""
    writes: dict[tuple[str, str, str], set[str]] = {}
    for plan in plans:
        report.changes.update(kind.value for kind in plan.changes)
        report.changed += not plan.is_noop
        report.writes_planned += plan.write_count
        for record in plan.records:
            if record.action is not RecordAction.NOOP:
                report.actions[f"{record.system}.{record.action.value}"] += 1
            if record.needs_write:
                id_ = (record.system, record.object_name, record.action.value)
                writes.setdefault(id_, set()).add(record.key)
            if record.action is RecordAction.CONFLICT or record.conflicts:
                report.conflicts += 1
    report.planned_records.update({id_: len(keys) for id_, keys in writes.items()})


def price_planned(report: RunReport, targets: Mapping[str, Target]) -> None:
    """The write calls the planned records will cost each target, once all are counted."""
    for (system, object_name), (creates, updates) in _by_object(report).items():
        cost = report.cost.setdefault(system, SystemCost())
        cost.planned_writes += targets[system].estimate_write_calls(object_name, creates, updates)


def _by_object(report: RunReport) -> dict[tuple[str, str], tuple[int, int]]:
    counted: dict[tuple[str, str], tuple[int, int]] = {}
    for (system, object_name, action), count in report.planned_records.items():
        creates, updates = counted.get((system, object_name), (0, 0))
        if action == RecordAction.CREATE.value:
            creates += count
        else:
            updates += count
        counted[(system, object_name)] = (creates, updates)
    return counted
