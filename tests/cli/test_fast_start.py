"""`connector --help` (and building any command's options) loads no adapter, emulator, web
server or database driver: commands import what they run when they run it."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

# What only running a command may load: the sandbox's emulators, Salesforce's SOAP and TLS
# stack, the console's web server, database drivers, the adapters and the runtime.
NOT_AT_START = (
    "connector.sandbox",
    "connector.console",
    "connector.runtime",
    "connector.reconciler",
    "connector.config",
    "connector.store",
    "adapters.odoo.target",
    "adapters.salesforce.target",
    "adapters.stripe.source",
    "zeep",
    "simple_salesforce",
    "requests",
    "cryptography",
    "uvicorn",
    "starlette",
    "psycopg",
    "httpx",
    "odoorpc",
)
# Typer itself validates a command's options with pydantic once it renders them.
NOT_AT_IMPORT = (*NOT_AT_START, "pydantic")


def _loaded_after(code: str) -> list[str]:
    script = f"import json, sys\n{code}\nprint(json.dumps(sorted(sys.modules)))"
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    )
    loaded: list[str] = json.loads(done.stdout.strip().splitlines()[-1])
    return loaded


def _heavy(loaded: list[str], names: tuple[str, ...] = NOT_AT_START) -> list[str]:
    return [m for m in loaded if any(m == n or m.startswith(n + ".") for n in names)]


def test_importing_the_command_line_loads_nothing_a_command_runs() -> None:
    assert _heavy(_loaded_after("import connector.cli.app"), NOT_AT_IMPORT) == []


@pytest.mark.parametrize("arguments", [["--help"], ["reconcile", "--help"], ["sandbox", "--help"]])
def test_help_loads_nothing_a_command_runs(arguments: list[str]) -> None:
    code = (
        "from connector.cli.app import app\n"
        "try:\n"
        f"    app({arguments!r}, prog_name='connector')\n"
        "except SystemExit:\n"
        "    pass\n"
    )
    assert _heavy(_loaded_after(code)) == []


def test_the_adapter_packages_still_offer_their_names() -> None:
    from adapters.odoo import OdooTarget
    from adapters.salesforce import SalesforceSettings
    from adapters.stripe import PINNED_API_VERSION

    assert OdooTarget.__name__ == "OdooTarget"
    assert SalesforceSettings.__name__ == "SalesforceSettings"
    assert PINNED_API_VERSION
    import adapters.odoo as package

    with pytest.raises(AttributeError, match="no attribute 'Missing'"):
        _ = package.Missing
