"""The ``connector`` command line."""

from __future__ import annotations

import datetime as dt
import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape

from connector.burst import drain
from connector.cli.mrr_render import bridge_csv, bridge_json, print_bridge
from connector.cli.progress import progress_reporter
from connector.cli.render import (
    audit_csv,
    audit_json,
    dumps,
    print_audit,
    print_dead_letters,
    print_hand_resolution,
    print_report,
    print_runs,
    report_json,
)
from connector.cli.sandbox import sandbox_app
from connector.cli.verify_render import print_verify, verify_json
from connector.config import Settings, load_settings
from connector.daemon import queue_policy
from connector.dead_letters import UnknownDeadLetterError, resolve_by_hand
from connector.errors import ConfigError, ConnectorError, MappingContractError
from connector.logs import configure_logging, get_logger
from connector.mapping import MappingError, mapping_json_schema
from connector.reconciler import RunOptions
from connector.redaction import redact_text
from connector.report import ExitCode
from connector.revenue.bridge import bridge, month_periods
from connector.revenue.synced import synced_mrr
from connector.runtime import load_target_mappings, open_runtime
from connector.store import AuditQuery, open_store, utcnow
from connector.verify import verify_systems

app = typer.Typer(
    help="Keep billing (Stripe), CRM (Salesforce) and ERP (Odoo) subscriptions in agreement.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
mappings_app = typer.Typer(help="Check and describe mapping files.", no_args_is_help=True)
dlq_app = typer.Typer(
    help="Dead letters: records a system refused. A letter closes itself once a run finds its "
    "record in agreement; replay or resolve the others.",
    no_args_is_help=True,
)
app.add_typer(mappings_app, name="mappings")
app.add_typer(sandbox_app, name="sandbox")
app.add_typer(dlq_app, name="dlq")

ConfigOption = Annotated[
    Path | None,
    typer.Option(
        "--config", "-c", help="Configuration file (TOML or YAML).", envvar="CONNECTOR_CONFIG"
    ),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Machine-readable output.")]

out = Console(soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)


def _settings(config: Path | None) -> Settings:
    try:
        settings = load_settings(config)
    except ConfigError as exc:
        err.print(f"[red]configuration error:[/red] {exc}")
        raise typer.Exit(ExitCode.USAGE) from exc
    configure_logging(settings.log_format, settings.log_level)
    return settings


def _fail_usage(exc: Exception) -> typer.Exit:
    err.print(f"[red]error:[/red] {exc}")
    return typer.Exit(ExitCode.USAGE)


@contextmanager
def _exits_for(what: str) -> Iterator[None]:
    """A command's errors as exit codes: bad configuration or mapping 2, a failure 1."""
    try:
        yield
    except (MappingError, ConfigError) as exc:
        raise _fail_usage(exc) from exc
    except ConnectorError as exc:
        err.print(f"[red]{what}:[/red] {exc}")
        raise typer.Exit(ExitCode.FAILED) from exc


@app.command()
def reconcile(
    config: ConfigOption = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Plan and show, write nothing.")
    ] = False,
    subscription: Annotated[
        list[str] | None,
        typer.Option(
            "--subscription",
            "-s",
            help="Only these subscription ids (repeatable). An id billing does not have and "
            "that was never synced is a usage error (exit 2).",
        ),
    ] = None,
    allow_mass_changes: Annotated[
        bool,
        typer.Option("--allow-mass-changes", help="Apply even if the safety valve trips."),
    ] = False,
    as_json: JsonOption = False,
) -> None:
    """Bring the CRM and the ERP in line with billing (all subscriptions, or some)."""
    settings = _settings(config)
    logger = get_logger("connector.cli")
    options = RunOptions(
        dry_run=dry_run,
        allow_mass_changes=allow_mass_changes,
        kind="reconcile" if subscription else "full",
    )
    with (
        _exits_for("run failed"),
        progress_reporter(logger, enabled=not as_json) as progress,
        open_runtime(settings, progress) as runtime,
    ):
        if subscription:
            unknown = runtime.reconciler.unknown_keys(subscription)
            if unknown:
                raise _fail_usage(ValueError(_unknown_keys_message(unknown)))
            report = runtime.reconciler.reconcile(subscription, options)
        else:
            report = runtime.reconciler.reconcile_all(options)
        worked = 0
        if not dry_run and report.status != "stopped_by_safety_valve":
            worked = drain(
                runtime.store,
                runtime.reconciler,
                queue_policy(settings),
                settings.daemon.batch_size,
            )
    if as_json:
        sys.stdout.write(report_json(report) + "\n")
    else:
        print_report(out, report)
        if worked or report.deferred:
            out.print(
                f"queue: {report.deferred} keys left to the queue by this run (another worker "
                f"held them or wrote them meanwhile); {worked} queued keys worked before exiting"
            )
    raise typer.Exit(report.exit_code)


def _unknown_keys_message(keys: list[str]) -> str:
    """A mistyped id is the operator's to fix, not a record to dead-letter: say which, and how."""
    named = ", ".join(escape(key) for key in keys)
    noun = "subscription" if len(keys) == 1 else "subscriptions"
    return (
        f"billing has no {noun} {named} and none was ever synced: "
        "check the id given to --subscription"
    )


@app.command()
def audit(
    config: ConfigOption = None,
    subscription: Annotated[str | None, typer.Option("--subscription", "-s")] = None,
    event_type: Annotated[
        str | None, typer.Option("--type", "-t", help="e.g. cancelled, upgraded, paused")
    ] = None,
    since: Annotated[
        str | None, typer.Option("--since", help="ISO date or date-time (UTC if no zone)")
    ] = None,
    until: Annotated[
        str | None, typer.Option("--until", help="Before this ISO date or date-time (UTC).")
    ] = None,
    run: Annotated[str | None, typer.Option("--run", help="Only this run id.")] = None,
    system: Annotated[
        str | None, typer.Option("--system", help="Only changes planned for this target.")
    ] = None,
    outcome: Annotated[
        str | None, typer.Option("--outcome", help="applied, failed, partial, planned...")
    ] = None,
    include_dry_runs: Annotated[bool, typer.Option("--include-dry-runs")] = False,
    limit: Annotated[int, typer.Option("--limit", min=1, max=100_000)] = 100,
    as_json: JsonOption = False,
    as_csv: Annotated[bool, typer.Option("--csv", help="CSV, one row per entry.")] = False,
) -> None:
    """Query the audit trail: who changed what, when, and the MRR effect."""
    settings = _settings(config)
    query = AuditQuery(
        subscription,
        event_type,
        _moment(since, "--since"),
        run,
        include_dry_runs,
        limit + 1,  # one more tells whether the answer was cut
        until=_moment(until, "--until"),
        outcome=outcome,
        system=system,
    )
    store = open_store(settings.store_url)
    try:
        entries = store.query_audit(query)
    finally:
        store.close()
    truncated = len(entries) > limit
    entries = entries[:limit]
    if as_csv:
        sys.stdout.write(audit_csv(entries))
    elif as_json:
        sys.stdout.write(audit_json(entries) + "\n")
    else:
        print_audit(out, entries)
    if truncated:
        err.print(
            f"Showing the newest {limit:,} entries; there are more. "
            "Narrow with --since/--until, or raise --limit."
        )


def _moment(text: str | None, option: str) -> dt.datetime | None:
    if text is None:
        return None
    try:
        moment = dt.datetime.fromisoformat(text)
    except ValueError as exc:
        raise _fail_usage(ValueError(f"{option} {text!r} is not an ISO date")) from exc
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=dt.UTC)


