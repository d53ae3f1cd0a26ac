"""Odoo 17 (OCA subscription_oca) target adapter over JSON-RPC, with odoorpc.

Records are matched by external ids in our own ``ir.model.data`` namespace (see
:mod:`adapters.odoo.xmlids`); subscription lines are written through their header's
one2many so that Odoo recomputes the totals (see :mod:`adapters.odoo.lines`).
"""

from adapters.odoo.settings import OdooSettings
from adapters.odoo.target import OdooTarget, build_odoo_target

__all__ = ["OdooSettings", "OdooTarget", "build_odoo_target"]
