"""How the CLI shows plans, reports, audit entries and dead letters to people and scripts."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from dataclasses import asdict
from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from connector.dead_letters import HandResolution
from connector.planner import RecordAction, SubscriptionPlan
from connector.report import RunReport
from connector.store import AuditEntry, DeadLetter, RunRecord

MAX_ROWS = 50


def _json_default(value: Any) -> Any:
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)


def dumps(value: Any) -> str:
    return json.dumps(value, default=_json_default, indent=2)


def plan_detail(plan: SubscriptionPlan) -> dict[str, Any]:
    return {
        "subscription_id": plan.key,
        "customer_id": plan.customer_id,
        "changes": [kind.value for kind in plan.changes],
        "mrr_before": f"{plan.mrr_before.amount:f}" if plan.mrr_before else None,
        "mrr_after": f"{plan.mrr_after.amount:f}" if plan.mrr_after else None,
        "mrr_delta": f"{plan.mrr_delta:f}" if plan.mrr_delta is not None else None,
        "currency": plan.currency,
        "errors": plan.errors,
        "records": [
            {
                "system": r.system,
                "object": r.object_name,
                "key": r.key,
                "action": r.action.value,
                "writes": r.writes,
                "diffs": [
                    {
                        "field": d.field,
                        "before": d.before,
                        "after": d.after,
                        "reason": d.reason.value,
                        "resolution": d.resolution.value,
                    }
                    for d in r.diffs
                ],
            }
            for r in plan.records
            if r.action is not RecordAction.NOOP
        ],
    }


def report_json(report: RunReport) -> str:
    return dumps({"summary": report.summary(), "plans": [plan_detail(p) for p in report.plans]})


def _why(plan: SubscriptionPlan) -> str:
    parts = []
    for record in plan.records:
        if record.action is RecordAction.NOOP:
            continue
        fields = ", ".join(
            d.field for d in record.diffs if d.resolution.value != "keep_target"
        ) or ", ".join(list(record.writes)[:4])
        parts.append(f"{record.system}.{record.object_name} {record.action.value}: {fields}")
    parts.extend(f"{system}: {reason}" for system, reason in plan.errors.items())
    return "; ".join(parts)


def print_report(console: Console, report: RunReport) -> None:
    changed = [p for p in report.plans if not p.is_noop]
    if changed:
        table = Table(title="Plan" if report.dry_run else "Changes", show_lines=False)
        for column in ("subscription", "change", "MRR delta", "what and why"):
            table.add_column(column, overflow="fold")
        for plan in changed[:MAX_ROWS]:
            delta = plan.mrr_delta
            table.add_row(
                plan.key,
                ", ".join(k.value for k in plan.changes) or "-",
                f"{delta:+f} {plan.currency}" if delta is not None else "-",
                _why(plan),
            )
        console.print(table)
        if len(changed) > MAX_ROWS:
            console.print(f"... and {len(changed) - MAX_ROWS} more (use --json for all)")
    summary = report.summary()
    console.print(
        f"[bold]{'Dry run' if report.dry_run else 'Run'} {report.run_id}[/bold]: "
        f"{summary['status']}; {report.subscriptions} subscriptions, "
        f"{report.unchanged} unchanged, {len(changed)} with changes, "
        f"{report.dead_letters} dead-lettered, {report.letters_resolved} dead letters resolved, "
        f"{report.conflicts} conflicts"
        + ("" if report.dry_run else f", {report.verified} records verified after writing")
    )
    for system, reason in sorted(report.systems_down.items()):
        console.print(
            f"[bold red]{system} is down[/bold red]: {reason}. Nothing was dead-lettered for "
            "it; run again once the system can be used (the daemon pauses it and retries)."
        )
    if summary["changes"]:
        console.print("changes: " + ", ".join(f"{k} {v}" for k, v in summary["changes"].items()))
    if summary["actions"]:
        console.print("records: " + ", ".join(f"{k} {v}" for k, v in summary["actions"].items()))
    if summary["applied"]:
        console.print("applied: " + ", ".join(f"{k} {v}" for k, v in summary["applied"].items()))
    if summary["mrr_by_currency"]:
        console.print(
            "MRR: " + ", ".join(f"{v} {k}" for k, v in summary["mrr_by_currency"].items())
        )
    cost = ", ".join(
        f"{system} {c['reads']} reads / {c['planned_writes']} write calls planned"
        + ("" if report.dry_run else f" / {c['writes']} made")
        for system, c in summary["cost"].items()
    )
    console.print(f"API calls: {cost}")
    for reason in summary["safety_valve"]:
        console.print(f"[red]safety valve:[/red] {reason}")
    if report.status == "stopped_by_safety_valve":
        console.print("Nothing was written. Re-run with --allow-mass-changes if this is intended.")


def print_audit(console: Console, entries: Sequence[AuditEntry]) -> None:
    table = Table(title="Audit trail")
    for column in ("time", "subscription", "events", "outcome", "MRR before -> after", "run"):
        table.add_column(column, overflow="fold")
    for entry in entries:
        mrr = f"{entry.mrr_before or '-'} -> {entry.mrr_after or '-'} {entry.currency or ''}"
        table.add_row(
            entry.at.strftime("%Y-%m-%d %H:%M:%S"),
            entry.subscription_id,
            ", ".join(entry.event_types) or "-",
            entry.outcome + (" (dry run)" if entry.dry_run else ""),
            mrr,
            entry.run_id,
        )
    console.print(table)


def audit_json(entries: Sequence[AuditEntry]) -> str:
    return dumps([asdict(entry) for entry in entries])


AUDIT_COLUMNS = (
    "at",
    "subscription_id",
    "customer_id",
    "event_types",
    "outcome",
    "dry_run",
    "mrr_before",
    "mrr_after",
    "mrr_delta",
    "currency",
    "movements",
    "targets",
    "run_id",
    "mapping_version",
)


def audit_csv(entries: Sequence[AuditEntry]) -> str:
    """One row per entry; events, movements and targets joined into one cell each."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=AUDIT_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for entry in entries:
        writer.writerow(
            {
                "at": entry.at.isoformat(),
                "subscription_id": entry.subscription_id,
                "customer_id": entry.customer_id,
                "event_types": " ".join(entry.event_types),
                "outcome": entry.outcome,
                "dry_run": entry.dry_run,
                "mrr_before": entry.mrr_before,
                "mrr_after": entry.mrr_after,
                "mrr_delta": entry.mrr_delta,
                "currency": entry.currency,
                "movements": " ".join(
                    f"{m['kind']}:{m['amount']}:{m['currency']}"
                    for m in entry.detail.get("movements", [])
                ),
                "targets": " ".join(sorted(entry.detail.get("targets", {}))),
                "run_id": entry.run_id,
                "mapping_version": entry.mapping_version,
            }
        )
    return buffer.getvalue()


