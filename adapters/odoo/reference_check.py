"""Reference data the default mapping looks up, checked against what it must mean.

- **Templates**: the mapping finds a subscription's template by the code
  ``<UNIT>-<COUNT>`` of its billing cycle (``MONTH-3``). Odoo's own monthly figure is the
  recurring total over the template's recurrence, so a template whose recurrence is not
  the cycle its code names (``MONTH-3`` recurring every month) would make Odoo's MRR three
  times billing's without any write failing.
- **Pricelists**: one per currency billed, looked up by currency; a pricelist in an inactive
  currency (every currency but the company's is inactive in a fresh database) is a
  subscription Odoo cannot price.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from adapters.odoo.client import OdooClient
from adapters.odoo.schema import ObjectInfo

TEMPLATE_MODEL = "sale.subscription.template"
PRICELIST_MODEL = "product.pricelist"
CYCLE_CODE = re.compile(r"^(DAY|WEEK|MONTH|YEAR)-(\d+)$")
RULE_OF_UNIT = {"DAY": "days", "WEEK": "weeks", "MONTH": "months", "YEAR": "years"}


def _looks_up(objects: Iterable[ObjectInfo], model: str) -> bool:
    return any(f.lookup is not None and f.lookup[0] == model for o in objects for f in o.fields)


def reference_problems(client: OdooClient, objects: Iterable[ObjectInfo]) -> list[str]:
    found = list(objects)
    problems: list[str] = []
    if _looks_up(found, TEMPLATE_MODEL):
        problems.extend(_template_problems(client))
    if _looks_up(found, PRICELIST_MODEL):
        problems.extend(_pricelist_problems(client))
    return problems


def _template_problems(client: OdooClient) -> list[str]:
    rows = client.search_read(
        TEMPLATE_MODEL, [], ["code", "recurring_interval", "recurring_rule_type"]
    )
    cycles = [(row, CYCLE_CODE.match(str(row.get("code") or ""))) for row in rows]
    named = [(row, match) for row, match in cycles if match is not None]
    if not named:
        return [
            f"{TEMPLATE_MODEL}: no template with a billing-cycle code (MONTH-1, YEAR-1...): "
            "create one per cycle billing uses, recurring as its code says"
        ]
    problems: list[str] = []
    for row, match in named:
        unit, count = match.group(1), int(match.group(2))
        rule, every = row.get("recurring_rule_type"), row.get("recurring_interval")
        if rule != RULE_OF_UNIT[unit] or every != count:
            problems.append(
                f"{TEMPLATE_MODEL}: template {row['code']!r} recurs every {every} {rule}, not "
                f"every {count} {RULE_OF_UNIT[unit]}: Odoo's monthly figures for its "
                "subscriptions would not be billing's; set its recurrence to match its code"
            )
    return problems


def _pricelist_problems(client: OdooClient) -> list[str]:
    rows = client.search_read(PRICELIST_MODEL, [], ["name", "currency_id"])
    if not rows:
        return [
            f"{PRICELIST_MODEL}: no pricelist: create one per currency billing uses "
            "(Sales > Products > Pricelists)"
        ]
    currency_ids = sorted({int(row["currency_id"][0]) for row in rows if row.get("currency_id")})
    currencies = client.search_read(
        "res.currency",
        [("id", "in", currency_ids)],
        ["name", "active"],
        context={"active_test": False},
    )
    return [
        f"res.currency: {row['name']} is inactive but a pricelist is in it: activate it "
        "(Accounting > Configuration > Currencies), or Odoo cannot price its subscriptions"
        for row in currencies
        if not row.get("active")
    ]
