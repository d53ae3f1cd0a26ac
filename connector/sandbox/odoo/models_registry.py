"""The models the emulator serves, declared as data.

Field names, types and requiredness follow Odoo 17's ``base``, ``product``, ``account`` and
the OCA ``subscription_oca`` 17.0 module (``models/sale_subscription*.py``).
"""

from __future__ import annotations

from typing import Any

from connector.sandbox.odoo.field_types import FieldSpec, FieldType, ModelSpec


def _f(name: str, type_: FieldType, string: str, **kwargs: Any) -> FieldSpec:
    return FieldSpec(name=name, type=type_, string=string, **kwargs)


def _m2o(name: str, relation: str, string: str, **kwargs: Any) -> FieldSpec:
    return FieldSpec(name=name, type="many2one", string=string, relation=relation, **kwargs)


def _magic() -> list[FieldSpec]:
    """The fields every Odoo model has (``id``, ``display_name``, log access fields)."""
    return [
        _f("id", "integer", "ID", readonly=True),
        _f("display_name", "char", "Display Name", readonly=True, computed=True, store=False),
        _f("create_date", "datetime", "Created on", readonly=True, index=True),
        _f("write_date", "datetime", "Last Updated on", readonly=True, index=True),
        _m2o("create_uid", "res.users", "Created by", readonly=True),
        _m2o("write_uid", "res.users", "Last Updated by", readonly=True),
    ]


def _model(
    name: str, description: str, fields: list[FieldSpec], order: str = "id", rec_name: str = "name"
) -> ModelSpec:
    all_fields = {spec.name: spec for spec in [*_magic(), *fields]}
    return ModelSpec(name, description, all_fields, order, rec_name)


_STAGE_TYPES = (("pre", "Ready to start"), ("in_progress", "In progress"), ("post", "Closed"))
_RULE_TYPES = (
    ("days", "Day(s)"),
    ("weeks", "Week(s)"),
    ("months", "Month(s)"),
    ("years", "Year(s)"),
)


