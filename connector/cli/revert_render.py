"""How `connector revert` shows what it put back, skipped and left, to people and scripts."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from rich.console import Console
from rich.markup import escape

from connector.apply import RecordOutcome
from connector.plan_basis import canonical_json
from connector.revert import Reverted
from connector.revert_plan import SHOWN_VALUE, shown_text
from connector.revert_writes import TouchedRecord

MAX_LINES = 50
CONTEXT = 12  # characters shown before the first difference of two long values

BILLING_WINS = (
    "The next reconcile puts billing's truth back: to the connector a revert is an edit made in "
    "the target, so fields the mapping overwrites get billing's values again (drift: report "
    "fields are reported, drift: accept fields kept). Stop the daemon and the scheduled runs, "
    "or fix the mapping, first if the reverted values must stay. Revert is for a wrong mapping "
    "or a wrong run, not a way to overrule billing."
)


def _result(done: Reverted, outcome: RecordOutcome | None) -> str:
    if done.dry_run:
        return "planned"
    if outcome is None:
        return "not_applied"
    if not outcome.ok:
        return f"failed: {outcome.error.message if outcome.error else 'unknown'}"
    return "ok"


def _put_back(done: Reverted) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    for plan in done.plan.plans:
        for record in plan.records:
            record_id = (record.system, record.object_name, record.key)
            result = _result(done, done.outcomes.get(record_id))
            rows.extend(
                {
                    "subscription": plan.key,
                    "system": record.system,
                    "object": record.object_name,
                    "key": record.key,
                    "field": put.field,
                    "from": put.now,
                    "to": put.back,
                    "result": result,
                }
                for put in done.plan.fields[record_id]
            )
    return rows


def _touched(records: Sequence[TouchedRecord]) -> list[dict[str, Any]]:
    return [
        {
            "subscription": r.subscription,
            "system": r.system,
            "object": r.object_name,
            "key": r.key,
            "remote_id": r.remote_id,
        }
        for r in records
    ]


def reverted_json(done: Reverted) -> dict[str, Any]:
    return {
        "reverted_run": done.reverted_run,
        "dry_run": done.dry_run,
        "run_id": done.report.run_id if done.report else None,
        "status": done.report.status if done.report else "planned",
        "put_back": _put_back(done),
        "skipped": [
            {
                "subscription": s.subscription,
                "system": s.system,
                "object": s.object_name,
                "key": s.key,
                "field": s.field,
                "reason": s.reason,
            }
            for s in done.plan.skipped
        ],
        "created_left_in_place": _touched(done.writes.created),
        "without_values": _touched(done.writes.without_values),
        "left_to_the_queue": done.deferred,
        "read_back_differs": {" ".join(k): v for k, v in done.mismatches.items()},
        "safety_valve": list(done.verdict.reasons) if done.verdict else [],
        "note": BILLING_WINS,
    }


def _pair(before: Any, after: Any) -> str:
    """Two values, long ones from a little before where they start to differ."""
    old, new = canonical_json(before), canonical_json(after)
    if max(len(old), len(new)) <= SHOWN_VALUE:
        return f"{old} -> {new}"
    common = next(
        (i for i, (a, b) in enumerate(zip(old, new, strict=False)) if a != b),
        min(len(old), len(new)),
    )
    start = max(0, common - CONTEXT)
    cut = "..." if start else ""
    return f"{cut}{shown_text(old[start:])} -> {cut}{shown_text(new[start:])}"


def _lines(console: Console, title: str, lines: Sequence[str]) -> None:
    if not lines:
        return
    console.print(title)
    for line in lines[:MAX_LINES]:
        console.print(f"  {escape(line)}")
    if len(lines) > MAX_LINES:
        console.print(f"  ... and {len(lines) - MAX_LINES} more (use --json for all)")


def _record(r: TouchedRecord) -> str:
    remote = f" (id {r.remote_id})" if r.remote_id else ""
    return f"{r.subscription}: {r.system} {r.object_name} {r.key}{remote}"


def print_reverted(console: Console, done: Reverted) -> None:
    rows = _put_back(done)
    verb = "would put back" if done.dry_run else "put back"
    _lines(
        console,
        f"{verb} {len(rows)} fields in {len(done.plan.fields)} records:",
        [
            f"{r['subscription']}: {r['system']} {r['object']} {r['key']} {r['field']}: "
            f"{_pair(r['from'], r['to'])}"
            + ("" if r["result"] in ("ok", "planned") else f" [{r['result']}]")
            for r in rows
        ],
    )
    _lines(
        console,
        f"skipped {len(done.plan.skipped)} fields (changed again since that run, or not "
        "revertible):",
        [s.line() for s in done.plan.skipped],
    )
    _lines(
        console,
        f"left in place: {len(done.writes.created)} records that run created (remove them in "
        "the target by hand if they should not exist):",
        [_record(r) for r in done.writes.created],
    )
    _lines(
        console,
        "cannot put back (the audit entry kept no values: recorded after a crash):",
        [_record(r) for r in done.writes.without_values],
    )
    _lines(
        console,
        "left to the queue (another writer holds them or wrote them meanwhile):",
        list(done.deferred),
    )
    _lines(console, "read back otherwise after writing:", list(done.mismatches.values()))
    _summary(console, done)


def _summary(console: Console, done: Reverted) -> None:
    if done.verdict is not None and done.verdict.tripped and done.report is not None:
        for reason in done.verdict.reasons:
            console.print(f"[red]safety valve:[/red] {escape(reason)}")
        if done.report.status == "stopped_by_safety_valve":
            console.print("Nothing was written. Re-run with --allow-mass-changes if intended.")
    if done.report is None:
        console.print(f"[bold]Dry run[/bold]: revert of {done.reverted_run}; nothing written.")
    else:
        console.print(
            f"[bold]Revert {done.report.run_id}[/bold] of {done.reverted_run}: "
            f"{done.report.status}; audited as `connector audit --run {done.report.run_id}`"
        )
    console.print(f"[yellow]Note:[/yellow] {BILLING_WINS}")
