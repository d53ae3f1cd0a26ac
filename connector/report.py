"""The outcome of a run: what was planned, what landed, what it cost, and the exit code."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from connector.exit_codes import ExitCode
from connector.outcome import Decision, KeyFailure, decide
from connector.planner import SubscriptionPlan
from connector.safety import SafetyVerdict
from connector.store import RunStatus


@dataclass(slots=True)
class SystemCost:
    reads: int = 0
    writes: int = 0
    planned_writes: int = 0

    def as_dict(self) -> dict[str, int]:
        return {"reads": self.reads, "writes": self.writes, "planned_writes": self.planned_writes}


@dataclass(slots=True)
class RunReport:
    run_id: str
    kind: str
    dry_run: bool
    status: RunStatus = "running"
    subscriptions: int = 0
    unchanged: int = 0
    # Every plan, when the run was asked to keep them (see RunOptions.keep_plans); else the
    # first changed ones, enough to show (``examples``). The counters below count them all.
    plans: list[SubscriptionPlan] = field(default_factory=list)
    examples: list[SubscriptionPlan] = field(default_factory=list)
    changed: int = 0  # plans with something to write, report or audit
    writes_planned: int = 0  # records to write
    # (system, object, "create" | "update") -> records planned; a record two subscriptions
    # write counts once within a chunk
    planned_records: Counter[tuple[str, str, str]] = field(default_factory=Counter)
    changes: Counter[str] = field(default_factory=Counter)
    actions: Counter[str] = field(default_factory=Counter)  # "salesforce.create" -> n
    applied: Counter[str] = field(default_factory=Counter)  # "salesforce.ok" / ".failed"
    dead_letters: int = 0
    deferred: int = 0  # keys another worker held (or wrote meanwhile): left to the queue
    letters_resolved: int = 0  # open dead letters this run found answered (agreed or written)
    # keys billing does not have and the store never synced: nothing to reconcile (a typo?)
    unknown_keys: list[str] = field(default_factory=list)
    conflicts: int = 0
    verified: int = 0  # records read back after writing and found as written
    mrr_by_currency: dict[str, Decimal] = field(default_factory=dict)
    cost: dict[str, SystemCost] = field(default_factory=dict)
    verdict: SafetyVerdict | None = None
    full_scan: bool = False
    # subscription key -> (system, reason, retryable) for keys a system could not take
    failures: dict[str, tuple[str, str, bool]] = field(default_factory=dict)
    # every system's failure per key, and the systems found down (system -> why)
    key_failures: dict[str, list[KeyFailure]] = field(default_factory=dict)
    systems_down: dict[str, str] = field(default_factory=dict)

    def decision(self, key: str) -> Decision:
        """What happens to ``key`` after this run (decided in :mod:`connector.outcome`)."""
        return decide(self.key_failures.get(key, ()))

    @property
    def exit_code(self) -> ExitCode:
        if self.status == "stopped_by_safety_valve":
            return ExitCode.SAFETY_VALVE
        if self.status == "failed":
            return ExitCode.FAILED
        if self.status == "dead_letters":
            return ExitCode.DEAD_LETTERS
        return ExitCode.CLEAN

    @property
    def planned_writes(self) -> int:
        return self.writes_planned

    @property
    def shown(self) -> list[SubscriptionPlan]:
        """The changed plans a person is shown: all of them when kept, else the examples."""
        return [p for p in self.plans if not p.is_noop] if self.plans else self.examples

    def summary(self) -> dict[str, Any]:
        return {
            "run_id": self.run_id,
            "kind": self.kind,
            "dry_run": self.dry_run,
            "status": self.status,
            "subscriptions": self.subscriptions,
            "unchanged": self.unchanged,
            "changed": self.changed,
            "changes": dict(sorted(self.changes.items())),
            "actions": dict(sorted(self.actions.items())),
            "applied": dict(sorted(self.applied.items())),
            "dead_letters": self.dead_letters,
            "deferred": self.deferred,
            "systems_down": dict(sorted(self.systems_down.items())),
            "dead_letters_resolved": self.letters_resolved,
            "unknown_keys": list(self.unknown_keys),
            "conflicts": self.conflicts,
            "verified": self.verified,
            "mrr_by_currency": {k: f"{v:f}" for k, v in sorted(self.mrr_by_currency.items())},
            "cost": {system: cost.as_dict() for system, cost in sorted(self.cost.items())},
            "safety_valve": list(self.verdict.reasons) if self.verdict else [],
        }
