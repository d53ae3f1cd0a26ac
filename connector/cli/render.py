"""How the CLI shows plans, reports, audit entries and dead letters to people and scripts."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from collections.abc import Sequence
from dataclasses import asdict
from typing import Any, TextIO

from rich import box
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from connector.cli.humanize import count, duration
from connector.dead_letters import HandResolution
from connector.planner import RecordAction, SubscriptionPlan
from connector.report import RunReport
from connector.store import AuditEntry, DeadLetter, RunRecord

MAX_ROWS = 50


def _table(title: str, *columns: str, whole: Sequence[str] = ()) -> Table:
    """A table as wide as the terminal at most: long cells wrap within their column, except
    the ``whole`` ones (dates, durations), which a line break would make hard to read."""
    table = Table(title=title, box=box.SIMPLE_HEAD, padding=(0, 1), pad_edge=False)
    for column in columns:
        table.add_column(column, overflow="fold", no_wrap=column in whole)
    return table


def _cells(*values: object) -> list[str]:
    """Cell texts as they read: a key or a target's message is never taken for markup."""
    return [escape(str(value)) for value in values]


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


def write_report_json(stream: TextIO, report: RunReport, *, include_noop: bool = False) -> None:
    """The run as one JSON document: its summary, then its plans, one per line.

    Plans are written as they are turned into JSON, never held as one string: a full run's
    plans can be many. Plans with nothing to do are left out (and counted) unless asked for.
    """
    shown = [p for p in report.plans if include_noop or not p.is_noop]
    head = {"summary": report.summary(), "noop_plans_omitted": len(report.plans) - len(shown)}
    stream.write(json.dumps(head, default=_json_default)[:-1] + ', "plans": [')
    for index, plan in enumerate(shown):
        stream.write(
            ("\n" if index == 0 else ",\n") + json.dumps(plan_detail(plan), default=_json_default)
        )
    stream.write("\n]}\n")


def report_json(report: RunReport, *, include_noop: bool = False) -> str:
    """The same document as one string, for a caller that adds to it before printing."""
    buffer = io.StringIO()
    write_report_json(buffer, report, include_noop=include_noop)
    return buffer.getvalue()


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
    changed = report.shown
    if changed:
        table = _table(
            "Plan" if report.dry_run else "Changes",
            "subscription",
            "change",
            "MRR delta",
            "what and why",
        )
        for plan in changed[:MAX_ROWS]:
            delta = plan.mrr_delta
            table.add_row(
                *_cells(
                    plan.key,
                    ", ".join(k.value for k in plan.changes) or "-",
                    f"{delta:+,f} {plan.currency}" if delta is not None else "-",
                    _why(plan),
                )
            )
        console.print(table)
        if report.changed > MAX_ROWS:
            console.print(f"... and {count(report.changed - MAX_ROWS)} more (use --json for all)")
    _print_summary(console, report, report.changed)


def _tally(counts: dict[str, int]) -> str:
    return escape(", ".join(f"{k} {count(v)}" for k, v in counts.items()))


def _print_summary(console: Console, report: RunReport, changed: int) -> None:
    summary = report.summary()
    console.print(
        f"[bold]{'Dry run' if report.dry_run else 'Run'} {report.run_id}[/bold]: "
        f"{summary['status']}; {count(report.subscriptions)} subscriptions, "
        f"{count(report.unchanged)} unchanged, {count(changed)} with changes, "
        f"{count(report.dead_letters)} dead-lettered, "
        f"{count(report.letters_resolved)} dead letters resolved, "
        f"{count(report.conflicts)} conflicts"
        + ("" if report.dry_run else f", {count(report.verified)} records verified after writing")
    )
    for system, reason in sorted(report.systems_down.items()):
        console.print(
            f"[bold red]{escape(system)} is down[/bold red]: {escape(reason)}. Nothing was "
            "dead-lettered for it; run again once the system can be used (the daemon pauses "
            "it and retries)."
        )
    for label in ("changes", "actions", "applied"):
        if summary[label]:
            console.print(f"{'records' if label == 'actions' else label}: {_tally(summary[label])}")
    if report.mrr_by_currency:
        console.print(
            "MRR: " + ", ".join(f"{v:,f} {k}" for k, v in sorted(report.mrr_by_currency.items()))
        )
    cost = ", ".join(
        f"{system} {count(c['reads'])} reads / {count(c['planned_writes'])} write calls planned"
        + ("" if report.dry_run else f" / {count(c['writes'])} made")
        for system, c in summary["cost"].items()
    )
    console.print(f"API calls: {escape(cost)}")
    for reason in summary["safety_valve"]:
        console.print(f"[red]safety valve:[/red] {escape(reason)}")
    if report.status == "stopped_by_safety_valve":
        console.print("Nothing was written. Re-run with --allow-mass-changes if this is intended.")


