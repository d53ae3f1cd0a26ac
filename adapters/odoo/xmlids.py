"""External ids (``ir.model.data``) that mark the records the connector owns.

Scheme, in the configured module namespace (default ``subsync``):

- a record of mapped object ``<object>`` with match key ``<key>``:
  ``<namespace>.<object>_<encoded key>`` (e.g. ``subsync.subscription_sub_00001``,
  ``subsync.partner_cus_00001``);
- a line of that record with line key ``<line key>``:
  ``<namespace>.<record name>__line_<encoded line key>``
  (``subsync.subscription_sub_00001__line_si_1``). Line keys are scoped by their record
  because a mapping's line key (e.g. a Stripe item id in tests, or a plan code) need not be
  unique across subscriptions.

Encoding keeps ``[A-Za-z0-9_]`` as is (so Stripe ids read naturally) and writes every other
character as ``-`` plus the two hex digits of each of its UTF-8 bytes. It is reversible (no
truncation, no hash) so that a line's key can be read back from its external id, and it
never produces a dot or a space, which Odoo forbids or splits on.
"""

from __future__ import annotations

import re

_SAFE = re.compile(r"[A-Za-z0-9_]")
_ALL_SAFE = re.compile(r"[A-Za-z0-9_]*")
LINE_INFIX = "__line_"


def encode(key: str) -> str:
    if _ALL_SAFE.fullmatch(key):
        return key  # the usual case (Stripe ids): one regex call, not one per character
    out: list[str] = []
    for char in key:
        if _SAFE.fullmatch(char):
            out.append(char)
        else:
            out.extend(f"-{byte:02x}" for byte in char.encode("utf-8"))
    return "".join(out)


def decode(text: str) -> str:
    """Inverse of :func:`encode`; raises ``ValueError`` on text it could not have made."""
    if _ALL_SAFE.fullmatch(text):
        return text
    raw = bytearray()
    index = 0
    while index < len(text):
        char = text[index]
        if char == "-":
            raw.append(int(text[index + 1 : index + 3], 16))
            index += 3
        elif _SAFE.fullmatch(char):
            raw.extend(char.encode("ascii"))
            index += 1
        else:
            raise ValueError(f"{text!r} is not an encoded key")
    return raw.decode("utf-8")


def record_name(object_name: str, key: str) -> str:
    """``ir.model.data.name`` of our record of ``object_name`` with match key ``key``."""
    return f"{object_name}_{encode(key)}"


def key_of_record(object_name: str, name: str) -> str | None:
    """Match key from one of our record names, or None if it is not one of that object."""
    prefix = f"{object_name}_"
    if not name.startswith(prefix):
        return None
    try:
        return decode(name[len(prefix) :])
    except ValueError:
        return None


def line_name(record: str, line_key: str) -> str:
    """``ir.model.data.name`` of a line of the record whose name is ``record``."""
    return f"{record}{LINE_INFIX}{encode(line_key)}"


def key_of_line(record: str, name: str) -> str | None:
    prefix = f"{record}{LINE_INFIX}"
    if not name.startswith(prefix):
        return None
    try:
        return decode(name[len(prefix) :])
    except ValueError:
        return None