def build_registry() -> dict[str, ModelSpec]:
    """All emulated models by technical name."""
    models = [
        _model(
            "res.country",
            "Country",
            [
                _f("name", "char", "Country Name", required=True),
                _f("code", "char", "Country Code", size=2, index=True),
            ],
            order="name",
        ),
        _model(
            "res.currency",
            "Currency",
            [
                _f("name", "char", "Currency", required=True, size=3, index=True),
                _f("full_name", "char", "Name"),
                _f("symbol", "char", "Symbol", required=True),
                _f("decimal_places", "integer", "Decimal Places", computed=True, store=False),
                _f("rounding", "float", "Rounding Factor", default=0.01),
                _f("active", "boolean", "Active", default=True),
            ],
            order="active desc, name",
        ),
        _model(
            "res.company",
            "Companies",
            [
                _f("name", "char", "Company Name", required=True),
                _m2o("currency_id", "res.currency", "Currency", required=True),
                _m2o("partner_id", "res.partner", "Partner", required=True),
                _m2o("country_id", "res.country", "Country"),
                _f("vat", "char", "Tax ID"),
                _f("active", "boolean", "Active", default=True),
            ],
            order="name",
        ),
        _model(
            "res.partner",
            "Contact",
            [
                _f("name", "char", "Name", index=True),
                _f("email", "char", "Email"),
                _f("phone", "char", "Phone"),
                _f("vat", "char", "Tax ID", index=True),
                _f("ref", "char", "Reference", index=True),
                _f("street", "char", "Street"),
                _f("city", "char", "City"),
                _f("zip", "char", "Zip"),
                _m2o("country_id", "res.country", "Country"),
                _m2o("parent_id", "res.partner", "Related Company", index=True),
                _m2o("company_id", "res.company", "Company", index=True),
                _f("is_company", "boolean", "Is a Company", default=False),
                _f("customer_rank", "integer", "Customer Rank", default=0),
                _f("supplier_rank", "integer", "Supplier Rank", default=0),
                _f("lang", "selection", "Language", selection=(("en_US", "English (US)"),)),
                _f("comment", "html", "Notes"),
                _f("active", "boolean", "Active", default=True),
            ],
            order="name, id desc",
        ),
        _model(
            "res.users",
            "User",
            [
                _f("name", "char", "Name", related=("partner_id", "name")),
                _f("login", "char", "Login", required=True, index=True),
                _m2o("partner_id", "res.partner", "Related Partner", required=True),
                _m2o("company_id", "res.company", "Company", required=True),
                _f("active", "boolean", "Active", default=True),
                _f("groups_id", "many2many", "Groups", relation="res.groups"),
                # Write-only: Odoo keeps a hash elsewhere and reads it back empty.
                _f("password", "char", "Password", computed=True, store=False),
            ],
            order="name, login",
        ),
        _model(
            "res.groups",
            "Access Groups",
            [
                _f("name", "char", "Name", required=True),
                _f("full_name", "char", "Group Name"),
                _f("implied_ids", "many2many", "Inherits", relation="res.groups"),
            ],
            order="name",
        ),
        _model(
            "product.template",
            "Product",
            [
                _f("name", "char", "Name", required=True, index=True),
                _f("default_code", "char", "Internal Reference", index=True),
                _f("list_price", "float", "Sales Price", default=1.0),
                _f(
                    "type",
                    "selection",
                    "Product Type",
                    required=True,
                    default="consu",
                    selection=(("consu", "Consumable"), ("service", "Service")),
                ),
                _f("sale_ok", "boolean", "Can be Sold", default=True),
                _f(
                    "subscribable",
                    "boolean",
                    "Subscribable product",
                    default=False,
                    help="Added by subscription_oca.",
                ),
                _m2o(
                    "subscription_template_id",
                    "sale.subscription.template",
                    "Subscription template",
                ),
                _f("taxes_id", "many2many", "Customer Taxes", relation="account.tax"),
                _f(
                    "product_variant_ids",
                    "one2many",
                    "Products",
                    relation="product.product",
                    inverse="product_tmpl_id",
                ),
                _f("active", "boolean", "Active", default=True),
            ],
            order="name",
        ),
        _model(
            "product.product",
            "Product Variant",
            [
                _m2o(
                    "product_tmpl_id",
                    "product.template",
                    "Product Template",
                    required=True,
                    index=True,
                ),
                _f("name", "char", "Name", related=("product_tmpl_id", "name")),
                _f("default_code", "char", "Internal Reference", index=True),
                _f("list_price", "float", "Sales Price", related=("product_tmpl_id", "list_price")),
                _f(
                    "type",
                    "selection",
                    "Product Type",
                    related=("product_tmpl_id", "type"),
                    selection=(("consu", "Consumable"), ("service", "Service")),
                ),
                _f("sale_ok", "boolean", "Can be Sold", related=("product_tmpl_id", "sale_ok")),
                _f(
                    "taxes_id",
                    "many2many",
                    "Customer Taxes",
                    relation="account.tax",
                    related=("product_tmpl_id", "taxes_id"),
                ),
                _f("active", "boolean", "Active", default=True),
            ],
            order="default_code, name, id",
        ),
        _model(
            "product.pricelist",
            "Pricelist",
            [
                _f("name", "char", "Pricelist Name", required=True),
                _m2o("currency_id", "res.currency", "Currency", required=True),
                _m2o("company_id", "res.company", "Company"),
                _f(
                    "discount_policy",
                    "selection",
                    "Discount Policy",
                    default="with_discount",
                    selection=(
                        ("with_discount", "Discount included in the price"),
                        ("without_discount", "Show public price & discount to the customer"),
                    ),
                ),
                _f("active", "boolean", "Active", default=True),
            ],
            order="id",
        ),
        _model(
            "account.tax",
            "Tax",
            [
                _f("name", "char", "Tax Name", required=True),
                _f("amount", "float", "Amount", required=True, default=0.0),
                _f(
                    "amount_type",
                    "selection",
                    "Tax Computation",
                    required=True,
                    default="percent",
                    selection=(
                        ("group", "Group of Taxes"),
                        ("fixed", "Fixed"),
                        ("percent", "Percentage of Price"),
                        ("division", "Percentage of Price Tax Included"),
                    ),
                ),
                _f(
                    "type_tax_use",
                    "selection",
                    "Tax Type",
                    required=True,
                    default="sale",
                    selection=(("sale", "Sales"), ("purchase", "Purchases"), ("none", "None")),
                ),
                _f("price_include", "boolean", "Included in Price", default=False),
                _m2o("company_id", "res.company", "Company", required=True, default=1),
                _m2o("country_id", "res.country", "Country"),
                _f("active", "boolean", "Active", default=True),
            ],
            order="id",
        ),
        _model(
            "ir.model",
            "Models",
            [
                _f("name", "char", "Model Description", required=True),
                _f("model", "char", "Model", required=True, index=True),
            ],
            order="model",
            rec_name="name",
        ),
        _model(
            "ir.model.data",
            "Model Data",
            [
                _f("name", "char", "External Identifier", required=True, index=True),
                _f("complete_name", "char", "Complete ID", computed=True, store=False),
                _f("model", "char", "Model Name", required=True, index=True),
                _f("module", "char", "Module", required=True, default="", index=True),
                _f("res_id", "integer", "Record ID", index=True),
                _f("noupdate", "boolean", "Non Updatable", default=False),
            ],
            order="module, model, name",
            rec_name="complete_name",
        ),
        _model(
            "sale.subscription.stage",
            "Subscription stage",
            [
                _f("name", "char", "Name", required=True),
                _f("sequence", "integer", "Sequence"),
                _f("in_progress", "boolean", "In progress", default=False),
                _f("fold", "boolean", "Kanban folded"),
                _f("description", "text", "Description"),
                _f("type", "selection", "Type", default="pre", selection=_STAGE_TYPES),
            ],
            order="sequence, name, id",
        ),
        _model(
            "ir.cron",
            "Scheduled Actions",
            [
                _f("name", "char", "Name", required=True),
                _f("active", "boolean", "Active", default=True),
                _f("interval_number", "integer", "Interval Number", default=1),
                _f("interval_type", "char", "Interval Unit", default="months"),
                _f("code", "text", "Python Code"),
            ],
            order="name",
        ),
        _model(
            "sale.subscription.close.reason",
            "Close reason model",
            [_f("name", "char", "Reason", required=True)],
            order="id",
        ),
        _model(
            "sale.subscription.template",
            "Subscription templates",
            [
                _f("name", "char", "Name", required=True),
                _f("description", "text", "Terms and conditions"),
                _f("recurring_interval", "integer", "Repeat every", default=1),
                _f(
                    "recurring_rule_type",
                    "selection",
                    "Recurrence",
                    default="months",
                    selection=_RULE_TYPES,
                ),
                _f(
                    "recurring_rule_boundary",
                    "selection",
                    "Duration",
                    default="unlimited",
                    selection=(("unlimited", "Forever"), ("limited", "Fixed")),
                ),
                _f(
                    "invoicing_mode",
                    "selection",
                    "Invoicing mode",
                    default="draft",
                    selection=(
                        ("draft", "Draft"),
                        ("invoice", "Invoice"),
                        ("invoice_send", "Invoice & send"),
                        ("sale_and_invoice", "Sale order & Invoice"),
                    ),
                ),
                _f("code", "char", "Code"),
                _f("recurring_rule_count", "integer", "Rule count", default=1),
            ],
            order="id",
        ),
        _model(
            "sale.subscription",
            "Subscription",
            [
                _f("name", "char", "Name", computed=True),
                _f("sequence", "integer", "Sequence"),
                _m2o("company_id", "res.company", "Company", required=True, default=1, index=True),
                _m2o("partner_id", "res.partner", "Partner", required=True, index=True),
                _f("active", "boolean", "Active", default=True),
                _m2o(
                    "template_id",
                    "sale.subscription.template",
                    "Subscription template",
                    required=True,
                ),
                _f("code", "char", "Reference", index=True),
                _f("in_progress", "boolean", "In progress", default=False),
                _f("recurring_rule_boundary", "boolean", "Boundary", computed=True),
                _m2o("pricelist_id", "product.pricelist", "Pricelist", required=True),
                _f("recurring_next_date", "date", "Next invoice date"),
                _m2o("user_id", "res.users", "Commercial agent"),
                _f("date_start", "date", "Start date"),
                _f("date", "date", "Finish date"),
                _f("description", "text", "Description"),
                _f("terms", "text", "Terms and conditions"),
                _f("recurring_total", "monetary", "Recurring price", computed=True),
                _f("amount_tax", "monetary", "Amount Tax", computed=True),
                _f("amount_total", "monetary", "Amount Total", computed=True),
                _m2o(
                    "currency_id",
                    "res.currency",
                    "Currency",
                    related=("pricelist_id", "currency_id"),
                ),
                _m2o("stage_id", "sale.subscription.stage", "Stage", index=True),
                _f(
                    "sale_subscription_line_ids",
                    "one2many",
                    "Subscription Lines",
                    relation="sale.subscription.line",
                    inverse="sale_subscription_id",
                ),
                _m2o("close_reason_id", "sale.subscription.close.reason", "Close Reason"),
                _f("to_renew", "boolean", "To renew", default=False),
            ],
            order="id desc",
        ),
        _model(
            "sale.subscription.line",
            "Subscription lines added to a given subscription",
            [
                _m2o("product_id", "product.product", "Product"),
                _m2o(
                    "currency_id",
                    "res.currency",
                    "Currency",
                    related=("sale_subscription_id", "currency_id"),
                ),
                _f("name", "char", "Description"),
                _f("product_uom_qty", "float", "Quantity", default=1.0),
                _f("price_unit", "float", "Unit price"),
                _f("discount", "float", "Discount (%)"),
                _f("tax_ids", "many2many", "Taxes", relation="account.tax"),
                _f("price_subtotal", "monetary", "Subtotal", computed=True),
                _f("price_total", "monetary", "Total", computed=True),
                _f("amount_tax_line_amount", "float", "Taxes Amount", computed=True),
                _m2o("sale_subscription_id", "sale.subscription", "Subscription", index=True),
                _m2o(
                    "company_id",
                    "res.company",
                    "Company",
                    related=("sale_subscription_id", "company_id"),
                ),
            ],
            order="id",
        ),
    ]
    return {model.name: model for model in models}
