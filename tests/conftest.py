"""Shared fixtures: the default mappings, a fresh store, and an in-memory world."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import NoReturn

import pytest

from adapters.memory import MemorySource, MemoryTarget
from connector.logs import configure_logging
from connector.mapping import CompiledMapping
from connector.reconciler import Reconciler
from connector.safety import SafetySettings
from connector.store import SqliteStore, StateStore
from tests.factories import load_default_mappings, subscription

SHARED = Path(__file__).resolve().parents[1].parent / "shared"

# Keep test output readable; tests that assert on log lines capture them explicitly.
configure_logging("json", "WARNING")


def unavailable(what: str) -> NoReturn:
    """Fail under CI=true, skip elsewhere: a user's clone may lack what CI always has
    (../shared, PostgreSQL, the dev extras), and CI must never pass by skipping."""
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"{what} (required in CI)")
    pytest.skip(what)


def shared_path(relative: str) -> Path:
    """A file under ../shared; skip when absent on a user's clone, fail in CI."""
    path = SHARED / relative
    if not path.exists():
        unavailable(f"{path} is missing: the project's shared folder is not beside it")
    return path


@pytest.fixture(scope="session")
def mappings() -> dict[str, CompiledMapping]:
    return load_default_mappings()


PG_URL = os.environ.get("CONNECTOR_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/test")


def postgres_url() -> str:
    """The test PostgreSQL server; skipped locally when absent, never skipped in CI."""
    import psycopg

    try:
        psycopg.connect(PG_URL, connect_timeout=3).close()
    except psycopg.OperationalError as exc:
        unavailable(f"no PostgreSQL at {PG_URL}: {exc}")
    return PG_URL


@contextmanager
def postgres_store() -> Iterator[StateStore]:
    """A PostgreSQL store in a schema of its own, dropped afterwards."""
    import psycopg

    from connector.store.postgres import PostgresStore

    url = postgres_url()
    schema = f"test_{uuid.uuid4().hex[:12]}"
    db = PostgresStore(url, schema=schema)
    try:
        yield db
    finally:
        db.close()
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[StateStore]:
    """The state store, once per backend: every store test runs on both."""
    if request.param == "sqlite":
        local = SqliteStore(tmp_path / "state.db")
        yield local
        local.close()
    else:
        with postgres_store() as shared:
            yield shared


@dataclass
class World:
    source: MemorySource
    crm: MemoryTarget
    erp: MemoryTarget
    store: StateStore
    reconciler: Reconciler

    def calls(self) -> dict[str, tuple[int, int]]:
        return {t.system: (t.calls.reads, t.calls.writes) for t in (self.crm, self.erp)}


def make_world(
    mappings: dict[str, CompiledMapping],
    store: StateStore,
    count: int = 40,
    safety: SafetySettings | None = None,
) -> World:
    source = MemorySource([subscription(i) for i in range(1, count + 1)])
    crm = MemoryTarget(mappings["salesforce"])
    erp = MemoryTarget(mappings["odoo"])
    reconciler = Reconciler(source, [crm, erp], store, safety=safety, chunk_size=16)
    return World(source, crm, erp, store, reconciler)


@pytest.fixture
def world(mappings: dict[str, CompiledMapping], store: StateStore) -> World:
    return make_world(mappings, store)


@pytest.fixture
def synced_world(world: World) -> World:
    """A world whose targets are already in line with billing."""
    report = world.reconciler.reconcile_all()
    assert report.status == "clean"
    return world
