"""The one place that touches ``odoorpc`` (untyped): a lazily logged-in ``execute_kw``.

Only ``ODOO.execute_kw`` is used, never odoorpc's model proxies: those make hidden
``fields_get``/``read`` calls that would escape call counting and batching.
"""

from __future__ import annotations

import ssl
import threading
from collections.abc import Callable
from typing import Any, Protocol

import odoorpc

from adapters.odoo.keepalive import KeepAliveOpener
from adapters.odoo.settings import OdooSettings


class Rpc(Protocol):
    """What the adapter needs from a connection: Odoo's ``execute_kw``."""

    def execute_kw(
        self, model: str, method: str, args: list[Any], kwargs: dict[str, Any]
    ) -> Any: ...


ClientFactory = Callable[[OdooSettings], Any]


def _odoorpc_client(settings: OdooSettings) -> Any:
    tls = settings.protocol.endswith("+ssl")
    client = odoorpc.ODOO(
        settings.host,
        protocol=settings.protocol,
        port=settings.port,
        timeout=settings.timeout_seconds,
        # One kept-alive connection instead of one per call (see keepalive.py).
        opener=KeepAliveOpener(
            settings.host,
            settings.port,
            tls=tls,
            context=ssl.create_default_context() if tls else None,
        ),
    )
    client.login(settings.database, settings.login, settings.password.get_secret_value())
    return client


class OdooConnection:
    """Logs in on first use (so a transient failure there is retried like any call)."""

    def __init__(self, settings: OdooSettings, factory: ClientFactory = _odoorpc_client) -> None:
        self._settings = settings
        self._factory = factory
        self._client: Any = None
        self._lock = threading.Lock()

    def _ensure(self) -> Any:
        with self._lock:
            if self._client is None:
                self._client = self._factory(self._settings)
            return self._client

    def reset(self) -> None:
        """Forget the client: the next call logs in again."""
        with self._lock:
            self._client = None

    def execute_kw(self, model: str, method: str, args: list[Any], kwargs: dict[str, Any]) -> Any:
        return self._ensure().execute_kw(model, method, args, kwargs)
