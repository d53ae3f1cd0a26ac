"""A saved plan: what a dry run would write, as a versioned JSON document to review and apply.

``connector reconcile --dry-run --plan-out FILE`` writes it; ``connector apply FILE`` applies
exactly it (see :mod:`connector.plan_apply`). The document names the mapping version and the
dry run it came from, and lists every record of each subscription with something to write:
its action, the field values to write, and fingerprints of billing's subscription and of the
target record as they were planned from (:mod:`connector.plan_basis`). A subscription's
records go together: the ones with nothing to write are listed too, since their state is part
of what the plan was made from.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from connector.errors import ConnectorError
from connector.plan_basis import billing_fingerprint, target_fingerprint
from connector.planner import SubscriptionPlan

FORMAT = "subsync-plan"
VERSION = 1


class PlanFileError(ConnectorError):
    """A plan file that cannot be read, or is not one this connector can apply."""


class PlannedRecord(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    subscription: str
    system: str
    object: str
    key: str
    action: Literal["create", "update", "noop", "conflict"]
    writes: dict[str, Any] = Field(default_factory=dict)  # JSON values, as the plan had them
    billing_fingerprint: str
    target_fingerprint: str
    changes: list[str] = Field(default_factory=list)

    @property
    def record_id(self) -> tuple[str, str, str]:
        return self.system, self.object, self.key


class PlanDocument(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    format: Literal["subsync-plan"] = "subsync-plan"
    version: int = VERSION
    run_id: str  # the dry run the plan comes from
    planned_at: dt.datetime
    mapping_version: str
    source_system: str
    records: list[PlannedRecord]
    # subscription -> system -> why it could not be planned there, as the plan found it
    errors: dict[str, dict[str, str]] = Field(default_factory=dict)

    def by_subscription(self) -> dict[str, list[PlannedRecord]]:
        grouped: dict[str, list[PlannedRecord]] = {}
        for record in self.records:
            grouped.setdefault(record.subscription, []).append(record)
        return grouped

    @property
    def write_count(self) -> int:
        return sum(1 for record in self.records if record.action in ("create", "update"))


def plan_document(
    plans: Sequence[SubscriptionPlan],
    *,
    run_id: str,
    planned_at: dt.datetime,
    mapping_version: str,
    source_system: str,
) -> PlanDocument:
    """The plan of every subscription with something to write."""
    records: list[PlannedRecord] = []
    errors: dict[str, dict[str, str]] = {}
    for plan in plans:
        if not plan.write_count:
            continue
        billing = billing_fingerprint(plan)
        changes = [kind.value for kind in plan.changes]
        if plan.errors:
            errors[plan.key] = dict(plan.errors)
        records.extend(
            PlannedRecord(
                subscription=plan.key,
                system=record.system,
                object=record.object_name,
                key=record.key,
                action=record.action.value,
                writes=dict(record.writes),
                billing_fingerprint=billing,
                target_fingerprint=target_fingerprint(record),
                changes=changes,
            )
            for record in plan.records
        )
    return PlanDocument(
        run_id=run_id,
        planned_at=planned_at,
        mapping_version=mapping_version,
        source_system=source_system,
        records=records,
        errors=errors,
    )


def write_plan(path: Path, document: PlanDocument) -> None:
    """Write the plan whole or not at all; readable by its owner only (it holds customer
    data such as names and e-mail addresses)."""
    path = path.expanduser()
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(document.model_dump_json(indent=1))
            handle.write("\n")
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)


class PlanHeader(BaseModel):
    """What tells a plan file and its version, whatever the rest holds."""

    format: str
    version: int


def read_plan(path: Path) -> PlanDocument:
    """The plan in ``path``; :class:`PlanFileError` with one line saying what is wrong."""
    try:
        text = path.expanduser().read_text(encoding="utf-8")
    except OSError as exc:
        raise PlanFileError(f"cannot read the plan {path}: {exc.strerror or exc}") from exc
    try:
        header = PlanHeader.model_validate_json(text)
    except ValidationError as exc:
        raise PlanFileError(f"{path} is not a plan file ({_first_problem(exc)})") from exc
    if header.format != FORMAT:
        raise PlanFileError(f"{path} is not a plan file (format {header.format!r})")
    if header.version != VERSION:
        raise PlanFileError(
            f"{path} is a plan of format version {header.version}; this connector applies "
            f"version {VERSION}: make the plan again with this connector"
        )
    try:
        return PlanDocument.model_validate_json(text)
    except ValidationError as exc:
        raise PlanFileError(f"{path}: {_first_problem(exc)}") from exc


def _first_problem(exc: ValidationError) -> str:
    first = exc.errors()[0]
    where = ".".join(str(part) for part in first.get("loc", ()))
    more = exc.error_count() - 1
    extra = f" (and {more} more)" if more else ""
    return f"{where or 'the document'}: {first.get('msg', 'invalid')}{extra}"


def mapping_changes(planned: str, current: str) -> list[str]:
    """The systems whose mapping differs between two mapping versions (``system:digest,...``)."""
    before = _digests(planned)
    after = _digests(current)
    return sorted(s for s in before.keys() | after.keys() if before.get(s) != after.get(s))


def _digests(version: str) -> Mapping[str, str]:
    pairs = (part.partition(":") for part in version.split(",") if part)
    return {system: digest for system, _, digest in pairs}
