"""SOQL for reading records by external id, safe and sized to Salesforce's URI limit.

Safety: names (sObjects, fields, relationship paths) come only from the mapping and
describe, and must look like Salesforce API names; every value is a literal quoted and
escaped by simple-salesforce's ``format_soql`` (backslash, quotes, control characters), so
no key can change the query's meaning.

Size: a query travels in the URL (``GET .../query?q=...``), and the URI plus headers of one
REST call may not exceed 16,384 bytes (431/414 otherwise). We keep the encoded URL under
:data:`URL_BUDGET`, leaving room for the headers (the bearer token alone is ~115 bytes), and
pack as many keys into each query as fit: fewer calls than a fixed batch size would make, and
never a 414 for long keys.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from urllib.parse import quote_plus

from simple_salesforce.format import format_soql

URI_LIMIT = 16_384
URL_BUDGET = 12_000
# Salesforce answers a query in pages of up to 2,000 rows; more keys per query only add pages.
MAX_KEYS_PER_QUERY = 2_000
# A Stripe id is 14-30 characters; budget read batches for 32 so the planner's estimate holds.
TYPICAL_KEY_LENGTH = 32
TYPICAL_BASE_URL = "https://mydomain.my.salesforce.com/services/data/v59.0/query/?"

_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,79}$")


class UnsafeNameError(ValueError):
    """A name that is not a Salesforce API name and must not reach a query."""


def check_name(name: str) -> str:
    """``name`` if it is a plain API name (``Account``, ``Stripe_Customer_Id__c``)."""
    if not _NAME.match(name):
        raise UnsafeNameError(f"{name!r} is not a Salesforce API name")
    return name


def check_path(path: str) -> str:
    """A field path such as ``Account__r.Stripe_Customer_Id__c``: API names joined by dots."""
    for part in path.split("."):
        check_name(part)
    return path


def select_prefix(sobject: str, fields: Sequence[str], key_field: str) -> str:
    """``SELECT ... FROM <sobject> WHERE <key_field> IN (`` with every name checked."""
    names = ", ".join(check_path(f) for f in dict.fromkeys(fields))
    # Names are checked API names; values are added by chunk_keys through format_soql only.
    return f"SELECT {names} FROM {check_name(sobject)} WHERE {check_name(key_field)} IN ("  # noqa: S608


def quote(value: str) -> str:
    """A string literal for SOQL, escaped by simple-salesforce."""
    return format_soql("{}", value)


def _encoded_length(text: str) -> int:
    # requests encodes params with urlencode -> quote_plus, character by character, so the
    # encoded length of a concatenation is the sum of the encoded lengths of its parts.
    return len(quote_plus(text))


def chunk_keys(
    prefix: str, keys: Sequence[str], base_url: str, budget: int = URL_BUDGET
) -> Iterator[tuple[str, list[str]]]:
    """Split ``keys`` into as few ``prefix + 'k1','k2')`` queries as fit the URL budget."""
    fixed = len(base_url) + len("q=") + _encoded_length(prefix) + _encoded_length(")")
    separator = _encoded_length(",")
    chunk: list[str] = []
    literals: list[str] = []
    used = fixed
    for key in keys:
        literal = quote(key)
        cost = _encoded_length(literal) + (separator if chunk else 0)
        if chunk and (used + cost > budget or len(chunk) >= MAX_KEYS_PER_QUERY):
            yield prefix + ",".join(literals) + ")", chunk
            chunk, literals, used = [], [], fixed
            cost = _encoded_length(literal)
        if used + cost > budget:
            raise ValueError(f"a key of {len(key)} characters cannot fit in a query URL")
        chunk.append(key)
        literals.append(literal)
        used += cost
    if chunk:
        yield prefix + ",".join(literals) + ")", chunk


def keys_per_query(prefix: str, base_url: str = TYPICAL_BASE_URL) -> int:
    """How many typical keys fit one query: the read batch size the planner should use."""
    fixed = len(base_url) + len("q=") + _encoded_length(prefix) + _encoded_length(")")
    per_key = _encoded_length(quote("k" * TYPICAL_KEY_LENGTH)) + _encoded_length(",")
    return max(1, min(MAX_KEYS_PER_QUERY, (URL_BUDGET - fixed) // per_key))
