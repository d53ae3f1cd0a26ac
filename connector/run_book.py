"""A run's row in the store: started with its owner, finished with its status and cost."""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Mapping

from adapters.base import Source, Target
from connector.intents import this_host
from connector.report import RunReport, SystemCost
from connector.store import RunRecord, RunStatus, StateStore

# system -> (reads, writes) made so far by its client
CallCounts = dict[str, tuple[int, int]]


def start_run(store: StateStore, report: RunReport, mapping_version: str, at: dt.datetime) -> None:
    """The run's row, with the host and process that own it (see connector.intents)."""
    store.start_run(
        RunRecord(
            report.run_id,
            report.kind,
            at,
            report.dry_run,
            mapping_version,
            owner_host=this_host(),
            owner_pid=os.getpid(),
        )
    )


def call_counts(source: Source, targets: Mapping[str, Target]) -> CallCounts:
    counters = {source.system: source.calls}
    counters.update({system: target.calls for system, target in targets.items()})
    return {system: (c.reads, c.writes) for system, c in counters.items()}


def finish_run(store: StateStore, report: RunReport, before: CallCounts, after: CallCounts) -> None:
    """The run's cost (calls made since it started) on its report, and its row closed."""
    for system, (reads, writes) in after.items():
        was = before.get(system, (0, 0))
        cost = report.cost.setdefault(system, SystemCost())
        cost.reads = reads - was[0]
        cost.writes = writes - was[1]
    store.finish_run(report.run_id, report.status, report.summary())


def status_of(report: RunReport, allow_mass_changes: bool) -> RunStatus:
    """How a run that did not raise ended."""
    if report.verdict is not None and report.verdict.tripped and not allow_mass_changes:
        return "stopped_by_safety_valve"
    if report.systems_down:
        # Nothing was dead-lettered for it, but the run did not bring that system in line.
        return "failed"
    return "dead_letters" if report.dead_letters else "clean"
