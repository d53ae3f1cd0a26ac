"""``connector sandbox up|seed``: a safe local copy of Stripe, Salesforce and Odoo."""

from __future__ import annotations

import json
import secrets
import signal
import threading
import urllib.error
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape

from connector.errors import ConfigError, ConnectorError, MappingContractError
from connector.exit_codes import ExitCode
from connector.mapping import MappingError

if TYPE_CHECKING:
    import httpx

    from connector.sandbox.local import SandboxEndpoints


sandbox_app = typer.Typer(
    help="Local emulators of Stripe, Salesforce and Odoo.", no_args_is_help=True
)
out = Console(soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)

DirOption = Annotated[
    Path, typer.Option("--dir", help="Where the sandbox keeps its CA, state and config.")
]
SubscriptionsHelp = "How many subscriptions to add (numbered on after any already there)."
DriftOption = Annotated[
    float,
    typer.Option(min=0.0, max=0.5, help="Share of the added subscriptions drifted by hand."),
]


def _fail(message: str, code: int = ExitCode.FAILED) -> typer.Exit:
    err.print(f"[red]error:[/red] {escape(message)}")
    return typer.Exit(code)


# What the sandbox needs beyond the connector: its own code, which the production image leaves
# out, and the TLS library that makes its throwaway certificate authority.
SANDBOX_MODULES = ("connector.sandbox", "cryptography")


def require_sandbox() -> None:
    """Stop with one line, not a traceback, where this installation has no sandbox."""
    try:
        import connector.sandbox.local  # noqa: F401 - loaded to see that it can be
    except ModuleNotFoundError as exc:
        if not any(exc.name == m or str(exc.name).startswith(m + ".") for m in SANDBOX_MODULES):
            raise
        raise _fail(
            f"this installation has no sandbox ({exc.name} is missing): install "
            "'subsync-connector[sandbox]', or run the sandbox image (deploy/Dockerfile's "
            "target sandbox)",
            ExitCode.USAGE,
        ) from exc


@sandbox_app.command("up")
def up(
    directory: DirOption = Path(".sandbox"),
    port_base: Annotated[
        int, typer.Option("--port-base", help="Stripe on N, Salesforce on N+1, Odoo on N+2.")
    ] = 9100,
    persist: Annotated[
        bool, typer.Option("--persist", help="Keep the data in SQLite files across restarts.")
    ] = False,
    seed: Annotated[
        int, typer.Option("--seed", min=0, help="Seed this many subscriptions at start.")
    ] = 0,
    drift: DriftOption = 0.02,
    mappings: Annotated[
        Path | None,
        typer.Option(
            "--mappings",
            help="Mappings directory the generated configuration uses (default: the shipped "
            "ones); it needs salesforce.yaml and odoo.yaml.",
        ),
    ] = None,
    schema_from_mappings: Annotated[
        bool,
        typer.Option(
            "--schema-from-mappings",
            help="Give the emulated Salesforce every object and field the Salesforce "
            "mapping writes that it lacks (custom fields such as Sales_Region__c).",
        ),
    ] = False,
    schema_file: Annotated[
        Path | None,
        typer.Option(
            "--schema-file",
            help="Salesforce describe results (JSON: one sObject's, a list, or "
            '{"sobjects": [...]}) whose objects and fields the emulated org takes on.',
        ),
    ] = None,
) -> None:
    """Start the three emulators on 127.0.0.1 and write a connector configuration for them."""
    require_sandbox()
    from connector.gc_tuning import tune_collector
    from connector.logs import configure_logging
    from connector.mapping.defaults import default_mappings_dir
    from connector.sandbox.common.server import PortInUseError
    from connector.sandbox.local import LocalSandbox

    configure_logging("console", "WARNING")
    # The emulators hold every record of three systems in memory: the same collector
    # settings as the connector's keep full passes over them rare.
    tune_collector()
    directory = directory.resolve()
    mappings_dir = (mappings or default_mappings_dir()).resolve()
    schema = _grown_schema(directory, mappings_dir, schema_from_mappings, schema_file)
    box = LocalSandbox(
        directory, port_base=port_base, persist=persist, schema_path=schema, processes=True
    )
    try:
        endpoints = box.start()
    except PortInUseError as exc:
        raise _fail(
            f"{exc}: stop what listens there (another sandbox?) or choose another --port-base",
            ExitCode.USAGE,
        ) from exc
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    try:
        config = box.write_config(
            mappings_dir,
            webhook_secret=f"whsec_sandbox_{secrets.token_hex(16)}",
            webhook_port=_webhook_port(port_base),
        )
        if seed:
            with _seed_errors(endpoints):
                _seed(config, endpoints, box.odoo_client(), seed, drift)
        _describe(endpoints, config, schema)
        out.print("Sandbox running; Ctrl-C to stop.")
        stop.wait()
    finally:
        box.stop()
        out.print("Sandbox stopped.")


def _grown_schema(
    directory: Path, mappings_dir: Path, from_mappings: bool, schema_file: Path | None
) -> Path | None:
    """The emulated org's extra objects and fields, written where the emulator reads them."""
    from connector.sandbox.salesforce.schema import SchemaError
    from connector.sandbox.schema_growth import (
        schema_from_describe,
        schema_from_mapping,
        write_schema,
    )

    parts = []
    try:
        if schema_file is not None:
            parts.append(schema_from_describe(schema_file))
        if from_mappings:
            parts.append(schema_from_mapping(mappings_dir / "salesforce.yaml"))
        return write_schema(directory, parts)
    except MappingError as exc:
        raise _fail(f"--schema-from-mappings: {exc}", ExitCode.USAGE) from exc
    except (SchemaError, OSError) as exc:
        raise _fail(f"Salesforce schema: {exc}", ExitCode.USAGE) from exc