def print_hand_resolution(console: Console, done: HandResolution) -> None:
    for letter in done.resolved:
        console.print(
            f"resolved {letter.id}: {escape(letter.key)} {letter.system} ({letter.error_code})"
        )
    for letter in done.already_closed:
        when = f" at {letter.resolved_at:%Y-%m-%d %H:%M:%S}" if letter.resolved_at else ""
        console.print(
            f"already resolved {letter.id}: {escape(letter.key)} {letter.system}, "
            f"by {letter.resolved_by_run or 'unknown'}{when}"
        )
    if done.resolved:
        console.print(
            f"audited as {done.resolution_id} (connector audit --run {done.resolution_id})"
        )


def print_dead_letters(console: Console, letters: Sequence[DeadLetter]) -> None:
    table = Table(title="Dead letters")
    for column in ("id", "subscription", "system", "code", "attempts", "status", "reason"):
        table.add_column(column, overflow="fold")
    for letter in letters:
        table.add_row(
            str(letter.id),
            letter.key,
            letter.system,
            letter.error_code,
            str(letter.attempts),
            letter.status,
            letter.reason,
        )
    console.print(table)


def _run_status(run: RunRecord) -> str:
    if run.status == "aborted" and run.finished_at is not None:
        # Its process died; when is its last sign of life.
        return f"aborted {run.finished_at:%Y-%m-%d %H:%M:%S}"
    return run.status


def print_runs(console: Console, runs: Sequence[RunRecord]) -> None:
    table = Table(title="Recent runs")
    for column in ("run", "kind", "started", "status", "dry run", "changed", "dead letters"):
        table.add_column(column)
    for run in runs:
        table.add_row(
            run.id,
            run.kind,
            run.started_at.strftime("%Y-%m-%d %H:%M:%S"),
            _run_status(run),
            "yes" if run.dry_run else "no",
            str(run.summary.get("changed", "-")),
            str(run.summary.get("dead_letters", "-")),
        )
    console.print(table)
