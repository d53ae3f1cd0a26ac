"""The canonical schema rejects bad input with a reason that names the record."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from pydantic import ValidationError

from connector.schema import Customer, Subscription
from tests.factories import item, subscription


def test_naive_datetimes_are_rejected() -> None:
    """Times must carry a zone; there is no guessing."""
    with pytest.raises(ValidationError, match="timezone"):
        subscription(1, start=dt.datetime(2026, 1, 1))


def test_times_are_converted_to_utc() -> None:
    """Any zone is accepted and stored as UTC."""
    cet = dt.timezone(dt.timedelta(hours=1))
    sub = subscription(1, start=dt.datetime(2026, 1, 1, 1, tzinfo=cet))
    assert sub.start == dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    assert sub.start.tzinfo == dt.UTC


def test_item_in_another_currency_is_rejected() -> None:
    """A currency mismatch names the subscription and the item."""
    with pytest.raises(ValidationError, match="sub_00001: item si_1 is priced in USD"):
        subscription(1, items=(item(currency="USD"),))


def test_mixed_intervals_are_rejected() -> None:
    """All recurring items share one interval, as in Stripe."""
    from connector.schema import IntervalUnit

    with pytest.raises(ValidationError, match="different intervals"):
        subscription(1, items=(item(), item(unit=IntervalUnit.YEAR, item_id="si_2")))


def test_unknown_fields_and_bad_status_are_rejected() -> None:
    """Strict mode: no extra keys, no unknown statuses, no type coercion."""
    body = json.loads(subscription(1).model_dump_json())
    with pytest.raises(ValidationError):
        Subscription.model_validate_json(json.dumps({**body, "colour": "red"}))
    with pytest.raises(ValidationError):
        Subscription.model_validate_json(json.dumps({**body, "status": "on_hold"}))
    with pytest.raises(ValidationError):
        Customer.model_validate({"id": 42})


def test_json_round_trip_is_exact() -> None:
    """A subscription stored as JSON reads back equal, Decimals and all."""
    sub = subscription(7)
    assert Subscription.model_validate_json(sub.model_dump_json()) == sub


def test_replace_recomputes_derived_values() -> None:
    """replace() validates and never carries a stale cached MRR."""
    sub = subscription(1)
    assert sub.mrr.amount > 0
    from connector.schema import SubscriptionStatus

    assert sub.replace(status=SubscriptionStatus.CANCELLED).mrr.amount == 0
