"""Reading ahead keeps order, surfaces the producer's failure, and never outlives its block."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest

from connector.prefetch import Prefetch


def test_items_arrive_in_order_and_all_of_them() -> None:
    with Prefetch(range(1000), depth=3) as items:
        assert list(items) == list(range(1000))


def test_the_producer_runs_ahead_while_the_caller_has_not_asked_yet() -> None:
    produced: list[int] = []
    ready = threading.Event()

    def source() -> Iterator[int]:
        for n in range(5):
            produced.append(n)
            if n == 2:
                ready.set()
            yield n

    with Prefetch(source(), depth=4) as items:
        assert ready.wait(5), "nothing was read ahead"
        assert produced[:3] == [0, 1, 2]
        assert list(items) == [0, 1, 2, 3, 4]


def test_a_failure_is_raised_after_the_items_before_it() -> None:
    def source() -> Iterator[int]:
        yield 1
        yield 2
        raise ConnectionError("billing went away")

    seen: list[int] = []

    def consume() -> None:
        with Prefetch(source(), 2) as items:
            seen.extend(items)

    with pytest.raises(ConnectionError, match="billing went away"):
        consume()
    assert seen == [1, 2]


def test_stopping_early_stops_and_closes_the_producer() -> None:
    closed = threading.Event()
    produced: list[int] = []

    def endless() -> Iterator[int]:
        try:
            n = 0
            while True:
                produced.append(n)
                yield n
                n += 1
        finally:
            closed.set()

    prefetch = Prefetch(endless(), depth=2, name="endless")
    with prefetch as items:
        for item in items:
            if item == 10:
                break
    assert closed.is_set(), "the source generator was left open"
    assert not any(t.name == "endless" for t in threading.enumerate())
    assert len(produced) <= 10 + 1 + 2 + 1  # what was consumed, plus at most depth ahead


def test_an_error_in_the_caller_stops_the_producer() -> None:
    def endless() -> Iterator[int]:
        n = 0
        while True:
            yield n
            n += 1

    def plan() -> None:
        with Prefetch(endless(), depth=2, name="abandoned") as items:
            next(iter(items))
            raise RuntimeError("planning failed")

    with pytest.raises(RuntimeError, match="planning failed"):
        plan()
    assert not any(t.name == "abandoned" for t in threading.enumerate())


def test_iterating_outside_the_block_is_refused() -> None:
    with pytest.raises(RuntimeError, match="inside its `with` block"):
        list(Prefetch(range(3), depth=1))
    with pytest.raises(ValueError, match="depth"):
        Prefetch(range(3), depth=0)
