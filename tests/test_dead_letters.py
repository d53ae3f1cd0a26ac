"""Closing dead letters by hand (connector.dead_letters), on both store backends."""

from __future__ import annotations

import datetime as dt

import pytest

from connector.dead_letters import UnknownDeadLetterError, resolve_by_hand
from connector.store import AuditEntry, AuditQuery, DeadLetter, StateStore

NOW = dt.datetime(2026, 3, 1, tzinfo=dt.UTC)


def _letters(store: StateStore, *keys: str) -> list[int]:
    store.add_dead_letters(
        [
            DeadLetter(k, "salesforce", "refused", "LOCKED", False, "run_1", {}, NOW, NOW)
            for k in keys
        ]
    )
    ids = {d.key: d.id for d in store.list_dead_letters(limit=100)}
    return [i for i in (ids[k] for k in keys) if i is not None]


def test_each_closing_is_audited_with_the_letter_and_the_note(store: StateStore) -> None:
    """The letters close under one resolution id; one audit entry per letter says so."""
    first, second = _letters(store, "sub_1", "sub_2")
    done = resolve_by_hand(store, [first, second], "deleted in billing on purpose", NOW)
    assert [d.id for d in done.resolved] == [first, second]
    assert done.already_closed == ()
    assert store.count_dead_letters("open") == 0
    closed = store.get_dead_letter(first)
    assert closed is not None
    assert closed.resolved_by_run == done.resolution_id
    entries = store.query_audit(AuditQuery(run_id=done.resolution_id))
    assert sorted(e.subscription_id for e in entries) == ["sub_1", "sub_2"]
    entry = next(e for e in entries if e.subscription_id == "sub_1")
    assert entry.outcome == "resolved_by_hand"
    assert entry.detail["resolved_by"] == "hand"
    assert entry.detail["note"] == "deleted in billing on purpose"
    assert entry.detail["dead_letter"]["id"] == first
    assert entry.detail["dead_letter"]["system"] == "salesforce"
    assert entry.detail["dead_letter"]["error_code"] == "LOCKED"


def test_an_unknown_id_closes_nothing(store: StateStore) -> None:
    """One id naming no letter refuses the whole request, naming that id."""
    (known,) = _letters(store, "sub_1")
    with pytest.raises(UnknownDeadLetterError, match="no dead letter 9999;"):
        resolve_by_hand(store, [known, 9999], "typo", NOW)
    assert store.count_dead_letters("open") == 1
    assert store.query_audit(AuditQuery(outcome="resolved_by_hand")) == []


def test_letters_already_closed_are_reported_and_the_others_closed(store: StateStore) -> None:
    """A letter closed before is handed back as it is now, not audited again."""
    first, second = _letters(store, "sub_1", "sub_2")
    earlier = resolve_by_hand(store, [first], "first pass", NOW)
    done = resolve_by_hand(store, [first, second, second], "second pass", NOW)
    assert [d.id for d in done.resolved] == [second]
    (already,) = done.already_closed
    assert (already.id, already.status, already.resolved_by_run) == (
        first,
        "resolved",
        earlier.resolution_id,
    )
    assert len(store.query_audit(AuditQuery(outcome="resolved_by_hand"))) == 2


def test_a_hand_resolution_does_not_open_the_recorded_history(store: StateStore) -> None:
    """History begins with the first sync, not with an operator closing a letter before it."""
    (letter,) = _letters(store, "sub_1")
    resolve_by_hand(store, [letter], "not ours", NOW)
    assert store.history_opened_at() is None
    synced = NOW + dt.timedelta(days=1)
    store.append_audit(
        [
            AuditEntry(
                synced, "run_2", "c", "sub_1", "cus", (), "applied", False, "v", None, None,
                None, "EUR", {},
            )
        ]
    )  # fmt: skip
    assert store.history_opened_at() == synced
