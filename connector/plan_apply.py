"""Apply a reviewed plan: exactly its records, through the path every run takes.

The plan's subscriptions are reconciled like any run outside the queue (over a full scan
when that reads billing in fewer calls, as for a first load): billing and the targets are
read again under the keys' leases (see :mod:`connector.claims`), planned, passed
through the plan's gate (:mod:`connector.plan_gate`: what moved since the plan is refused,
saying why), checked by the safety valve, written in batches, read back, and recorded with
their audit entries and dead letters. The run's audit entries carry the plan's dry-run id as
their correlation id. Nothing outside the plan is written, and the queue is not worked.

A plan made with other mappings, or from another billing system, is refused whole.
"""

from __future__ import annotations

from dataclasses import dataclass

from connector.errors import ConnectorError
from connector.exit_codes import ExitCode
from connector.plan_file import PlanDocument, mapping_changes
from connector.plan_gate import PlanGate, Refusal
from connector.reconciler import Reconciler, RunOptions
from connector.report import RunReport

RUN_KIND = "apply"
# Billing has no multi-get: a run over named keys reads one subscription per call, a full scan
# a page of 100. A plan of many subscriptions (a first load) is applied over a scan.
SCAN_ABOVE_KEYS = 200
SCAN_ABOVE_SHARE = 0.01


class PlanRefusedError(ConnectorError):
    """The plan as a whole cannot be applied here: nothing was run."""


@dataclass(frozen=True, slots=True)
class PlanApplied:
    report: RunReport
    refused: list[Refusal]

    @property
    def exit_code(self) -> ExitCode:
        code = self.report.exit_code
        if code is ExitCode.CLEAN and self.refused:
            return ExitCode.PLAN_MOVED
        return code


def check_applicable(document: PlanDocument, reconciler: Reconciler) -> None:
    """Refuse a plan made with other mappings or from another billing system."""
    systems = mapping_changes(document.mapping_version, reconciler.mapping_version)
    if systems:
        raise PlanRefusedError(
            f"the plan {document.run_id} was made with other mappings than the configured ones "
            f"(changed: {', '.join(systems)}); nothing was applied: make a new plan with "
            "`connector reconcile --dry-run --plan-out FILE`"
        )
    if document.source_system != reconciler.source.system:
        raise PlanRefusedError(
            f"the plan {document.run_id} was made from billing system "
            f"{document.source_system!r}, the configured one is {reconciler.source.system!r}; "
            "nothing was applied"
        )


def apply_plan(
    document: PlanDocument, reconciler: Reconciler, *, allow_mass_changes: bool = False
) -> PlanApplied:
    """Apply what of ``document`` still holds; the rest is refused, each with its reason."""
    check_applicable(document, reconciler)

    def deferred(key: str) -> bool:
        claims = reconciler.reader.claims
        return claims is not None and key in claims.deferred

    gate = PlanGate(document, deferred)
    options = RunOptions(
        kind=RUN_KIND,
        allow_mass_changes=allow_mass_changes,
        correlation_id=document.run_id,
        admit=gate,
    )
    keys = list(document.by_subscription())
    if scan_cheaper(len(keys), reconciler.store.count_known()):
        report = reconciler.reconcile_all(options)
    else:
        report = reconciler.reconcile(keys, options)
    return PlanApplied(report, list(gate.refused))


def scan_cheaper(keys: int, known: int) -> bool:
    """Whether reading every subscription costs fewer billing calls than these keys one by one."""
    return keys > SCAN_ABOVE_KEYS and keys > SCAN_ABOVE_SHARE * known
