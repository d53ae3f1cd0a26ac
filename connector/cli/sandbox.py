"""``connector sandbox up|seed``: a safe local copy of Stripe, Salesforce and Odoo."""

from __future__ import annotations

import json
import signal
import threading
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from connector.config import load_settings
from connector.gc_tuning import tune_collector
from connector.logs import configure_logging
from connector.mapping.defaults import default_mappings_dir
from connector.sandbox.local import LocalSandbox, SandboxEndpoints, connect_odoo

sandbox_app = typer.Typer(
    help="Local emulators of Stripe, Salesforce and Odoo.", no_args_is_help=True
)
out = Console(soft_wrap=True)

DirOption = Annotated[
    Path, typer.Option("--dir", help="Where the sandbox keeps its CA, state and config.")
]


@sandbox_app.command("up")
def up(
    directory: DirOption = Path(".sandbox"),
    port_base: Annotated[
        int, typer.Option("--port-base", help="Stripe on N, Salesforce on N+1, Odoo on N+2.")
    ] = 9100,
    persist: Annotated[
        bool, typer.Option(help="Keep the data in SQLite files across restarts.")
    ] = False,
    seed: Annotated[int, typer.Option(help="Seed this many subscriptions at start.")] = 0,
    drift: Annotated[float, typer.Option(min=0.0, max=0.5)] = 0.02,
) -> None:
    """Start the three emulators on 127.0.0.1 and write a connector configuration for them."""
    configure_logging("console", "WARNING")
    # The emulators hold every record of three systems in memory: the same collector
    # settings as the connector's keep full passes over them rare.
    tune_collector()
    box = LocalSandbox(directory.resolve(), port_base=port_base, persist=persist)
    endpoints = box.start()
    config = box.write_config(default_mappings_dir())
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    try:
        if seed:
            _seed(config, endpoints, box, seed, drift)
        _describe(endpoints, config)
        out.print("Sandbox running; Ctrl-C to stop.")
        stop.wait()
    finally:
        box.stop()
        out.print("Sandbox stopped.")


@sandbox_app.command("seed")
def seed(
    directory: DirOption = Path(".sandbox"),
    subscriptions: Annotated[int, typer.Option(min=1, max=1_000_000)] = 2000,
    drift: Annotated[float, typer.Option(min=0.0, max=0.5)] = 0.02,
) -> None:
    """Fill a running sandbox: billing, and a CRM and ERP that drifted from it."""
    configure_logging("console", "WARNING")
    info = json.loads((directory / "sandbox.json").read_text(encoding="utf-8"))
    endpoints = SandboxEndpoints(
        info["stripe"]["url"],
        info["salesforce"]["instance_url"],
        int(info["odoo"]["url"].rsplit(":", 1)[1]),
        Path(info["salesforce"]["ca_bundle"]),
    )
    client = connect_odoo(endpoints.odoo_port)
    _seed(directory / "connector.toml", endpoints, None, subscriptions, drift, client)


def _seed(
    config: Path,
    endpoints: SandboxEndpoints,
    box: LocalSandbox | None,
    subscriptions: int,
    drift: float,
    client: object | None = None,
) -> None:
    from connector.sandbox.seeding import seed_sandbox

    odoo = client if client is not None else box.odoo_client() if box else None
    report = seed_sandbox(load_settings(config), endpoints, odoo, subscriptions, drift)
    out.print(
        f"Seeded {report.subscriptions} subscriptions; drifted in the CRM/ERP: "
        f"missing {report.deleted}, edited by hand {report.edited}."
    )


def _describe(endpoints: SandboxEndpoints, config: Path) -> None:
    info = endpoints.describe()
    out.print(f"Stripe     {info['stripe']['url']}  (secret key {info['stripe']['secret_key']})")
    sf = info["salesforce"]
    out.print(
        f"Salesforce {sf['instance_url']}  (user {sf['username']}, password {sf['password']}, "
        f"token {sf['security_token']}; CA {sf['ca_bundle']})"
    )
    odoo = info["odoo"]
    out.print(
        f"Odoo       {odoo['url']}  (database {odoo['database']}, login {odoo['login']}, "
        f"password {odoo['password']})"
    )
    out.print(f"Connector configuration: {config}")
    out.print(f"Try: connector reconcile --dry-run --config {config}")
