"""``ir.sequence``-like counters: ``next_by_code("sale.subscription")`` -> ``SUB00001``.

As in PostgreSQL-backed Odoo (``implementation="standard"`` sequences are real PostgreSQL
sequences), a number taken is never given back, even when the transaction that took it fails:
codes have gaps after failed creates.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class Sequence:
    code: str
    prefix: str
    padding: int
    number_next: int = 1

    def next(self) -> str:
        value = self.number_next
        self.number_next += 1
        return f"{self.prefix}{value:0{self.padding}d}"


class Sequences:
    """The sequences of one database, by code."""

    def __init__(self) -> None:
        self._by_code: dict[str, Sequence] = {}

    def define(self, code: str, prefix: str, padding: int) -> None:
        self._by_code[code] = Sequence(code, prefix, padding)

    def next_by_code(self, code: str) -> str | bool:
        sequence = self._by_code.get(code)
        if sequence is None:
            return False
        return sequence.next()

    def dump(self) -> dict[str, int]:
        return {code: seq.number_next for code, seq in self._by_code.items()}

    def restore(self, numbers: dict[str, int]) -> None:
        for code, number in numbers.items():
            if code in self._by_code:
                self._by_code[code].number_next = number
