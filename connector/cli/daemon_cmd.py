"""`connector serve` and `connector run`: the long-running daemon."""

from __future__ import annotations

from typing import Annotated

import typer

from connector.cli.common import (
    ConfigOption,
    fail_usage,
    settings_for,
)
from connector.errors import ConfigError
from connector.mapping import MappingError


def serve(config: ConfigOption = None) -> None:
    """Run only the webhook receiver (workers elsewhere drain the queue)."""
    from connector.daemon import Daemon

    settings = settings_for(config)
    if not settings.webhook.secrets:
        raise fail_usage(ValueError("set webhook.secrets (CONNECTOR_WEBHOOK__SECRETS)"))
    raise typer.Exit(Daemon(settings, serve=True, poll=False, workers=0).run())


def run(
    config: ConfigOption = None,
    workers: Annotated[int | None, typer.Option(min=0, help="Worker threads.")] = None,
    no_webhooks: Annotated[bool, typer.Option("--no-webhooks")] = False,
    no_poller: Annotated[bool, typer.Option("--no-poller")] = False,
) -> None:
    """Run the daemon: webhook receiver, workers and the change-feed poller."""
    from connector.daemon import Daemon

    settings = settings_for(config)
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
