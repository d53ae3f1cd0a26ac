"""External id naming: readable for Stripe ids, reversible for anything."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from adapters.odoo import xmlids


def test_stripe_ids_read_naturally() -> None:
    """Stripe ids keep their look; the object name prefixes them."""
    assert xmlids.record_name("subscription", "sub_1NqXy2") == "subscription_sub_1NqXy2"
    assert xmlids.record_name("partner", "cus_00001") == "partner_cus_00001"


def test_line_names_are_scoped_by_their_record() -> None:
    """Two subscriptions may both have an item 'si_1': their line ids must differ."""
    first = xmlids.line_name(xmlids.record_name("subscription", "sub_1"), "si_1")
    second = xmlids.line_name(xmlids.record_name("subscription", "sub_2"), "si_1")
    assert first == "subscription_sub_1__line_si_1"
    assert first != second


def test_unsafe_characters_are_escaped() -> None:
    """Dots, spaces and non-ASCII never reach Odoo, which splits on dots and refuses spaces."""
    name = xmlids.record_name("partner", "acme.com/é x")
    assert "." not in name
    assert " " not in name
    assert name == "partner_acme-2ecom-2f-c3-a9-20x"


@given(st.text(max_size=40))
def test_encoding_round_trips(key: str) -> None:
    """Any key decodes back from its external id (line keys are read back this way)."""
    assert xmlids.decode(xmlids.encode(key)) == key
    record = xmlids.record_name("subscription", key)
    assert xmlids.key_of_record("subscription", record) == key
    assert xmlids.key_of_line("subscription_x", xmlids.line_name("subscription_x", key)) == key


@given(st.text(max_size=20), st.text(max_size=20))
def test_distinct_keys_get_distinct_names(first: str, second: str) -> None:
    if first != second:
        assert xmlids.encode(first) != xmlids.encode(second)


def test_names_of_other_objects_or_records_are_not_ours() -> None:
    assert xmlids.key_of_record("partner", "subscription_sub_1") is None
    assert xmlids.key_of_line("subscription_sub_1", "subscription_sub_2__line_si_1") is None
    assert xmlids.key_of_record("partner", "partner_bad.name") is None
