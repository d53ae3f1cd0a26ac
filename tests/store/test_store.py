"""The state store on both backends: migrations, snapshots, dead letters, audit queries."""

from __future__ import annotations

import datetime as dt
import sqlite3
from pathlib import Path

import pytest

from connector.records import SnapshotRow
from connector.store import (
    AuditEntry,
    AuditQuery,
    DeadLetter,
    SchemaTooNewError,
    SqliteStore,
    StateStore,
)
from connector.store.migrations_sqlite import CURRENT_VERSION
from tests.factories import subscription

NOW = dt.datetime(2026, 3, 1, tzinfo=dt.UTC)


def _letter(key: str, system: str = "salesforce", code: str = "X") -> DeadLetter:
    return DeadLetter(key, system, f"{code} happened", code, False, "run_1", {}, NOW, NOW)


def test_new_store_is_migrated_to_the_current_version(tmp_path: Path) -> None:
    """A fresh file gets every migration, in WAL mode."""
    store = SqliteStore(tmp_path / "s.db")
    assert store.schema_version() == CURRENT_VERSION
    mode = sqlite3.connect(tmp_path / "s.db").execute("PRAGMA journal_mode").fetchone()[0]
    assert mode == "wal"
    store.close()


def test_reopening_keeps_data_and_does_not_migrate_twice(tmp_path: Path) -> None:
    """Migrations are idempotent; data survives a restart."""
    store = SqliteStore(tmp_path / "s.db")
    store.save_canonical([subscription(1)])
    store.set_cursor("stripe.events", "evt_9")
    store.close()
    again = SqliteStore(tmp_path / "s.db")
    assert again.migrate() == CURRENT_VERSION
    assert again.load_canonical(["sub_00001"])["sub_00001"] == subscription(1)
    assert again.get_cursor("stripe.events") == "evt_9"
    again.close()


def test_newer_schema_is_refused(tmp_path: Path) -> None:
    """An older connector does not touch a store migrated by a newer one."""
    store = SqliteStore(tmp_path / "s.db")
    store._execute("INSERT INTO schema_version VALUES (999, 'x')")
    store.close()
    with pytest.raises(SchemaTooNewError, match="upgrade the connector"):
        SqliteStore(tmp_path / "s.db")


def test_one_open_letter_per_key_and_system(store: StateStore) -> None:
    """A repeated failure updates the open letter; a resolved one makes room for a new one."""
    store.add_dead_letters([_letter("sub_1")])
    store.add_dead_letters([_letter("sub_1", code="Y"), _letter("sub_1", system="odoo")])
    open_letters = {(d.key, d.system): d for d in store.list_dead_letters()}
    assert open_letters[("sub_1", "salesforce")].attempts == 2
    assert open_letters[("sub_1", "salesforce")].error_code == "Y"
    assert store.resolve_dead_letters("sub_1", ["salesforce"], "run_2") == 1
    store.add_dead_letters([_letter("sub_1")])
    assert store.count_dead_letters("open") == 2
    assert store.count_dead_letters("resolved") == 1


def test_open_letters_are_found_per_key_and_system(store: StateStore) -> None:
    """The systems each key has open letters for; resolved letters and other keys are left out."""
    store.add_dead_letters(
        [_letter("sub_1"), _letter("sub_1", system="odoo"), _letter("sub_2"), _letter("sub_3")]
    )
    store.resolve_dead_letters("sub_2", ["salesforce"], "run_2")
    many = [f"sub_{i}" for i in range(1, 2500)]  # past one IN batch
    assert store.open_dead_letters(many) == {
        "sub_1": frozenset({"salesforce", "odoo"}),
        "sub_3": frozenset({"salesforce"}),
    }
    assert store.open_dead_letters([]) == {}


