"""`connector console`: the operator's console over a store, with no daemon needed."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from connector.cli.common import ConfigOption, fail_usage, out, settings_for

if TYPE_CHECKING:
    from connector.config import Settings


UNCONFIGURED = (
    "the console needs a token of at least 16 characters: set CONNECTOR_CONSOLE__TOKEN, or "
    "CONNECTOR_CONSOLE__TOKEN_FILE to a file holding it"
)


def _drain_here(settings: Settings) -> int:
    """After a replay queued its keys: work the ready queue here, as `connector reconcile`
    ends, so that a replay reaches the targets without a daemon."""
    from connector.burst import drain
    from connector.daemon import queue_policy
    from connector.runtime import open_runtime

    with open_runtime(settings) as runtime:
        policy = queue_policy(settings)
        return drain(runtime.store, runtime.reconciler, policy, settings.daemon.batch_size)


def _missing_store(url: str) -> str | None:
    """A SQLite file that does not exist is a typo or the wrong directory, not a new store."""
    if url.startswith(("postgresql://", "postgres://")):
        return None
    path = Path(url.removeprefix("sqlite:///"))
    if path.exists():
        return None
    return f"no state store at {path}: point --config (or CONNECTOR_STORE_URL) at the right one"


def console(
    config: ConfigOption = None,
    port: Annotated[
        int | None,
        typer.Option(
            "--port", min=1, max=65535, metavar="PORT", help="Port (default: console.port, 8090)."
        ),
    ] = None,
) -> None:
    """Serve the operator's console on console.host (127.0.0.1 by default) over the store.

    Pages need the console's token (CONNECTOR_CONSOLE__TOKEN). A Replay queues the letter's
    subscription and works the queue here, so it reaches the targets with no daemon running.
    """
    import uvicorn

    from connector.console import console_app
    from connector.daemon import port_taken
    from connector.store import open_store

    settings = settings_for(config)
    token = settings.console.token
    if token is None or len(token.get_secret_value()) < 16:
        raise fail_usage(ValueError(UNCONFIGURED))
    missing = _missing_store(settings.store_url)
    if missing is not None:
        raise fail_usage(ValueError(missing))
    host, port = settings.console.host, port or settings.console.port
    taken = port_taken(host, port)
    if taken is not None:
        raise fail_usage(ValueError(f"cannot listen on {host}:{port} ({taken}): pass --port"))
    store = open_store(settings.store_url)
    try:
        app = console_app(store, settings.console, after_queue=lambda: _drain_here(settings))
        out.print(f"console: http://{host}:{port}/ (log in with the console's token)")
        server = uvicorn.Server(
            uvicorn.Config(
                app,
                host=host,
                port=port,
                log_config=None,
                access_log=False,
                lifespan="off",
                server_header=False,
            )
        )
        server.run()
    finally:
        store.close()
