"""Unit tests of form decoding, pagination storage and calendar arithmetic."""

from __future__ import annotations

import datetime as dt

import pytest

from connector.sandbox.stripe.clock import period_containing, period_end
from connector.sandbox.stripe.errors import StripeError
from connector.sandbox.stripe.forms import decode_form, encode_form
from connector.sandbox.stripe.money import to_minor_units
from connector.sandbox.stripe.store import Collection


def test_nested_brackets_and_arrays() -> None:
    """items[0][price], metadata[k] and expand[] decode to lists and dicts."""
    params = decode_form(
        "items[0][price]=p1&items[1][price]=p2&items[1][tax_rates][]=t&metadata[k]=v"
        "&expand[]=a&expand[]=b&empty="
    )
    assert params == {
        "items": [{"price": "p1"}, {"price": "p2", "tax_rates": ["t"]}],
        "metadata": {"k": "v"},
        "expand": ["a", "b"],
        "empty": "",
    }


def test_indices_order_numerically() -> None:
    """items[10] comes after items[2]."""
    params = decode_form("items[10][price]=b&items[2][price]=a")
    assert params["items"] == [{"price": "a"}, {"price": "b"}]


def test_malformed_key_is_rejected() -> None:
    """A key with text after a closing bracket is invalid."""
    with pytest.raises(StripeError):
        decode_form("items[0]x=1")


def test_month_periods_keep_anchor_day() -> None:
    """A 31 January anchor bills on the last day of February, then 31 March."""
    anchor = int(dt.datetime(2026, 1, 31, tzinfo=dt.UTC).timestamp())
    feb = dt.datetime.fromtimestamp(period_end(anchor, 1, "month", 1), tz=dt.UTC)
    mar = dt.datetime.fromtimestamp(period_end(anchor, 2, "month", 1), tz=dt.UTC)
    assert (feb.month, feb.day, mar.month, mar.day) == (2, 28, 3, 31)


def test_zero_decimal_currency_units() -> None:
    """JPY has no minor unit; USD has two decimals; KWD three."""
    assert to_minor_units("500", "jpy") == 500
    assert to_minor_units("12.50", "usd") == 1250
    assert to_minor_units("1.234", "kwd") == 1234


def test_collection_sorts_out_of_order_inserts() -> None:
    """Objects inserted with older created values are listed in created order."""
    collection = Collection("thing")
    for object_id, created in (("a", 3), ("b", 1), ("c", 2)):
        collection.add({"id": object_id, "created": created})
    page = collection.page(10)
    assert [o["id"] for o in page.data] == ["a", "c", "b"]
    after = collection.page(1, starting_after="c")
    assert ([o["id"] for o in after.data], after.has_more) == (["b"], False)


def test_period_containing_skips_many_periods() -> None:
    """The period containing a later instant is found directly, anchored on the same day."""
    anchor = int(dt.datetime(2024, 1, 31, tzinfo=dt.UTC).timestamp())
    until = int(dt.datetime(2026, 3, 5, tzinfo=dt.UTC).timestamp())
    start, end = period_containing(anchor, until, "month", 1)
    start_dt = dt.datetime.fromtimestamp(start, tz=dt.UTC)
    end_dt = dt.datetime.fromtimestamp(end, tz=dt.UTC)
    assert (start_dt.month, start_dt.day, end_dt.month, end_dt.day) == (2, 28, 3, 31)
    week_start, week_end = period_containing(anchor, anchor + 20 * 86400, "week", 1)
    assert (week_start - anchor, week_end - anchor) == (14 * 86400, 21 * 86400)


def test_encode_form_round_trips() -> None:
    """encode_form produces what decode_form reads back (bools as true/false)."""
    params = {"items": [{"price": "p", "quantity": 2}], "metadata": {"k": "v"}, "flag": True}
    assert decode_form(encode_form(params)) == {
        "items": [{"price": "p", "quantity": "2"}],
        "metadata": {"k": "v"},
        "flag": "true",
    }
