"""changed_since: events oldest first, an opaque forward-only cursor, the 30-day fallback."""

from __future__ import annotations

import json
from io import StringIO

import httpx
import pytest
import respx

from adapters.stripe import StripeSource
from adapters.stripe.cursor import CursorError, EventCursor
from adapters.stripe.events import CUSTOMER_UPDATED, SUBSCRIPTION_EVENTS
from connector.logs import configure_logging
from tests.adapters.stripe import payloads as p
from tests.adapters.stripe.conftest import FakeTime, make_source


class FakeEventLog:
    """``GET /v1/events`` as Stripe answers it: newest first, filtered, paged."""

    def __init__(self) -> None:
        self.events: list[p.Obj] = []  # in creation order

    def add(
        self,
        created: int,
        obj: p.Obj,
        event_type: str = "customer.subscription.updated",
        previous: p.Obj | None = None,
    ) -> str:
        event_id = f"evt_{len(self.events):04d}"
        self.events.append(p.event(event_id, created, obj, event_type, previous))
        return event_id

    def handler(self, request: httpx.Request) -> httpx.Response:
        params = request.url.params
        types = params.get_list("types[]")
        since = int(params.get("created[gte]", "0"))
        limit = int(params.get("limit", "10"))
        newest_first = [
            e
            for e in reversed(self.events)
            if e["created"] >= since and (not types or e["type"] in types)
        ]
        after = params.get("starting_after")
        if after:
            index = next(i for i, e in enumerate(newest_first) if e["id"] == after)
            newest_first = newest_first[index + 1 :]
        page = newest_first[:limit]
        return httpx.Response(
            200, json=p.listing(page, has_more=len(newest_first) > limit, url="/v1/events")
        )


@pytest.fixture
def log(api: respx.MockRouter) -> FakeEventLog:
    fake = FakeEventLog()
    api.get("/v1/events").mock(side_effect=fake.handler)
    return fake


def sub(n: int) -> p.Obj:
    return {"id": f"sub_{n}", "object": "subscription", "status": "active"}


def now(fake_time: FakeTime) -> int:
    return int(fake_time.now)


def test_no_cursor_asks_for_a_full_scan_and_gives_the_head(
    log: FakeEventLog, source: StripeSource, fake_time: FakeTime
) -> None:
    log.add(now(fake_time) - 100, sub(1))
    head = log.add(now(fake_time) - 50, sub(2))
    (page,) = source.changed_since(None)
    assert page.full_scan_needed
    assert page.keys == []
    assert page.cursor == str(EventCursor(now(fake_time) - 50, head))
    assert list(source.changed_since(page.cursor)) == []  # nothing after the head


def test_events_come_oldest_first_deduplicated_with_the_last_cursor(
    log: FakeEventLog, source: StripeSource, fake_time: FakeTime
) -> None:
    t = now(fake_time) - 100  # recent: an idle cursor would not move
    start = log.add(t, sub(0))
    cursor = str(EventCursor(t, start))
    log.add(t + 1, sub(1))
    log.add(t + 2, sub(2))
    log.add(t + 3, sub(1))
    last = log.add(t + 4, sub(3), "customer.subscription.deleted")
    (page,) = source.changed_since(cursor)
    assert page.keys == ["sub_1", "sub_2", "sub_3"]
    assert page.cursor == str(EventCursor(t + 4, last))
    assert not page.full_scan_needed
    assert list(source.changed_since(page.cursor)) == []


def test_pages_of_100_events_each_with_its_cursor(
    log: FakeEventLog, source: StripeSource, fake_time: FakeTime
) -> None:
    t = now(fake_time) - 10_000
    ids = [log.add(t + n, sub(n)) for n in range(250)]
    pages = list(source.changed_since(str(EventCursor(t - 1))))
    assert [len(page.keys) for page in pages] == [100, 100, 50]
    assert pages[0].keys[:2] == ["sub_0", "sub_1"]
    assert [page.cursor for page in pages] == [
        str(EventCursor(t + 99, ids[99])),
        str(EventCursor(t + 199, ids[199])),
        str(EventCursor(t + 249, ids[249])),
    ]
    assert source.calls.by_label == {"list events": 3}
    # resuming from a middle page hands out exactly the rest
    rest = list(source.changed_since(pages[0].cursor))
    assert [k for page in rest for k in page.keys] == [f"sub_{n}" for n in range(100, 250)]


def test_events_sharing_a_second_are_neither_lost_nor_repeated(
    log: FakeEventLog, source: StripeSource, fake_time: FakeTime
) -> None:
    t = now(fake_time) - 500
    log.add(t, sub(1))
    second = log.add(t, sub(2))
    (page,) = source.changed_since(str(EventCursor(t - 1)))
    assert page.cursor == str(EventCursor(t, second))
    log.add(t, sub(3))  # same second, after the cursor's event
    (later,) = source.changed_since(page.cursor)
    assert later.keys == ["sub_3"]


