"""`connector dlq`: list, show, replay and resolve dead letters."""

from __future__ import annotations

import sys
from dataclasses import asdict
from typing import Annotated

import typer

from connector.cli.common import (
    ConfigOption,
    JsonOption,
    existing_store,
    fail_usage,
    out,
    say_error,
    settings_for,
)
from connector.exit_codes import ExitCode

dlq_app = typer.Typer(
    help="Dead letters: records a system refused. A letter closes itself once a run finds its "
    "record in agreement; replay or resolve the others.",
    no_args_is_help=True,
)


@dlq_app.command("list")
def dlq_list(
    config: ConfigOption = None,
    show_all: Annotated[bool, typer.Option("--all", help="Include resolved letters.")] = False,
    limit: Annotated[int, typer.Option("--limit", min=1, help="At most this many letters.")] = 100,
    as_json: JsonOption = False,
) -> None:
    """List dead letters (open ones unless --all)."""
    from connector.cli.render import dumps, print_dead_letters

    settings = settings_for(config)
    with existing_store(settings) as store:
        letters = store.list_dead_letters(None if show_all else "open", limit)
    if as_json:
        sys.stdout.write(dumps([asdict(letter) for letter in letters]) + "\n")
    else:
        print_dead_letters(out, letters, closed=show_all)


@dlq_app.command("show")
def dlq_show(letter_id: int, config: ConfigOption = None) -> None:
    """Show one dead letter in full."""
    from connector.cli.render import dumps

    settings = settings_for(config)
    with existing_store(settings) as store:
        letter = store.get_dead_letter(letter_id)
    if letter is None:
        say_error("error", f"no dead letter {letter_id} (see `connector dlq list --all`)")
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
    from connector.burst import drain
    from connector.cli.render import print_report, write_report_json
    from connector.daemon import queue_policy
    from connector.reconciler import RunOptions
    from connector.runtime import open_runtime

    settings = settings_for(config)
    if not letter_ids and not replay_all:
        raise fail_usage(ValueError("name letters to replay, or pass --all"))
    with open_runtime(settings) as runtime:
        if replay_all:
            letters = runtime.store.list_dead_letters("open", limit=1_000_000)
        else:
            found = [runtime.store.get_dead_letter(i) for i in letter_ids or []]
            missing = [
                i for i, letter in zip(letter_ids or [], found, strict=True) if letter is None
            ]
            if missing:
                raise fail_usage(ValueError(f"no dead letter {', '.join(map(str, missing))}"))
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
        write_report_json(sys.stdout, report)
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
    from connector.cli.render import dumps, print_hand_resolution
    from connector.dead_letters import UnknownDeadLetterError, resolve_by_hand

    settings = settings_for(config)
    if not note.strip():
        raise fail_usage(ValueError("--note must say why the letters are closed"))
    with existing_store(settings) as store:
        try:
            done = resolve_by_hand(store, letter_ids, note.strip())
        except UnknownDeadLetterError as exc:
            raise fail_usage(exc) from exc
    if as_json:
        body = {
            "resolution_id": done.resolution_id,
            "resolved": [letter.id for letter in done.resolved],
            "already_resolved": [asdict(letter) for letter in done.already_closed],
        }
        sys.stdout.write(dumps(body) + "\n")
        return
    print_hand_resolution(out, done)
