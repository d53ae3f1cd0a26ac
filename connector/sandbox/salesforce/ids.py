"""Salesforce-style record ids: 15-char case-sensitive ids and their 18-char forms.

An id is a 3-char key prefix (``001`` for Account, ``a0S``-style for custom objects), then
instance and sequence characters. The 18-char form appends a 3-char checksum that encodes,
for each 5-char chunk, which characters are upper case, so the id survives case-insensitive
handling.
"""

from __future__ import annotations

import itertools
import re

_BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
_SUFFIX_CHARS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"
_ID_RE = re.compile(r"^[a-zA-Z0-9]{15}(?:[a-zA-Z0-9]{3})?$")
_POD = "5g"
_SEQUENCE_WIDTH = 10


def checksum(id15: str) -> str:
    """The 3-char suffix that turns a 15-char id into its 18-char form."""
    suffix = []
    for chunk in range(3):
        flags = 0
        for position in range(5):
            char = id15[chunk * 5 + position]
            if "A" <= char <= "Z":
                flags |= 1 << position
        suffix.append(_SUFFIX_CHARS[flags])
    return "".join(suffix)


def normalize_id(raw: str) -> str | None:
    """The 18-char id for a 15- or 18-char id, or None if ``raw`` is not shaped like one."""
    if not _ID_RE.match(raw):
        return None
    if len(raw) == 15:
        return raw + checksum(raw)
    base, suffix = raw[:15], raw[15:].upper()
    if checksum(base) == suffix:
        return base + suffix
    # An 18-char id may have lost its case; the suffix tells which characters were upper.
    chars = list(base.lower())
    for chunk, flag_char in enumerate(suffix):
        flags = _SUFFIX_CHARS.find(flag_char)
        if flags < 0:
            return None
        for position in range(5):
            if flags & (1 << position):
                chars[chunk * 5 + position] = chars[chunk * 5 + position].upper()
    fixed = "".join(chars)
    return fixed + suffix if checksum(fixed) == suffix else None


def key_prefix(record_id: str) -> str:
    return record_id[:3]


def _base62(number: int, width: int) -> str:
    digits = []
    while number:
        number, rem = divmod(number, 62)
        digits.append(_BASE62[rem])
    return "".join(reversed(digits)).rjust(width, "0")


class IdGenerator:
    """Makes new 18-char ids per key prefix; thread-safe (``itertools.count`` is atomic)."""

    def __init__(self, start: int = 1) -> None:
        self._counter = itertools.count(start)

    def new_id(self, prefix: str) -> str:
        id15 = prefix + _POD + _base62(next(self._counter), _SEQUENCE_WIDTH)
        return id15 + checksum(id15)

    def advance_past(self, record_id: str) -> None:
        """Make sure later ids never collide with ``record_id`` (after loading saved data)."""
        tail = record_id[5:15]
        value = 0
        for char in tail:
            index = _BASE62.find(char)
            if index < 0:
                return
            value = value * 62 + index
        current = next(self._counter)
        self._counter = itertools.count(max(current, value + 1))