def test_the_request_filters_by_type_and_time(
    api: respx.MockRouter, log: FakeEventLog, source: StripeSource, fake_time: FakeTime
) -> None:
    t = now(fake_time) - 500
    list(source.changed_since(str(EventCursor(t, "evt_x"))))
    request = api.routes[0].calls[0].request
    assert request.url.params.get_list("types[]") == [*SUBSCRIPTION_EVENTS, CUSTOMER_UPDATED]
    assert request.url.params["created[gte]"] == str(t)
    assert request.url.params["limit"] == "100"


def test_a_cursor_older_than_30_days_needs_a_full_scan(
    log: FakeEventLog, fake_time: FakeTime
) -> None:
    head = log.add(now(fake_time) - 60, sub(9))
    stream = StringIO()
    configure_logging("json", "INFO", stream=stream)
    try:
        with make_source(fake_time) as source:
            old = str(EventCursor(now(fake_time) - 31 * 24 * 3600, "evt_old"))
            (page,) = source.changed_since(old)
    finally:
        configure_logging("json", "WARNING")
    assert page.full_scan_needed
    assert page.keys == []
    assert page.cursor == str(EventCursor(now(fake_time) - 60, head))
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    warning = next(line for line in lines if line["event"] == "stripe.changes.cursor_expired")
    assert warning["level"] == "warning"
    assert warning["age_days"] == 31.0


def test_an_unreadable_cursor_needs_a_full_scan(log: FakeEventLog, source: StripeSource) -> None:
    (page,) = source.changed_since("12345")
    assert page.full_scan_needed


def test_an_idle_cursor_moves_forward_but_stays_behind_now(
    log: FakeEventLog, source: StripeSource, fake_time: FakeTime
) -> None:
    t = now(fake_time) - 3 * 24 * 3600
    (page,) = source.changed_since(str(EventCursor(t, "evt_a")))
    assert page.keys == []
    assert page.cursor == str(EventCursor(now(fake_time) - 300, "evt_a"))
    assert list(source.changed_since(page.cursor)) == []  # already recent: no new page


def test_customer_updates_map_to_their_subscriptions(
    api: respx.MockRouter, log: FakeEventLog, source: StripeSource, fake_time: FakeTime
) -> None:
    t = now(fake_time) - 500
    customer = {"id": "cus_7", "object": "customer"}
    log.add(t + 1, customer, CUSTOMER_UPDATED, previous={"email": "old@example.com"})
    log.add(t + 2, customer, CUSTOMER_UPDATED, previous={"balance": 0})  # not translated
    log.add(t + 3, sub(1))
    subs = api.get("/v1/subscriptions", params={"customer": "cus_7"}).mock(
        return_value=httpx.Response(200, json=p.listing([sub(70), sub(71)]))
    )
    (page,) = source.changed_since(str(EventCursor(t)))
    assert page.keys == ["sub_70", "sub_71", "sub_1"]
    assert subs.call_count == 1
    assert subs.calls[0].request.url.params["status"] == "all"


def test_customer_updates_can_be_ignored(
    api: respx.MockRouter, log: FakeEventLog, fake_time: FakeTime
) -> None:
    with make_source(fake_time, follow_customer_updates=False) as source:
        list(source.changed_since(str(EventCursor(now(fake_time) - 10, "evt_x"))))
    request = api.routes[0].calls[0].request
    assert request.url.params.get_list("types[]") == list(SUBSCRIPTION_EVENTS)


def test_cursor_format() -> None:
    assert str(EventCursor(1700000000, "evt_1")) == "v1:1700000000:evt_1"
    assert EventCursor.parse("v1:1700000000:evt_1") == EventCursor(1700000000, "evt_1")
    assert EventCursor.parse("v1:5:") == EventCursor(5)
    with pytest.raises(CursorError):
        EventCursor.parse("v2:5:evt")
    assert EventCursor(5, "b").later(EventCursor(4, "a")) == EventCursor(5, "b")


def test_no_cursor_and_no_events_starts_a_little_in_the_past(
    log: FakeEventLog, source: StripeSource, fake_time: FakeTime
) -> None:
    (page,) = source.changed_since(None)
    assert page.full_scan_needed
    assert page.cursor == str(EventCursor(now(fake_time) - 300))
    late = log.add(now(fake_time) - 1, sub(5))  # created before "now", listed after
    (later,) = source.changed_since(page.cursor)
    assert later.keys == ["sub_5"]
    assert later.cursor == str(EventCursor(now(fake_time) - 1, late))
