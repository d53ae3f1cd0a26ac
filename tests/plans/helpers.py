"""Making, saving and reading back plans in the in-memory world."""

from __future__ import annotations

from pathlib import Path

from connector.plan_file import PlanDocument, plan_document, read_plan, write_plan
from connector.reconciler import RunOptions
from connector.report import RunReport
from connector.store import utcnow
from tests.conftest import World
from tests.factories import item


def saved_plan(world: World, path: Path) -> tuple[PlanDocument, RunReport]:
    """A full dry run's plan, saved to ``path`` and read back as `connector apply` does."""
    report = world.reconciler.reconcile_all(RunOptions(dry_run=True, kind="full"))
    document = plan_document(
        report.plans,
        run_id=report.run_id,
        planned_at=utcnow(),
        mapping_version=world.reconciler.mapping_version,
        source_system=world.source.system,
    )
    write_plan(path, document)
    return read_plan(path), report


def set_seats(world: World, key: str, seats: int, plan: str = "pro") -> None:
    """Billing changes a subscription's quantity."""
    (sub,) = world.source.get([key]).found.values()
    world.source.put(sub.replace(items=(item(plan, seats),)))


def crm_field(world: World, key: str, name: str) -> object:
    return world.crm.records["subscription"][key].fields[name]
