"""Planning a chunk that was read, and counting what was planned on the run's report.

The diff itself is pure (:func:`connector.planner.chunk.plan_chunk`); this adds the plans of
billing records that could not be read, and the report's tallies. No I/O happens here other
than waiting for the chunk's target reads and the ``history`` loader plan_chunk calls.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from decimal import Decimal

from adapters.base import SourceRead, Target
from connector.chunk_reader import PreparedChunk
from connector.planner import PlanPolicy, RecordAction, SubscriptionPlan
from connector.planner.chunk import ChunkResult, HistoryLoader, plan_chunk
from connector.report import RunReport, SystemCost


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


def count_planned(report: RunReport, targets: Mapping[str, Target]) -> None:
    """Actions, changes and conflicts of the report's plans, and the writes they will cost."""
    writes: dict[tuple[str, str], dict[str, set[str]]] = {}
    for plan in report.plans:
        report.changes.update(kind.value for kind in plan.changes)
        for record in plan.records:
            if record.action is not RecordAction.NOOP:
                report.actions[f"{record.system}.{record.action.value}"] += 1
            if record.needs_write:
                ops = writes.setdefault(
                    (record.system, record.object_name), {"create": set(), "update": set()}
                )
                ops[record.action.value].add(record.key)
            if record.action is RecordAction.CONFLICT or record.conflicts:
                report.conflicts += 1
    for (system, object_name), ops in writes.items():
        cost = report.cost.setdefault(system, SystemCost())
        cost.planned_writes += targets[system].estimate_write_calls(
            object_name, len(ops["create"]), len(ops["update"])
        )
