"""Odoo 17 (OCA subscription_oca) target adapter over JSON-RPC, with odoorpc.

Records are matched by external ids in our own ``ir.model.data`` namespace (see
:mod:`adapters.odoo.xmlids`); subscription lines are written through their header's
one2many so that Odoo recomputes the totals (see :mod:`adapters.odoo.lines`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from connector.lazy import lazy_attributes

if TYPE_CHECKING:
    from adapters.odoo.settings import OdooSettings
    from adapters.odoo.target import OdooTarget, build_odoo_target

_HOMES = {
    "OdooSettings": "adapters.odoo.settings",
    "OdooTarget": "adapters.odoo.target",
    "build_odoo_target": "adapters.odoo.target",
}

# The adapter and its client libraries load when one of these is first used.
__getattr__ = lazy_attributes(__name__, _HOMES)

__all__ = ["OdooSettings", "OdooTarget", "build_odoo_target"]
