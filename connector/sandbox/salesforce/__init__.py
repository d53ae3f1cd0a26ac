"""Salesforce REST API emulator of the local sandbox.

``create_salesforce_app(SalesforceSandboxConfig(...))`` returns a :class:`SalesforceSandbox`
holding the ASGI ``app`` (serve it with TLS: simple-salesforce only speaks https), the
``state`` (records, sessions, API usage; ``state.load({...})`` seeds data), the fault
``injector`` and the call ``stats``.
"""

from connector.sandbox.salesforce.app import SalesforceSandbox, create_salesforce_app
from connector.sandbox.salesforce.config import SalesforceSandboxConfig
from connector.sandbox.salesforce.state import LoadError, SalesforceState

__all__ = [
    "LoadError",
    "SalesforceSandbox",
    "SalesforceSandboxConfig",
    "SalesforceState",
    "create_salesforce_app",
]
