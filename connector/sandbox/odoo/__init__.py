"""Odoo 17 JSON-RPC emulator (with OCA ``subscription_oca``) for the local sandbox.

Usage::

    sandbox = create_odoo_app(OdooSandboxConfig(password="admin", api_keys=["k1"]))
    server = sandbox.serve()
    odoo = odoorpc.ODOO("127.0.0.1", port=server.port)
    odoo.login("subsync", "admin", "admin")
"""

from connector.sandbox.odoo.app import OdooSandbox, create_odoo_app
from connector.sandbox.odoo.config import OdooSandboxConfig
from connector.sandbox.odoo.database import OdooDatabase

__all__ = ["OdooDatabase", "OdooSandbox", "OdooSandboxConfig", "create_odoo_app"]