def test_one_letter_is_resolved_by_id_once(store: StateStore) -> None:
    """Closing a letter by id names who closed it; an id not open (or unknown) closes nothing."""
    store.add_dead_letters([_letter("sub_1"), _letter("sub_1", system="odoo")])
    by_system = {d.system: d for d in store.list_dead_letters()}
    letter_id = by_system["salesforce"].id
    assert letter_id is not None
    assert store.resolve_dead_letter(letter_id, "hand_1") is True
    assert store.resolve_dead_letter(letter_id, "hand_2") is False
    assert store.resolve_dead_letter(10_000, "hand_2") is False
    closed = store.get_dead_letter(letter_id)
    assert closed is not None
    assert (closed.status, closed.resolved_by_run) == ("resolved", "hand_1")
    assert closed.resolved_at is not None
    assert [d.system for d in store.list_dead_letters()] == ["odoo"]


def test_audit_query_filters(store: StateStore) -> None:
    """Audit entries filter by subscription, event type, time, run and dry-run flag."""

    def entry(sub: str, types: tuple[str, ...], at: dt.datetime, dry: bool = False) -> AuditEntry:
        return AuditEntry(
            at, "run_1", "c", sub, "cus", types, "applied", dry, "v", None, None, None, "EUR", {}
        )

    store.append_audit(
        [
            entry("sub_1", ("cancelled",), NOW),
            entry("sub_2", ("upgraded", "plan_changed"), NOW + dt.timedelta(days=1)),
            entry("sub_2", ("paused",), NOW + dt.timedelta(days=2), dry=True),
        ]
    )
    assert [e.subscription_id for e in store.query_audit(AuditQuery(event_type="cancelled"))] == [
        "sub_1"
    ]
    assert len(store.query_audit(AuditQuery(subscription_id="sub_2"))) == 1
    assert len(store.query_audit(AuditQuery(subscription_id="sub_2", include_dry_runs=True))) == 2
    since = store.query_audit(AuditQuery(since=NOW + dt.timedelta(hours=1)))
    assert [e.event_types for e in since] == [("upgraded", "plan_changed")]


def test_snapshots_and_bindings_round_trip(store: StateStore) -> None:
    """Snapshots keep JSON values exactly; a remote record is bound to one key at most."""
    store.save_snapshots(
        "salesforce",
        "subscription",
        {
            "sub_1": SnapshotRow({"MRR__c": "99", "Q": 2, "B": None}, "stamp-1", "m1"),
            "sub_2": SnapshotRow({"MRR__c": "5"}, None, "m1"),
        },
    )
    assert store.load_snapshots("salesforce", "subscription", ["sub_1", "sub_3"]) == {
        "sub_1": {"MRR__c": "99", "Q": 2, "B": None}
    }
    assert store.load_agreements("salesforce", "subscription", ["sub_1", "sub_2"]) == {
        "sub_1": ("stamp-1", "m1")
    }
    store.save_bindings("salesforce", "subscription", {"sub_1": "a0X1"})
    store.save_bindings("salesforce", "subscription", {"sub_2": "a0X1"})
    assert store.load_bindings("salesforce", "subscription", ["sub_1", "sub_2"]) == {
        "sub_2": "a0X1"
    }


def test_large_key_lists_are_chunked(store: StateStore) -> None:
    """Reading thousands of keys at once stays under SQLite's parameter limit."""
    store.save_canonical(subscription(i) for i in range(1, 2501))
    keys = [f"sub_{i:05d}" for i in range(1, 2501)]
    assert len(store.load_fingerprints(keys)) == 2500
    assert store.count_known() == 2500


def test_postgres_store_migrates_once_and_refuses_a_newer_schema() -> None:
    """PostgreSQL: a second process opening the store finds it current; newer is refused."""
    from connector.store.postgres import PostgresStore
    from tests.conftest import postgres_store

    with postgres_store() as db:
        assert db.schema_version() == CURRENT_VERSION
        assert isinstance(db, PostgresStore)
        assert db.migrate() == CURRENT_VERSION
        db._execute("INSERT INTO schema_version VALUES (999, 'x')")
        with pytest.raises(SchemaTooNewError):
            db.migrate()