def _utc_day(text: str, option: str) -> dt.datetime:
    try:
        day = dt.date.fromisoformat(text)
    except ValueError as exc:
        raise _fail_usage(ValueError(f"{option} {text!r} is not a date (YYYY-MM-DD)")) from exc
    return dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC)


@app.command()
def mrr(
    config: ConfigOption = None,
    from_day: Annotated[
        str | None,
        typer.Option("--from", help="First UTC day (default: the first of this month)."),
    ] = None,
    to_day: Annotated[
        str | None, typer.Option("--to", help="Last UTC day, included (default: today).")
    ] = None,
    by: Annotated[
        str, typer.Option("--by", help="'month' for one row per calendar month, or 'period'.")
    ] = "period",
    currency: Annotated[str | None, typer.Option("--currency", help="Only this currency.")] = None,
    as_json: JsonOption = False,
    as_csv: Annotated[
        bool, typer.Option("--csv", help="CSV, one row per currency and period.")
    ] = False,
) -> None:
    """The MRR bridge per currency: opening + new + expansion - contraction - churn +
    reactivation = closing, with ARR, churn and net revenue retention."""
    settings = _settings(config)
    today = utcnow().date()
    start = (
        _utc_day(from_day, "--from")
        if from_day
        else _utc_day(today.replace(day=1).isoformat(), "--from")
    )
    end = (_utc_day(to_day, "--to") if to_day else _utc_day(today.isoformat(), "--to")) + (
        dt.timedelta(days=1)
    )
    if end <= start:
        raise _fail_usage(ValueError("--to is before --from"))
    if by not in ("month", "period"):
        raise _fail_usage(ValueError(f"--by {by!r}: use 'month' or 'period'"))
    periods = month_periods(start, end) if by == "month" else [(start, end)]
    store = open_store(settings.store_url)
    try:
        rows = bridge(store.ledger(until=end), periods, currency.upper() if currency else None)
        synced = synced_mrr(store)
    finally:
        store.close()
    if currency:
        synced = {code: amount for code, amount in synced.items() if code == currency.upper()}
    if as_csv:
        sys.stdout.write(bridge_csv(rows))
    elif as_json:
        sys.stdout.write(bridge_json(rows, synced) + "\n")
    else:
        print_bridge(out, rows, synced)


