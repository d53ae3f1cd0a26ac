"""``create_odoo_app``: wires database, auth, faults, statistics and routes together."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from starlette.applications import Starlette
from starlette.types import ASGIApp

from connector.sandbox.common import (
    CallStats,
    FaultInjector,
    FaultMiddleware,
    FaultRule,
    RunningServer,
    serve_in_thread,
)
from connector.sandbox.odoo import persistence
from connector.sandbox.odoo.auth import Authenticator
from connector.sandbox.odoo.config import OdooSandboxConfig
from connector.sandbox.odoo.database import OdooDatabase
from connector.sandbox.odoo.errors import http_error_body
from connector.sandbox.odoo.fast_path import JsonRpcFastPath
from connector.sandbox.odoo.loader import load_records
from connector.sandbox.odoo.rpc import RpcDispatcher
from connector.sandbox.odoo.seed import seed


def _error_body(status: int, rule: FaultRule) -> dict[str, Any]:
    return http_error_body(status, rule.message)


@dataclass
class OdooSandbox:
    """A ready-to-serve emulated Odoo: ``app`` (ASGI) plus its state and instruments."""

    config: OdooSandboxConfig
    database: OdooDatabase
    auth: Authenticator
    injector: FaultInjector
    stats: CallStats
    dispatcher: RpcDispatcher
    app: ASGIApp = field(init=False)

    def reset(self) -> None:
        """Back to the base data (plus ``config.initial_records``) and the configured
        credentials."""
        self.auth.set_credentials(self.config.password, self.config.api_keys)
        with self.database.lock:
            self.database.clear()
            seed(self.database)
            if self.config.initial_records:
                load_records(self.database, self.config.initial_records)

    def load(self, records: dict[str, list[dict[str, Any]]]) -> dict[str, list[int]]:
        """Bulk-load records (the ``/__sandbox/load`` format)."""
        return load_records(self.database, records)

    def save(self) -> None:
        if self.config.persist_path is not None:
            persistence.save(self.database, self.config.persist_path)

    def counts(self) -> dict[str, int]:
        with self.database.lock:
            return {m: len(t.rows) for m, t in self.database.tables.items() if t.rows}

    def serve(self, port: int | None = None) -> RunningServer:
        """Serve on 127.0.0.1 in a background thread."""
        return serve_in_thread(self.app, port=port)


def create_odoo_app(config: OdooSandboxConfig | None = None) -> OdooSandbox:
    """Build an emulated Odoo 17 server from ``config``."""
    config = config or OdooSandboxConfig()
    database = OdooDatabase(config.database)
    auth = Authenticator(
        config.database, config.login, config.password, config.api_keys, users=database
    )
    injector = FaultInjector(config.fault_rules, seed=config.seed)
    stats = CallStats()
    sandbox = OdooSandbox(
        config, database, auth, injector, stats, RpcDispatcher(database, auth, injector, stats)
    )
    if config.persist_path is not None and config.persist_path.exists():
        seed(database)  # defines the sequences; rows are then replaced by the file's
        persistence.load(database, config.persist_path)
    else:
        sandbox.reset()
    from connector.sandbox.odoo.routes import build_routes

    inner = JsonRpcFastPath(Starlette(routes=build_routes(sandbox)), sandbox.dispatcher)
    sandbox.app = FaultMiddleware(inner, injector, _error_body)
    return sandbox
