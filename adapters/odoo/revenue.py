"""What Odoo itself says a subscription earns per month: its recurring total over its template's
billing interval, counted only while the subscription is in an in-progress stage.

subscription_oca stores ``recurring_total`` (the sum of the lines' ``price_subtotal``, tax
excluded: ``sale_subscription.py`` ``_compute_total``) and bills it every
``recurring_interval`` ``recurring_rule_type`` of the template; its invoicing cron only
invoices subscriptions in an ``in_progress`` stage (``cron_subscription_management``). So the
monthly amount Odoo states is that total normalised to one month with the connector's own
interval rule, and zero in any other stage.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal

from adapters.base import StatedRevenue
from adapters.odoo import xmlids
from adapters.odoo.client import OdooClient, Row
from adapters.odoo.lookups import many2one_id
from adapters.odoo.reader import OdooReader
from adapters.odoo.schema import ObjectInfo
from connector.schema import BillingInterval, IntervalUnit, Money
from connector.schema.mrr import monthly

SUBSCRIPTION_MODEL = "sale.subscription"
TEMPLATE_MODEL = "sale.subscription.template"
STAGE_MODEL = "sale.subscription.stage"
IN_PROGRESS = "in_progress"
RULE_UNITS: Mapping[str, IntervalUnit] = {
    "days": IntervalUnit.DAY,
    "weeks": IntervalUnit.WEEK,
    "months": IntervalUnit.MONTH,
    "years": IntervalUnit.YEAR,
}


class OdooRevenue:
    """Reads the figures that make up Odoo's monthly amount: four calls per batch of keys."""

    def __init__(self, client: OdooClient, reader: OdooReader) -> None:
        self.client = client
        self.reader = reader

    def stated(self, obj: ObjectInfo, keys: Sequence[str]) -> dict[str, StatedRevenue]:
        if obj.model != SUBSCRIPTION_MODEL:
            raise ValueError(
                f"Odoo's monthly amount is read from {SUBSCRIPTION_MODEL}, not {obj.model}: "
                "this mapping cannot be verified"
            )
        names = {key: xmlids.record_name(obj.name, key) for key in keys}
        own = self.reader.find(dict.fromkeys(names.values(), obj.model))
        ids = {key: own[name].id for key, name in names.items() if name in own}
        rows = self._read(
            SUBSCRIPTION_MODEL,
            set(ids.values()),
            ["recurring_total", "currency_id", "template_id", "stage_id"],
        )
        templates = self._read(
            TEMPLATE_MODEL,
            _links(rows.values(), "template_id"),
            ["recurring_rule_type", "recurring_interval"],
        )
        stages = self._read(STAGE_MODEL, _links(rows.values(), "stage_id"), ["name", "type"])
        return {
            key: _statement(rows[record_id], templates, stages)
            for key, record_id in ids.items()
            if record_id in rows
        }

    def _read(self, model: str, ids: set[int], fields: list[str]) -> dict[int, Row]:
        return {int(row["id"]): row for row in self.client.read(model, sorted(ids), fields)}


def _links(rows: Iterable[Row], field: str) -> set[int]:
    return {link for row in rows if (link := many2one_id(row.get(field))) is not None}


def _statement(row: Row, templates: Mapping[int, Row], stages: Mapping[int, Row]) -> StatedRevenue:
    stage = stages.get(many2one_id(row.get("stage_id")) or 0)
    status = str(stage["name"]) if stage is not None else None
    currency = _currency_code(row.get("currency_id"))
    template = templates.get(many2one_id(row.get("template_id")) or 0)
    total = row.get("recurring_total")
    if currency is None or template is None or not isinstance(total, int | float):
        return StatedRevenue(status, None, f"recurring_total = {total!r}, no currency or template")
    unit = RULE_UNITS.get(str(template.get("recurring_rule_type")))
    count = template.get("recurring_interval")
    if unit is None or not isinstance(count, int) or count < 1:
        return StatedRevenue(status, None, f"template interval {template!r} is not a billing one")
    # Monetary values travel as JSON floats; the shortest repr of the stored numeric is exact.
    amount = Money.rounded(Decimal(repr(float(total))), currency)
    interval = BillingInterval(unit=unit, count=count)
    basis = f"recurring_total {amount} every {interval}, stage {status}"
    if stage is None or stage.get("type") != IN_PROGRESS:
        # Not invoiced by Odoo outside an in-progress stage: it earns nothing there.
        return StatedRevenue(status, Money.zero(currency), basis)
    return StatedRevenue(status, Money.rounded(monthly(amount.amount, interval), currency), basis)


def _currency_code(raw: object) -> str | None:
    # A many2one reads as [id, display_name]; res.currency's display name is its ISO code.
    if isinstance(raw, list | tuple) and len(raw) == 2 and isinstance(raw[1], str):
        return raw[1]
    return None
