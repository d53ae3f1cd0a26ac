"""``derived``: a value computed from a frozen model's fields once, on first use.

Like ``functools.cached_property`` without its per-instance lock (Python 3.11 takes one on
every first access, which costs more than computing MRR), safe here because the models are
frozen: two threads computing the same value at once compute the same result.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Generic, TypeVar, overload

T = TypeVar("T")


class derived(Generic[T]):  # lower case, like the builtin property it stands for
    def __init__(self, func: Callable[[Any], T]) -> None:
        self.func = func
        self.name = func.__name__
        self.__doc__ = func.__doc__

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    @overload
    def __get__(self, instance: None, owner: type | None = None) -> derived[T]: ...

    @overload
    def __get__(self, instance: object, owner: type | None = None) -> T: ...

    def __get__(self, instance: object | None, owner: type | None = None) -> T | derived[T]:
        if instance is None:
            return self
        value = self.func(instance)
        instance.__dict__[self.name] = value  # shadows this non-data descriptor from now on
        return value