@mappings_app.command("check")
def mappings_check(
    config: ConfigOption = None,
    as_json: JsonOption = False,
    live: Annotated[
        bool, typer.Option("--live", help="Also compare with the targets' live schemas.")
    ] = False,
) -> None:
    """Validate the configured mapping files against the canonical schema (and the targets)."""
    settings = _settings(config)
    if live:
        _check_live(settings, as_json)
    try:
        mappings = load_target_mappings(settings)
    except MappingError as exc:
        if as_json:
            issues = [
                {"file": i.file, "line": i.line, "field": i.field, "message": i.message}
                for i in exc.issues
            ]
            sys.stdout.write(dumps({"ok": False, "issues": issues}) + "\n")
        else:
            err.print(f"[red]{len(exc.issues)} problem(s) in the mappings:[/red]")
            for issue in exc.issues:
                err.print(f"  {issue}")
        raise typer.Exit(ExitCode.USAGE) from exc
    except ConfigError as exc:
        raise _fail_usage(exc) from exc
    described: dict[str, dict[str, Any]] = {
        name: {
            "file": m.path,
            "version": m.digest,
            "objects": {o.name: {"target": o.target, "fields": len(o.fields)} for o in m.ordered()},
        }
        for name, m in mappings.items()
    }
    if as_json:
        sys.stdout.write(dumps({"ok": True, "mappings": described}) + "\n")
        return
    for name, info in described.items():
        objects = ", ".join(
            f"{obj} -> {d['target']} ({d['fields']} fields)" for obj, d in info["objects"].items()
        )
        out.print(
            f"[green]ok[/green] {name}: {info['file']} (version {info['version']}): {objects}"
        )


def _check_live(settings: Settings, as_json: bool) -> None:
    try:
        with open_runtime(settings) as runtime:
            runtime.reconciler.check_contracts(force=True)
    except MappingContractError as exc:
        if as_json:
            sys.stdout.write(dumps({"ok": False, "live": exc.problems}) + "\n")
        else:
            err.print(f"[red]{exc}[/red]")
        raise typer.Exit(ExitCode.USAGE) from exc
    except (MappingError, ConfigError) as exc:
        raise _fail_usage(exc) from exc


@mappings_app.command("schema")
def mappings_schema(
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write to this file.")
    ] = None,
) -> None:
    """Print the JSON Schema of mapping files, for editor completion and validation."""
    text = json.dumps(mapping_json_schema(), indent=2) + "\n"
    if output is None:
        sys.stdout.write(text)
    else:
        output.write_text(text, encoding="utf-8")


@dlq_app.command("list")
def dlq_list(
    config: ConfigOption = None,
    show_all: Annotated[bool, typer.Option("--all", help="Include resolved letters.")] = False,
    limit: Annotated[int, typer.Option("--limit", min=1)] = 100,
    as_json: JsonOption = False,
) -> None:
    """List dead letters (open ones unless --all)."""
    settings = _settings(config)
    store = open_store(settings.store_url)
    try:
        letters = store.list_dead_letters(None if show_all else "open", limit)
    finally:
        store.close()
    if as_json:
        sys.stdout.write(dumps([asdict(letter) for letter in letters]) + "\n")
    else:
        print_dead_letters(out, letters)


