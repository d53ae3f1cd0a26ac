"""What a real database needs before a first run, checked with the mapping (live check).

- every record a value map looks up by name exists (the stages the statuses go to);
- the stage paused subscriptions go to is not an in-progress one: subscription_oca's cron
  invoices every in-progress subscription;
- the product coupon lines are written on (internal reference ``DISCOUNT``) exists.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from adapters.odoo.client import OdooClient
from adapters.odoo.schema import ObjectInfo
from connector.mapping.spec import FieldSpec, load_spec
from connector.schema import DISCOUNT_PRODUCT_CODE, SubscriptionStatus

PAUSED = SubscriptionStatus.PAUSED.value


def readiness_problems(client: OdooClient, path: str, objects: Iterable[ObjectInfo]) -> list[str]:
    spec = load_spec(Path(path))
    problems: list[str] = []
    for obj in objects:
        fields = spec.objects[obj.name].fields if spec and obj.name in spec.objects else []
        for field in fields:
            if field.map is not None and field.lookup is not None and field.lookup.by == "name":
                problems.extend(_mapped_names(client, obj, field))
        for line_spec in obj.lines():
            if any(_discount_product_lookup(child.spec.lookup) for child in line_spec.children):
                problems.extend(_discount_product(client))
    return problems


def _mapped_names(client: OdooClient, obj: ObjectInfo, field: FieldSpec) -> list[str]:
    assert field.map is not None
    assert field.lookup is not None
    model = field.lookup.model
    wanted = {str(value) for value in field.map.values() if value is not None}
    columns = ["name", "type"] if model == "sale.subscription.stage" else ["name"]
    rows = client.search_read(model, [("name", "in", sorted(wanted))], columns)
    found = {str(row["name"]): row for row in rows}
    problems = [
        f"{obj.model}.{field.target}: no {model} named {name!r} (the mapping sends "
        f"{', '.join(sorted(k for k, v in field.map.items() if v == name))} there): create it"
        for name in sorted(wanted - set(found))
    ]
    paused = field.map.get(PAUSED)
    row = found.get(str(paused)) if paused is not None else None
    if row is not None and row.get("type") == "in_progress":
        problems.append(
            f"{obj.model}.{field.target}: stage {paused!r} is an in-progress stage, so "
            "subscription_oca's cron would invoice paused subscriptions: make it a "
            "'Ready to start' stage with a sequence below that stage's"
        )
    return problems


def _discount_product_lookup(lookup: tuple[str, str] | None) -> bool:
    return lookup == ("product.product", "default_code")


def _discount_product(client: OdooClient) -> list[str]:
    rows = client.search_read(
        "product.product", [("default_code", "=", DISCOUNT_PRODUCT_CODE)], ["id"]
    )
    if rows:
        return []
    return [
        f"product.product: no product with internal reference {DISCOUNT_PRODUCT_CODE!r}: "
        "every coupon is a negative subscription line on it; create a service product with "
        "that reference and no customer taxes"
    ]
