"""Shared fixtures: the default mappings, a fresh store, and an in-memory world."""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from adapters.memory import MemorySource, MemoryTarget
from connector.logs import configure_logging
from connector.mapping import CompiledMapping
from connector.reconciler import Reconciler
from connector.safety import SafetySettings
from connector.store import SqliteStore
from tests.factories import load_default_mappings, subscription

SHARED = Path(__file__).resolve().parents[1].parent / "shared"

# Keep test output readable; tests that assert on log lines capture them explicitly.
configure_logging("json", "WARNING")


def shared_path(relative: str) -> Path:
    """A file under ../shared; skip when absent on a user's clone, fail in CI."""
    path = SHARED / relative
    if not path.exists():
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"{path} is missing: CI must run with ../shared beside the project")
        pytest.skip(f"{path} is not available outside the project's workplace")
    return path


@pytest.fixture(scope="session")
def mappings() -> dict[str, CompiledMapping]:
    return load_default_mappings()


@pytest.fixture
def store(tmp_path: Path) -> Iterator[SqliteStore]:
    db = SqliteStore(tmp_path / "state.db")
    yield db
    db.close()


@dataclass
class World:
    source: MemorySource
    crm: MemoryTarget
    erp: MemoryTarget
    store: SqliteStore
    reconciler: Reconciler

    def calls(self) -> dict[str, tuple[int, int]]:
        return {t.system: (t.calls.reads, t.calls.writes) for t in (self.crm, self.erp)}


def make_world(
    mappings: dict[str, CompiledMapping],
    store: SqliteStore,
    count: int = 40,
    safety: SafetySettings | None = None,
) -> World:
    source = MemorySource([subscription(i) for i in range(1, count + 1)])
    crm = MemoryTarget(mappings["salesforce"])
    erp = MemoryTarget(mappings["odoo"])
    reconciler = Reconciler(source, [crm, erp], store, safety=safety, chunk_size=16)
    return World(source, crm, erp, store, reconciler)


@pytest.fixture
def world(mappings: dict[str, CompiledMapping], store: SqliteStore) -> World:
    return make_world(mappings, store)


@pytest.fixture
def synced_world(world: World) -> World:
    """A world whose targets are already in line with billing."""
    report = world.reconciler.reconcile_all()
    assert report.status == "clean"
    return world
