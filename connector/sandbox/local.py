"""The local sandbox: the three emulators started together, and a connector configuration
that points at them.

``connector sandbox up`` runs this in the foreground; tests, benchmarks and the demo run it in
process. Stripe answers on ``port_base``, Salesforce on ``port_base + 1`` (HTTPS, with a CA
made at start-up), Odoo on ``port_base + 2``; all on 127.0.0.1.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any

import odoorpc

from connector.sandbox.common import RunningServer, make_certificates, serve_in_thread
from connector.sandbox.common.server import free_port, require_free
from connector.sandbox.emulator_process import EmulatorProcess, start_emulator
from connector.sandbox.odoo import OdooSandbox, OdooSandboxConfig, create_odoo_app
from connector.sandbox.odoo_reference import stock_odoo
from connector.sandbox.salesforce import (
    SalesforceSandbox,
    SalesforceSandboxConfig,
    create_salesforce_app,
)
from connector.sandbox.stripe import StripeSandbox, StripeSandboxConfig, create_stripe_app

STRIPE_KEY = "sk_test_sandbox_4eC39HqLyjWDarjtT1zdp7dc"
ODOO_DATABASE = "subsync"
ODOO_LOGIN = "admin"
ODOO_PASSWORD = "sandbox-admin"  # noqa: S105 - the sandbox's own credential
SF_USERNAME = "integration@subsync.sandbox"
SF_PASSWORD = "sandbox-password"  # noqa: S105
SF_TOKEN = "SANDBOXTOKEN"  # noqa: S105


def connect_odoo(port: int, timeout: float = 600) -> Any:
    """An odoorpc client logged in to the sandbox's Odoo as its administrator."""
    client = odoorpc.ODOO("127.0.0.1", port=port, timeout=timeout)
    client.login(ODOO_DATABASE, ODOO_LOGIN, ODOO_PASSWORD)
    return client


@dataclass
class SandboxEndpoints:
    stripe_url: str
    salesforce_url: str
    odoo_port: int
    ca_bundle: Path

    def describe(self) -> dict[str, Any]:
        return {
            "stripe": {"url": self.stripe_url, "secret_key": STRIPE_KEY},
            "salesforce": {
                "instance_url": self.salesforce_url,
                "login_domain": f"{self.salesforce_url.removeprefix('https://')}/login",
                "username": SF_USERNAME,
                "password": SF_PASSWORD,
                "security_token": SF_TOKEN,
                "ca_bundle": str(self.ca_bundle),
            },
            "odoo": {
                "url": f"http://127.0.0.1:{self.odoo_port}",
                "database": ODOO_DATABASE,
                "login": ODOO_LOGIN,
                "password": ODOO_PASSWORD,
            },
        }