@dlq_app.command("show")
def dlq_show(letter_id: int, config: ConfigOption = None) -> None:
    """Show one dead letter in full."""
    settings = _settings(config)
    store = open_store(settings.store_url)
    try:
        letter = store.get_dead_letter(letter_id)
    finally:
        store.close()
    if letter is None:
        err.print(f"no dead letter {letter_id}")
        raise typer.Exit(ExitCode.USAGE)
    sys.stdout.write(dumps(asdict(letter)) + "\n")


@dlq_app.command("replay")
def dlq_replay(
    letter_ids: Annotated[list[int] | None, typer.Argument(help="Letters to replay.")] = None,
    config: ConfigOption = None,
    replay_all: Annotated[bool, typer.Option("--all", help="Replay every open letter.")] = False,
    as_json: JsonOption = False,
) -> None:
    """Reconcile the subscriptions of dead letters again, once their cause is fixed."""
    settings = _settings(config)
    if not letter_ids and not replay_all:
        raise _fail_usage(ValueError("name letters to replay, or pass --all"))
    with open_runtime(settings) as runtime:
        if replay_all:
            letters = runtime.store.list_dead_letters("open", limit=1_000_000)
        else:
            found = [runtime.store.get_dead_letter(i) for i in letter_ids or []]
            missing = [
                i for i, letter in zip(letter_ids or [], found, strict=True) if letter is None
            ]
            if missing:
                raise _fail_usage(ValueError(f"no dead letter {', '.join(map(str, missing))}"))
            letters = [letter for letter in found if letter is not None]
        keys = list(dict.fromkeys(letter.key for letter in letters))
        if not keys:
            out.print("nothing to replay")
            return
        # Like any run outside the queue: under the keys' leases (a key a worker holds is
        # left to it), then what is ready in the queue is worked before exiting.
        report = runtime.reconciler.reconcile(keys, RunOptions(kind="replay"))
        drain(runtime.store, runtime.reconciler, queue_policy(settings), settings.daemon.batch_size)
    if as_json:
        sys.stdout.write(report_json(report) + "\n")
    else:
        print_report(out, report)
    raise typer.Exit(report.exit_code)


@dlq_app.command("resolve")
def dlq_resolve(
    letter_ids: Annotated[list[int], typer.Argument(help="Letters to close (see `dlq list`).")],
    note: Annotated[
        str,
        typer.Option(
            "--note",
            "-n",
            help="Why they need no run (kept in the audit trail).",
            show_default=False,
        ),
    ],
    config: ConfigOption = None,
    as_json: JsonOption = False,
) -> None:
    """Close dead letters by hand, when no run will: each closing is audited with the note.

    Letters close themselves once a run finds their record in agreement; this is for the rest.
    An unknown id closes nothing (exit 2); letters already closed are reported and skipped.
    """
    settings = _settings(config)
    if not note.strip():
        raise _fail_usage(ValueError("--note must say why the letters are closed"))
    store = open_store(settings.store_url)
    try:
        done = resolve_by_hand(store, letter_ids, note.strip())
    except UnknownDeadLetterError as exc:
        raise _fail_usage(exc) from exc
    finally:
        store.close()
    if as_json:
        body = {
            "resolution_id": done.resolution_id,
            "resolved": [letter.id for letter in done.resolved],
            "already_resolved": [asdict(letter) for letter in done.already_closed],
        }
        sys.stdout.write(dumps(body) + "\n")
        return
    print_hand_resolution(out, done)