def print_audit(console: Console, entries: Sequence[AuditEntry]) -> None:
    if not entries:
        console.print("no audit entries match")
        return
    table = _table(
        "Audit trail", "time", "subscription", "events", "outcome", "MRR before -> after", "run"
    )
    for entry in entries:
        mrr = f"{entry.mrr_before or '-'} -> {entry.mrr_after or '-'} {entry.currency or ''}"
        table.add_row(
            *_cells(
                entry.at.strftime("%Y-%m-%d %H:%M:%S"),
                entry.subscription_id,
                ", ".join(entry.event_types) or "-",
                entry.outcome + (" (dry run)" if entry.dry_run else ""),
                mrr,
                entry.run_id,
            )
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
            f"resolved {letter.id}: {escape(letter.key)} {escape(letter.system)} "
            f"({escape(letter.error_code)})"
        )
    for letter in done.already_closed:
        when = f" at {letter.resolved_at:%Y-%m-%d %H:%M:%S}" if letter.resolved_at else ""
        console.print(
            f"already resolved {letter.id}: {escape(letter.key)} {escape(letter.system)}, "
            f"by {escape(letter.resolved_by_run or 'unknown')}{when}"
        )
    if done.resolved:
        console.print(
            f"audited as {done.resolution_id} (connector audit --run {done.resolution_id})"
        )


def print_dead_letters(console: Console, letters: Sequence[DeadLetter], *, closed: bool) -> None:
    if not letters:
        console.print("no dead letters" if closed else "no open dead letters")
        return
    table = _table(
        "Dead letters", "id", "subscription", "system", "code", "attempts", "status", "reason"
    )
    for letter in letters:
        table.add_row(
            *_cells(
                letter.id,
                letter.key,
                letter.system,
                letter.error_code,
                count(letter.attempts),
                letter.status,
                letter.reason,
            )
        )
    console.print(table)


def _run_status(run: RunRecord) -> str:
    if run.status == "aborted" and run.finished_at is not None:
        # Its process died; when is its last sign of life.
        return f"aborted {run.finished_at:%Y-%m-%d %H:%M:%S}"
    return run.status


def run_duration(run: RunRecord, now: dt.datetime) -> float | None:
    """Seconds the run took, or has taken so far if it still runs; None once it died."""
    if run.finished_at is not None:
        return (run.finished_at - run.started_at).total_seconds()
    return (now - run.started_at).total_seconds() if run.status == "running" else None


def _number(value: object) -> str:
    return count(value) if isinstance(value, int) else "-"


def print_runs(console: Console, runs: Sequence[RunRecord], now: dt.datetime) -> None:
    if not runs:
        console.print("no runs yet")
        return
    table = _table(
        "Recent runs",
        "run",
        "kind",
        "started (UTC)",
        "finished",
        "took",
        "status",
        "changed",
        "letters",
        whole=("started (UTC)", "finished", "took", "changed", "letters"),
    )
    for run in runs:
        took = run_duration(run, now)
        table.add_row(
            *_cells(
                run.id,
                run.kind + (" (dry run)" if run.dry_run else ""),
                f"{run.started_at:%Y-%m-%d %H:%M}",
                _finished(run),
                duration(took) if took is not None else "-",
                _run_status(run),
                _number(run.summary.get("changed")),
                _number(run.summary.get("dead_letters")),
            )
        )
    console.print(table)


def _finished(run: RunRecord) -> str:
    """The time alone when the run ended the day it started; the date too otherwise."""
    if run.finished_at is None:
        return "running" if run.status == "running" else "-"
    if run.finished_at.date() == run.started_at.date():
        return f"{run.finished_at:%H:%M}"
    return f"{run.finished_at:%Y-%m-%d %H:%M}"