@dataclass
class LocalSandbox:
    """Start with :meth:`start` (or ``with``); stop with :meth:`stop`."""

    directory: Path
    port_base: int | None = None
    persist: bool = False
    schema_path: Path | None = None  # Salesforce objects and fields beyond the default ones
    # Each emulator in a process of its own (``connector sandbox up``): the three systems
    # answer side by side as real services do. In process, their state is at hand (tests).
    processes: bool = False
    stripe: StripeSandbox | None = None
    salesforce: SalesforceSandbox | None = None
    odoo: OdooSandbox | None = None
    servers: list[RunningServer] = field(default_factory=list)
    children: list[EmulatorProcess] = field(default_factory=list)  # with ``processes``
    endpoints: SandboxEndpoints | None = None

    def _port(self, offset: int) -> int:
        return self.port_base + offset if self.port_base is not None else free_port()

    def start(self) -> SandboxEndpoints:
        if self.port_base is not None:
            # Refused before anything starts: no half-started sandbox to clean up.
            require_free([self.port_base + offset for offset in range(3)])
        self.directory.mkdir(parents=True, exist_ok=True)
        certificates = make_certificates(self.directory / "tls")
        state = self.directory / "state" if self.persist else None
        stripe_config = StripeSandboxConfig(
            secret_key=STRIPE_KEY,
            persist_path=state / "stripe.sqlite3" if state else None,
            webhook_retry_schedule=[1.0, 5.0, 30.0, 120.0],
        )
        salesforce_config = SalesforceSandboxConfig(
            username=SF_USERNAME,
            password=SF_PASSWORD,
            security_token=SF_TOKEN,
            schema_path=self.schema_path,
            persist_path=state / "salesforce.sqlite3" if state else None,
        )
        odoo_config = OdooSandboxConfig(
            database=ODOO_DATABASE,
            login=ODOO_LOGIN,
            password=ODOO_PASSWORD,
            persist_path=state / "odoo.sqlite3" if state else None,
        )
        if self.processes:
            try:
                self.children.append(start_emulator("stripe", stripe_config, self._port(0)))
                self.children.append(
                    start_emulator("salesforce", salesforce_config, self._port(1), certificates)
                )
                self.children.append(start_emulator("odoo", odoo_config, self._port(2)))
            except BaseException:
                self.stop()  # no emulator is left serving behind a failed start
                raise
            stripe_server: RunningServer | EmulatorProcess = self.children[0]
            sf_server: RunningServer | EmulatorProcess = self.children[1]
            odoo_server: RunningServer | EmulatorProcess = self.children[2]
        else:
            self.stripe = create_stripe_app(stripe_config)
            self.salesforce = create_salesforce_app(salesforce_config)
            self.odoo = create_odoo_app(odoo_config)
            stripe_server = serve_in_thread(self.stripe.app, port=self._port(0))
            self.servers.append(stripe_server)
            sf_server = serve_in_thread(self.salesforce.app, port=self._port(1), tls=certificates)
            self.servers.append(sf_server)
            odoo_server = serve_in_thread(self.odoo.app, port=self._port(2))
            self.servers.append(odoo_server)
        self.endpoints = SandboxEndpoints(
            stripe_server.base_url, sf_server.base_url, odoo_server.port, certificates.ca_cert
        )
        stock_odoo(self.odoo_client())
        return self.endpoints

    def odoo_client(self) -> Any:
        assert self.endpoints is not None
        return connect_odoo(self.endpoints.odoo_port)

    def stop(self) -> None:
        for server in reversed(self.servers):
            server.stop()
        self.servers.clear()
        for child in reversed(self.children):
            child.stop()
        self.children.clear()
        if self.stripe is not None:
            self.stripe.close()
        for box in (self.salesforce, self.odoo):
            if box is not None and self.persist:
                box.save()

    def __enter__(self) -> LocalSandbox:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def write_config(
        self,
        mappings_dir: Path,
        store_url: str | None = None,
        webhook_secret: str | None = None,
        webhook_port: int = 8080,
    ) -> Path:
        """A connector configuration that points at this sandbox."""
        assert self.endpoints is not None
        info = self.endpoints.describe()
        store = store_url or f"sqlite:///{self.directory / 'connector.db'}"
        secrets = json.dumps([webhook_secret] if webhook_secret else [])
        text = f"""\
# Written by `connector sandbox up`: the connector pointed at the local sandbox.
store_url = "{store}"
mappings_dir = "{mappings_dir}"
log_format = "console"

[source]
kind = "stripe"
api_key = "{STRIPE_KEY}"
base_url = "{info["stripe"]["url"]}"
expand_customer_tax_ids = true

[targets.salesforce]
kind = "salesforce"
mapping = "salesforce.yaml"
domain = "{info["salesforce"]["login_domain"]}"
username = "{SF_USERNAME}"
password = "{SF_PASSWORD}"
security_token = "{SF_TOKEN}"
ca_bundle = "{info["salesforce"]["ca_bundle"]}"

[targets.odoo]
kind = "odoo"
mapping = "odoo.yaml"
host = "127.0.0.1"
port = {self.endpoints.odoo_port}
database = "{ODOO_DATABASE}"
login = "{ODOO_LOGIN}"
password = "{ODOO_PASSWORD}"

[webhook]
secrets = {secrets}
port = {webhook_port}
"""
        path = self.directory / "connector.toml"
        path.write_text(text, encoding="utf-8")
        (self.directory / "sandbox.json").write_text(json.dumps(info, indent=2), encoding="utf-8")
        return path