@app.command()
def status(config: ConfigOption = None, as_json: JsonOption = False) -> None:
    """Show the state store: schema, known subscriptions, dead letters, cursors, last runs."""
    settings = _settings(config)
    store = open_store(settings.store_url)
    try:
        queue = store.queue_stats(utcnow())
        runs = store.recent_runs(10)
        store_cursors = store.cursors()
        down = store.systems_down()
        info = {
            # the URL may carry the database password: masked like in every log line
            "store": redact_text(settings.store_url),
            "schema_version": store.schema_version(),
            "subscriptions_synced": store.count_known(),
            "open_dead_letters": store.count_dead_letters("open"),
            "queue": {
                "queued": queue.queued,
                "leased": queue.leased,
                "delayed": queue.delayed,
                "oldest_enqueued_at": queue.oldest_enqueued_at,
            },
            "cursors": store_cursors,
            "systems_down": [
                {
                    "system": d.system,
                    "reason": d.reason,
                    "since": d.since,
                    "resume_at": d.resume_at,
                }
                for d in down
            ],
            "runs": [
                {
                    "id": r.id,
                    "kind": r.kind,
                    "started_at": r.started_at,
                    "status": r.status,
                    "finished_at": r.finished_at,
                    "dry_run": r.dry_run,
                }
                for r in runs
            ],
        }
    finally:
        store.close()
    if as_json:
        sys.stdout.write(dumps(info) + "\n")
        return
    out.print(
        f"store {info['store']} (schema v{info['schema_version']}): "
        f"{info['subscriptions_synced']} subscriptions synced, "
        f"{info['open_dead_letters']} open dead letters"
    )
    out.print(
        f"queue: {queue.queued} queued ({queue.delayed} backing off), {queue.leased} in work"
        + (
            f", oldest since {queue.oldest_enqueued_at:%Y-%m-%d %H:%M:%S}"
            if queue.oldest_enqueued_at
            else ""
        )
    )
    for d in down:
        out.print(
            f"[bold red]{d.system} is down[/bold red] since {d.since:%Y-%m-%d %H:%M:%S}: "
            f"{d.reason}; paused, its keys wait in the queue"
            + (f" (next try {d.resume_at:%H:%M:%S})" if d.resume_at else "")
        )
    for name, value in store_cursors.items():
        out.print(f"cursor {name}: {value}")
    print_runs(out, runs)


@app.command()
def verify(config: ConfigOption = None, as_json: JsonOption = False) -> None:
    """Compare status and MRR as billing, the CRM and the ERP each state them; writes nothing.

    Exit code 0 only when every subscription agrees in every system, 1 otherwise.
    """
    settings = _settings(config)
    with _exits_for("verify failed"), open_runtime(settings) as runtime:
        report = verify_systems(
            runtime.source, runtime.targets, create_cancelled=settings.sync.create_cancelled
        )
    if as_json:
        sys.stdout.write(verify_json(report) + "\n")
    else:
        print_verify(out, report)
    raise typer.Exit(ExitCode.CLEAN if report.agrees else ExitCode.FAILED)


@app.command()
def serve(config: ConfigOption = None) -> None:
    """Run only the webhook receiver (workers elsewhere drain the queue)."""
    from connector.daemon import Daemon

    settings = _settings(config)
    if not settings.webhook.secrets:
        raise _fail_usage(ValueError("set webhook.secrets (CONNECTOR_WEBHOOK__SECRETS)"))
    raise typer.Exit(Daemon(settings, serve=True, poll=False, workers=0).run())


@app.command()
def run(
    config: ConfigOption = None,
    workers: Annotated[int | None, typer.Option(min=0, help="Worker threads.")] = None,
    no_webhooks: Annotated[bool, typer.Option("--no-webhooks")] = False,
    no_poller: Annotated[bool, typer.Option("--no-poller")] = False,
) -> None:
    """Run the daemon: webhook receiver, workers and the change-feed poller."""
    from connector.daemon import Daemon

    settings = _settings(config)
    serve_hooks = not no_webhooks
    if serve_hooks and not settings.webhook.secrets:
        raise _fail_usage(
            ValueError("set webhook.secrets (CONNECTOR_WEBHOOK__SECRETS) or pass --no-webhooks")
        )
    try:
        code = Daemon(settings, serve=serve_hooks, poll=not no_poller, workers=workers).run()
    except (MappingError, ConfigError) as exc:
        raise _fail_usage(exc) from exc
    raise typer.Exit(code)


@app.command()
def demo(
    workdir: Annotated[Path, typer.Option(help="Where to write the demo's files.")] = Path(".demo"),
    subscriptions: Annotated[int, typer.Option(min=10, max=200_000)] = 2000,
    drift: Annotated[
        float, typer.Option(min=0.0, max=0.5, help="Share of drifted records.")
    ] = 0.03,
) -> None:
    """Run the whole job on a generated data set with drift, and show what it does."""
    from connector.cli.demo import run_demo

    configure_logging("console", "WARNING")
    raise typer.Exit(run_demo(workdir.resolve(), subscriptions, drift, out))


def main() -> None:
    app()
