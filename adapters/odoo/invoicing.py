"""Will Odoo invoice what billing already invoices? subscription_oca's daily cron.

subscription_oca installs the scheduled action "Subscriptions management"
(``data/ir_cron.xml``, ``ir_cron_subscription_management``, active) that invoices every
in-progress subscription whose next invoice date has come and starts and invoices "Ready to
start" ones on their start date (``cron_subscription_management``). With Stripe as the
billing system that is double invoicing, so the run-start contract check reports it.
"""

from __future__ import annotations

from adapters.odoo.client import OdooClient
from adapters.odoo.errors import OdooRefused
from connector.errors import FatalAdapterError

CRON_MODULE = "subscription_oca"
CRON_NAME = "ir_cron_subscription_management"


def invoicing_cron_problems(client: OdooClient) -> list[str]:
    """The problem (if any) of an active invoicing cron, with the fix."""
    try:
        rows = client.search_read(
            "ir.model.data",
            [("module", "=", CRON_MODULE), ("name", "=", CRON_NAME)],
            ["res_id"],
        )
        if not rows:
            return []
        crons = client.read("ir.cron", [int(rows[0]["res_id"])], ["active", "name"])
    except (OdooRefused, FatalAdapterError) as exc:
        # Reading scheduled actions may need rights the integration user need not have.
        return [
            f"ir.cron: subscription_oca's invoicing cron could not be checked ({exc}): "
            "let the integration user read Scheduled Actions, or check by hand that "
            "'Subscriptions management' is inactive and set allow_odoo_invoicing = true"
        ]
    if crons and crons[0].get("active"):
        return [
            "ir.cron: subscription_oca's invoicing cron 'Subscriptions management' is active: "
            "Odoo would invoice what billing already invoices. Deactivate it (Settings > "
            "Technical > Scheduled Actions), or set allow_odoo_invoicing = true if Odoo "
            "really invoices"
        ]
    return []
