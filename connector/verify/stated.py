"""Reading what a target states about subscriptions' status and MRR.

A target that maps ``mrr`` to a field of its own (the CRM's ``MRR__c``) states it there; a
target that derives it from its own records (Odoo's recurring total and template interval)
implements :class:`~adapters.base.RevenueStatement`. Any other target cannot be verified.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal, InvalidOperation

from adapters.base import RevenueStatement, StatedRevenue, Target
from connector.errors import ConfigError
from connector.mapping import CompiledMapping, CompiledObject
from connector.records import JsonValue
from connector.schema import Money, Subscription

SUBSCRIPTION_STATUS = "status"


class CannotVerify(ConfigError):
    """A target whose mapping gives no way to read its status or MRR."""


def subscription_object(mapping: CompiledMapping) -> CompiledObject:
    """The mapped object that holds the subscription itself (the one that maps its status)."""
    for obj in mapping.objects.values():
        if obj.field_for(SUBSCRIPTION_STATUS) is not None:
            return obj
    raise CannotVerify(
        f"the {mapping.system} mapping maps no field from 'status': nothing to compare"
    )


def expected_status(mapping: CompiledMapping, subscription: Subscription) -> str | None:
    """The status value the target should hold for billing's subscription, as mapped."""
    field = subscription_object(mapping).field_for(SUBSCRIPTION_STATUS)
    assert field is not None
    return _status_text(field.render(subscription))


def _status_text(value: JsonValue) -> str | None:
    if isinstance(value, dict):  # a look-up (an Odoo stage by name): compare the natural key
        value = value.get("value")
    return None if value is None else str(value)


def stated_revenue(target: Target, keys: Sequence[str]) -> Mapping[str, StatedRevenue]:
    """What ``target`` states for the subscriptions ``keys`` (absent ones are left out)."""
    if isinstance(target, RevenueStatement):
        return target.stated_revenue(keys)
    return _stated_by_mapping(target, keys)


def _stated_by_mapping(target: Target, keys: Sequence[str]) -> dict[str, StatedRevenue]:
    obj = subscription_object(target.mapping)
    mrr_field = obj.field_for("mrr")
    if mrr_field is None:
        raise CannotVerify(
            f"the {target.system} mapping maps no field from 'mrr', and the target cannot "
            "derive its MRR: map 'mrr' to a field to verify it"
        )
    status_field = obj.field_for(SUBSCRIPTION_STATUS)
    currency_field = obj.field_for("currency")
    stated: dict[str, StatedRevenue] = {}
    for start in range(0, len(keys), target.read_batch_size(obj.name)):
        batch = keys[start : start + target.read_batch_size(obj.name)]
        for key, record in target.read(obj.name, batch).items():
            values = obj.normalise(record.fields)
            currency = values.get(currency_field.target) if currency_field else None
            raw_mrr = values.get(mrr_field.target)
            stated[key] = StatedRevenue(
                status=_status_text(values.get(status_field.target)) if status_field else None,
                mrr=_money(raw_mrr, currency),
                basis=f"{mrr_field.target} = {raw_mrr} {currency}",
            )
    return stated


def _money(value: JsonValue, currency: JsonValue) -> Money | None:
    if value is None or not isinstance(currency, str):
        return None
    try:
        return Money(amount=Decimal(str(value)), currency=currency)
    except (InvalidOperation, ValueError):
        return None
