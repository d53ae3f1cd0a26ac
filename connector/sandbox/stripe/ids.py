"""Stripe-looking identifiers (``sub_1Pgc6rB7WZ01zgkW...``) that sort in creation order."""

from __future__ import annotations

import random
import threading

ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
COUNTER_WIDTH = 9
RANDOM_WIDTH = 14
#: Maps each byte to an alphabet character (a negligible bias, irrelevant for a sandbox).
_TAIL_TABLE = bytes(ord(ALPHABET[b % 62]) for b in range(256))


def _base62(number: int, width: int) -> str:
    digits = []
    while number:
        number, rem = divmod(number, 62)
        digits.append(ALPHABET[rem])
    return "".join(reversed(digits)).rjust(width, "0")


class IdGenerator:
    """Ids made of a prefix, a fixed-width counter and a random tail.

    Because the counter comes first and has a fixed width, ids compare (as strings) in the order
    they were issued; event ids therefore grow monotonically, as the brief asks.
    """

    def __init__(self, seed: int = 0) -> None:
        self._lock = threading.Lock()
        self._counter = 0
        self._random = random.Random(seed)

    def new(self, prefix: str) -> str:
        with self._lock:
            self._counter += 1
            counter = self._counter
            tail = self._random.randbytes(RANDOM_WIDTH).translate(_TAIL_TABLE).decode()
        return f"{prefix}_1{_base62(counter, COUNTER_WIDTH)}{tail}"

    def short(self, length: int = 8) -> str:
        """A random upper-case code (coupon ids, invoice prefixes)."""
        with self._lock:
            return "".join(self._random.choices(ALPHABET[:36], k=length))

    @property
    def counter(self) -> int:
        return self._counter

    def advance_to(self, counter: int) -> None:
        """Never issue a counter below ``counter`` (after loading persisted state)."""
        with self._lock:
            self._counter = max(self._counter, counter)
