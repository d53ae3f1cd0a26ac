"""Lanes forget the calls that finished, so that a long run does not keep every result."""

from __future__ import annotations

import time
from functools import partial

from connector.lanes import Lanes


def test_a_long_open_block_keeps_only_the_calls_still_running() -> None:
    lanes = Lanes(["crm"])
    with lanes.opened():
        results = [lanes.submit("crm", partial(bytes, n)).result() for n in range(2_000)]
        assert len(lanes._submitted) <= 16  # not one future, with its result, per call
    assert len(results) == 2_000
    assert lanes.idle


def test_calls_queued_when_the_block_ends_are_still_dropped() -> None:
    # Forgetting finished calls must not forget the queued ones the block's end cancels.
    lanes = Lanes(["crm"])
    ran: list[int] = []
    with lanes.opened():
        lanes.submit("crm", lambda: time.sleep(0.3))
        for n in range(600):
            lanes.submit("crm", partial(ran.append, n))
    assert lanes.idle
    assert ran == []