def _webhook_port(port_base: int) -> int:
    """Where ``connector run`` will listen: next to the emulators when that port is free."""
    from connector.sandbox.common.server import PortInUseError, free_port, require_free

    try:
        require_free([port_base + 3])
    except PortInUseError:
        return free_port()
    return port_base + 3


@sandbox_app.command("seed")
def seed(
    directory: DirOption = Path(".sandbox"),
    subscriptions: Annotated[
        int, typer.Option("--subscriptions", min=1, max=1_000_000, help=SubscriptionsHelp)
    ] = 2000,
    drift: DriftOption = 0.02,
) -> None:
    """Add subscriptions to a running sandbox: billing, and a CRM and ERP that drifted from it.

    The connector's own state store is left as it is (audit trail, dead letters).
    """
    require_sandbox()
    from connector.logs import configure_logging
    from connector.sandbox.local import SandboxEndpoints, connect_odoo

    configure_logging("console", "WARNING")
    try:
        info = json.loads((directory / "sandbox.json").read_text(encoding="utf-8"))
    except OSError as exc:
        raise _fail(
            f"no sandbox in {directory}: start one with `connector sandbox up --dir {directory}`",
            ExitCode.USAGE,
        ) from exc
    endpoints = SandboxEndpoints(
        info["stripe"]["url"],
        info["salesforce"]["instance_url"],
        int(info["odoo"]["url"].rsplit(":", 1)[1]),
        Path(info["salesforce"]["ca_bundle"]),
    )
    with _seed_errors(endpoints):
        client = connect_odoo(endpoints.odoo_port)
        _seed(directory / "connector.toml", endpoints, client, subscriptions, drift)


@contextmanager
def _seed_errors(endpoints: SandboxEndpoints) -> Iterator[None]:
    """Seeding's failures as one line each: what answered what, and what to do."""
    import httpx

    try:
        yield
    except httpx.HTTPStatusError as exc:
        raise _fail(f"seeding stopped: {_answer(exc.response)}") from exc
    except (httpx.TransportError, urllib.error.URLError, ConnectionError) as exc:
        raise _fail(
            f"seeding stopped: no sandbox answers at {endpoints.stripe_url} or Odoo's port "
            f"{endpoints.odoo_port} ({exc}): is `connector sandbox up` running?"
        ) from exc
    except MappingContractError as exc:
        problems = "; ".join(line.strip() for line in str(exc).splitlines()[1:])
        raise _fail(
            f"seeding stopped: the mappings write what the emulated systems lack ({problems}): "
            "start the sandbox with --schema-from-mappings (or --schema-file) to add it",
            ExitCode.USAGE,
        ) from exc
    except (MappingError, ConfigError) as exc:
        raise _fail(f"seeding stopped: {exc}", ExitCode.USAGE) from exc
    except ConnectorError as exc:
        raise _fail(f"seeding stopped: {exc}") from exc


def _answer(response: httpx.Response) -> str:
    """An emulator's refusal, with the message from its body rather than the status alone."""
    message: Any = None
    try:
        body = response.json()
        message = body.get("error", {}).get("message") if isinstance(body, dict) else None
    except ValueError:
        pass
    text = str(message or response.text[:200] or response.reason_phrase)
    request = response.request
    return f"{request.method} {request.url.path} answered {response.status_code}: {text}"


def _seed(
    config: Path,
    endpoints: SandboxEndpoints,
    odoo: Any,
    subscriptions: int,
    drift: float,
) -> None:
    from connector.cli.seed_progress import seed_progress
    from connector.config import load_settings
    from connector.logs import configure_logging
    from connector.sandbox.seeding import seed_sandbox

    settings = load_settings(config)
    # A failed seed is reported once, below; the connector's own "run failed" lines would
    # only repeat it in the middle of the progress bars.
    configure_logging("console", "CRITICAL")
    try:
        with seed_progress(err) as progress:
            report = seed_sandbox(
                settings, endpoints, odoo, subscriptions, drift, progress=progress
            )
    finally:
        configure_logging("console", "WARNING")
    out.print(
        f"Seeded {report.subscriptions:,} subscriptions (numbers {report.first:,} to "
        f"{report.last:,}); drifted in the CRM/ERP: missing {report.deleted}, edited by hand "
        f"{report.edited}. The connector's state store was not touched."
    )


def _describe(endpoints: SandboxEndpoints, config: Path, schema: Path | None) -> None:
    info = endpoints.describe()
    out.print(
        f"Stripe     {info['stripe']['url']}  (secret key {info['stripe']['secret_key']})",
        markup=False,
    )
    sf = info["salesforce"]
    out.print(
        f"Salesforce {sf['instance_url']}  (user {sf['username']}, password {sf['password']}, "
        f"token {sf['security_token']}; CA {sf['ca_bundle']})",
        markup=False,
    )
    if schema is not None:
        out.print(f"           custom objects and fields from {schema}", markup=False)
    odoo = info["odoo"]
    out.print(
        f"Odoo       {odoo['url']}  (database {odoo['database']}, login {odoo['login']}, "
        f"password {odoo['password']})",
        markup=False,
    )
    out.print(f"Connector configuration: {config}", markup=False)
    out.print(f"Try: connector reconcile --dry-run --config {config}", markup=False)
    out.print(f"     connector run --config {config}", markup=False)
