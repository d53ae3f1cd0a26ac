"""`connector serve` and `connector run`: the long-running daemon."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from connector.cli.common import (
    ConfigOption,
    fail_usage,
    settings_for,
)
from connector.errors import ConfigError
from connector.mapping import MappingError

if TYPE_CHECKING:
    from connector.config import Settings


HostOption = Annotated[
    str | None,
    typer.Option(
        "--host",
        help="Address the webhook server binds to (overrides webhook.host; default 127.0.0.1).",
        show_default=False,
    ),
]
PortOption = Annotated[
    int | None,
    typer.Option(
        "--port",
        min=1,
        max=65535,
        help="Port the webhook server listens on (overrides webhook.port; default 8080).",
        show_default=False,
    ),
]


def bound_to(settings: Settings, host: str | None, port: int | None) -> Settings:
    """The settings with the server's address as given on the command line, if it was."""
    changes = {name: value for name, value in (("host", host), ("port", port)) if value is not None}
    if not changes:
        return settings
    webhook = settings.webhook.model_copy(update=changes)
    return settings.model_copy(update={"webhook": webhook})


def serve(config: ConfigOption = None, host: HostOption = None, port: PortOption = None) -> None:
    """Run only the webhook receiver (workers elsewhere drain the queue)."""
    from connector.daemon import Daemon

    settings = bound_to(settings_for(config), host, port)
    if not settings.webhook.secrets:
        raise fail_usage(ValueError("set webhook.secrets (CONNECTOR_WEBHOOK__SECRETS)"))
    raise typer.Exit(Daemon(settings, serve=True, poll=False, workers=0).run())


def run(
    config: ConfigOption = None,
    workers: Annotated[
        int | None,
        typer.Option(min=0, help="Worker threads (default: daemon.workers).", show_default=False),
    ] = None,
    no_webhooks: Annotated[
        bool,
        typer.Option("--no-webhooks", help="Do not receive webhooks (a worker-only process)."),
    ] = False,
    no_poller: Annotated[
        bool,
        typer.Option(
            "--no-poller", help="Do not poll billing's event feed (another process does)."
        ),
    ] = False,
    host: HostOption = None,
    port: PortOption = None,
) -> None:
    """Run the daemon: webhook receiver, workers and the change-feed poller."""
    from connector.daemon import Daemon

    settings = bound_to(settings_for(config), host, port)
    serve_hooks = not no_webhooks
    if serve_hooks and not settings.webhook.secrets:
        raise fail_usage(
            ValueError("set webhook.secrets (CONNECTOR_WEBHOOK__SECRETS) or pass --no-webhooks")
        )
    try:
        code = Daemon(settings, serve=serve_hooks, poll=not no_poller, workers=workers).run()
    except (MappingError, ConfigError) as exc:
        raise fail_usage(exc) from exc
    raise typer.Exit(code)
