"""SOQL building: names whitelisted, literals escaped, queries sized to the URI limit."""

from __future__ import annotations

import pytest
import requests

from adapters.salesforce.soql import (
    MAX_KEYS_PER_QUERY,
    URL_BUDGET,
    UnsafeNameError,
    check_name,
    check_path,
    chunk_keys,
    keys_per_query,
    quote,
    select_prefix,
)

BASE = "https://acme.my.salesforce.com/services/data/v59.0/query/?"
PREFIX = select_prefix("Subscription__c", ["Id", "Account__r.Stripe_Customer_Id__c"], "Key__c")


@pytest.mark.parametrize(
    "name",
    ["Account) OR (Id", "Name; DELETE", "x'y", "Stripe Id", "", "1Field", "a" * 81, "A.B"],
)
def test_names_that_are_not_api_names_are_refused(name: str) -> None:
    with pytest.raises(UnsafeNameError):
        check_name(name)


def test_api_names_and_relationship_paths_pass() -> None:
    assert check_name("Stripe_Customer_Id__c") == "Stripe_Customer_Id__c"
    assert check_path("Account__r.Stripe_Customer_Id__c") == "Account__r.Stripe_Customer_Id__c"
    with pytest.raises(UnsafeNameError):
        check_path("Account__r.Id) FROM User --")


@pytest.mark.parametrize(
    ("key", "literal"),
    [
        ("sub_1", "'sub_1'"),
        ("o'brien", "'o\\'brien'"),
        ("back\\slash", "'back\\\\slash'"),
        ("x' OR Name != '", "'x\\' OR Name != \\''"),
        ('dq"', "'dq\\\"'"),
        ("line\nbreak", "'line\\nbreak'"),
    ],
)
def test_literals_are_escaped(key: str, literal: str) -> None:
    assert quote(key) == literal


def _url_length(soql: str) -> int:
    prepared = requests.Request("GET", BASE.rstrip("?"), params={"q": soql}).prepare()
    assert prepared.url is not None
    return len(prepared.url)


def test_chunks_fit_the_url_budget_exactly_measured() -> None:
    keys = [f"sub_{n:024d}'\\%é" for n in range(2_000)]
    chunks = list(chunk_keys(PREFIX, keys, BASE))
    assert [k for _, chunk in chunks for k in chunk] == keys
    assert len(chunks) > 1
    for soql, chunk in chunks:
        assert _url_length(soql) <= URL_BUDGET
        assert soql.startswith(PREFIX)
        assert soql.count("'") >= 2 * len(chunk)
    # Greedy packing: each chunk but the last could not take one more key.
    first_soql, first_chunk = chunks[0]
    bigger = first_soql[:-1] + "," + quote(keys[len(first_chunk)]) + ")"
    assert _url_length(bigger) > URL_BUDGET


def test_short_keys_are_capped_per_query() -> None:
    keys = [str(n) for n in range(MAX_KEYS_PER_QUERY + 5)]
    chunks = list(chunk_keys(PREFIX, keys, BASE, budget=10**7))
    assert [len(chunk) for _, chunk in chunks] == [MAX_KEYS_PER_QUERY, 5]


def test_a_key_longer_than_any_url_is_refused() -> None:
    with pytest.raises(ValueError, match="cannot fit"):
        list(chunk_keys(PREFIX, ["k" * 20_000], BASE))


def test_read_batch_estimate_fits_typical_stripe_ids() -> None:
    size = keys_per_query(PREFIX)
    assert 200 < size < MAX_KEYS_PER_QUERY
    keys = [f"sub_{n:028d}" for n in range(size)]
    assert len(list(chunk_keys(PREFIX, keys, BASE))) == 1
