"""The records a fresh Odoo 17 database with ``subscription_oca`` installed starts with.

External ids are Odoo's own where they exist (``base.EUR``, ``base.main_company``,
``product.list0``, ``subscription_oca.subscription_stage_draft``...); sandbox-only helpers
live under the ``sandbox`` module.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from connector.sandbox.odoo import access
from connector.sandbox.odoo.database import SUPERUSER_ID

if TYPE_CHECKING:
    from connector.sandbox.odoo.database import OdooDatabase

SEED: list[tuple[str, str, dict[str, Any]]] = [
    # A fresh database (generic chart, US company) has one active currency, the company's;
    # every other currency exists inactive (base/data/res_currency_data.xml), and creating
    # one again is refused.
    ("res.currency", "base.USD", {"name": "USD", "full_name": "United States dollar",
                                  "symbol": "$"}),
    ("res.currency", "base.EUR", {"name": "EUR", "full_name": "Euro", "symbol": "€",
                                  "active": False}),
    ("res.currency", "base.GBP", {"name": "GBP", "full_name": "Pound sterling",
                                  "symbol": "£", "active": False}),
    ("res.currency", "base.JPY", {"name": "JPY", "full_name": "Japanese yen", "symbol": "¥",
                                  "rounding": 1.0, "active": False}),
    ("res.currency", "base.KWD", {"name": "KWD", "full_name": "Kuwaiti dinar", "symbol": "KD",
                                  "rounding": 0.001, "active": False}),
    ("res.currency", "base.CHF", {"name": "CHF", "full_name": "Swiss franc", "symbol": "CHF",
                                  "active": False}),
    ("res.country", "base.be", {"name": "Belgium", "code": "BE"}),
    ("res.country", "base.de", {"name": "Germany", "code": "DE"}),
    ("res.country", "base.es", {"name": "Spain", "code": "ES"}),
    ("res.country", "base.fr", {"name": "France", "code": "FR"}),
    ("res.country", "base.gb", {"name": "United Kingdom", "code": "GB"}),
    ("res.country", "base.it", {"name": "Italy", "code": "IT"}),
    ("res.country", "base.nl", {"name": "Netherlands", "code": "NL"}),
    ("res.country", "base.us", {"name": "United States", "code": "US"}),
    ("res.partner", "base.main_partner", {"name": "YourCompany", "is_company": True}),
    ("res.partner", "base.partner_root", {"name": "OdooBot"}),
    ("res.partner", "base.partner_admin", {"name": "Mitchell Admin",
                                           "email": "admin@yourcompany.example.com"}),
    ("res.company", "base.main_company", {"name": "YourCompany", "currency_id": 1,
                                          "partner_id": 1, "country_id": 8}),
    ("res.users", "base.user_root", {"login": "__system__", "partner_id": 2,
                                     "company_id": 1, "active": False}),
    ("res.users", "base.user_admin", {"login": "admin", "partner_id": 3, "company_id": 1}),
    ("account.tax", "account.1_sale_tax_template", {"name": "15%", "amount": 15.0}),
    ("account.tax", "sandbox.tax_sale_20", {"name": "20%", "amount": 20.0}),
    ("account.tax", "sandbox.tax_sale_20_included", {"name": "20% incl.", "amount": 20.0,
                                                     "price_include": True}),
    ("sale.subscription.stage", "subscription_oca.subscription_stage_draft",
     {"name": "Ready to start", "sequence": 0, "type": "pre"}),
    ("sale.subscription.stage", "subscription_oca.subscription_stage_in_progress",
     {"name": "In progress", "sequence": 1, "type": "in_progress"}),
    ("sale.subscription.stage", "subscription_oca.subscription_stage_closed",
     {"name": "Closed", "sequence": 2, "type": "post"}),
    # subscription_oca/data/ir_cron.xml: active on install, invoices what is due every day.
    ("ir.cron", "subscription_oca.ir_cron_subscription_management",
     {"name": "Subscriptions management", "active": True, "interval_number": 24,
      "interval_type": "hours", "code": "model.cron_subscription_management()"}),
    ("sale.subscription.close.reason", "subscription_oca.close_reason_expensive",
     {"name": "The subscription is too expensive"}),
    ("sale.subscription.close.reason", "subscription_oca.close_reason_requirement",
     {"name": "Subscription does not meet my requirements"}),
    ("sale.subscription.close.reason", "subscription_oca.close_reason_ended",
     {"name": "The subscription ended"}),
    ("sale.subscription.close.reason", "subscription_oca.close_reason_use",
     {"name": "I don't really use it"}),
    ("sale.subscription.close.reason", "subscription_oca.close_reason_other",
     {"name": "Other"}),
]  # fmt: skip


def seed(db: OdooDatabase) -> None:
    """Fill an empty database with the base records and sequences."""
    db.sequences.define("sale.subscription", "SUB", 5)
    for spec in db.registry.values():
        db.create_one("ir.model", {"name": spec.description, "model": spec.name}, SUPERUSER_ID)
    for model, xmlid, vals in SEED:
        record_id = db.create_one(model, vals, SUPERUSER_ID)
        db.set_xmlid(xmlid, model, record_id, noupdate=True)
    _seed_groups(db)


def _seed_groups(db: OdooDatabase) -> None:
    """The access groups, and the admin user in the highest ones (as Odoo's setup does)."""
    ids: dict[str, int] = {}
    for xmlid, (name, full_name, implied) in access.GROUPS.items():
        vals = {"name": name, "full_name": full_name,
                "implied_ids": [(6, 0, [ids[group] for group in implied])]}  # fmt: skip
        ids[xmlid] = db.create_one("res.groups", vals, SUPERUSER_ID)
        db.set_xmlid(xmlid, "res.groups", ids[xmlid], noupdate=True)
    _model, admin = db.resolve_xmlid("base.user_admin")
    admin_groups = [ids[group] for group in access.ADMIN_GROUPS]
    db.write("res.users", [admin], {"groups_id": [(6, 0, admin_groups)]}, SUPERUSER_ID)
