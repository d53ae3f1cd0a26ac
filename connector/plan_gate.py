"""Which freshly made plans a reviewed plan lets through, and why it refuses the others.

``connector apply`` plans the reviewed plan's subscriptions again from fresh reads, under
their leases, like any run. A subscription goes on only if nothing it was planned from moved
and the fresh plan writes exactly what the reviewed one does:

- billing's subscription has the fingerprint the plan recorded;
- every target record has the fingerprint the plan recorded (its mapped fields, or its
  absence);
- the same records, with the same actions and the same values to write (a subscription gone
  from billing is cancelled as of the moment it is written, so its plan holds only when
  applied within the same second: otherwise it is refused, saying how to write it).

Otherwise the whole subscription is refused (its records go together: writing the account
and not the subscription would leave a half-applied change), with one line saying why. A
subscription absent from the reviewed plan is never written.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from connector.plan_basis import (
    ABSENT,
    GONE,
    UNREADABLE,
    billing_fingerprint,
    canonical_json,
    target_fingerprint,
)
from connector.plan_file import PlanDocument, PlannedRecord
from connector.planner import RecordPlan, SubscriptionPlan
from connector.redaction import redact_text

# Fields named in a refusal whose values to write differ; the rest would only make it longer.
SHOWN_FIELDS = 5


@dataclass(frozen=True, slots=True)
class Refusal:
    """A subscription of the plan that was not applied, and why."""

    subscription: str
    reason: str

    def line(self) -> str:
        return f"{self.subscription}: {self.reason}"


@dataclass
class PlanGate:
    """The ``admit`` step of a run that applies ``document`` (see RunOptions).

    ``deferred`` tells whether the run left a key to the queue: it could not claim it (another
    writer holds it), or found it written since the run began.
    """

    document: PlanDocument
    deferred: Callable[[str], bool]
    refused: list[Refusal] = field(default_factory=list)

    def __call__(self, plans: list[SubscriptionPlan]) -> list[SubscriptionPlan]:
        fresh = {plan.key: plan for plan in plans}
        admitted: list[SubscriptionPlan] = []
        for key, records in self.document.by_subscription().items():
            plan = fresh.get(key)
            reason = self._why_not(key, records, plan)
            if reason is not None:
                self.refused.append(Refusal(key, redact_text(reason)))
            elif plan is not None:
                admitted.append(plan)
        return admitted

    def _why_not(
        self, key: str, records: Sequence[PlannedRecord], plan: SubscriptionPlan | None
    ) -> str | None:
        if plan is None:
            if self.deferred(key):
                return "another writer holds it or wrote it since the plan; left to the queue"
            return "nothing to write any more: billing no longer has it, or it agrees already"
        billing = billing_fingerprint(plan)
        if billing != records[0].billing_fingerprint:
            if billing == GONE:
                return "billing no longer has it"
            if billing == UNREADABLE:
                return "billing's record cannot be read now: " + "; ".join(plan.errors.values())
            return "billing's subscription changed since the plan"
        planned_errors = self.document.errors.get(key, {})
        if plan.errors != planned_errors:
            problems = "; ".join(f"{system}: {why}" for system, why in sorted(plan.errors.items()))
            return f"cannot be planned as it was: {problems or 'the errors it had are gone'}"
        moved = _records_moved(records, plan.records)
        if moved is not None:
            return moved
        differ = _writes_differ(records, plan.records)
        if differ is not None and plan.source_missing:
            # Its cancellation is dated when the connector finds it gone: a plan cannot hold
            # the date a later run will write.
            return (
                "billing no longer has it, and its cancellation is dated when it is written, "
                f"not as planned: write it with `connector reconcile --subscription {key}`"
            )
        return differ


def _name(system: str, object_name: str, key: str) -> str:
    return f"{system} {object_name} {key}"


def _records_moved(planned: Sequence[PlannedRecord], fresh: Sequence[RecordPlan]) -> str | None:
    """Why the first target record that moved since the plan did, if one did."""
    now = {(r.system, r.object_name, r.key): r for r in fresh}
    for record in planned:
        name = _name(*record.record_id)
        found = now.get(record.record_id)
        if found is None:
            return f"{name} is no longer planned"
        fingerprint = target_fingerprint(found)
        if fingerprint == record.target_fingerprint:
            continue
        if record.target_fingerprint == ABSENT:
            return f"{name} was created in the target since the plan"
        if fingerprint == ABSENT:
            return f"{name} was deleted in the target since the plan"
        return f"{name} was changed in the target since the plan"
    return None


def _writes_differ(planned: Sequence[PlannedRecord], fresh: Sequence[RecordPlan]) -> str | None:
    """Why the fresh plan would write otherwise than the reviewed one, if it would."""
    reviewed: Mapping[tuple[str, str, str], PlannedRecord] = {r.record_id: r for r in planned}
    for record in fresh:
        record_id = (record.system, record.object_name, record.key)
        was = reviewed.get(record_id)
        if was is None:
            if record.needs_write:
                return f"{_name(*record_id)} would be written, and the plan does not write it"
            continue
        if was.action != record.action.value:
            return (
                f"{_name(*record_id)} would be a {record.action.value}, the plan has a {was.action}"
            )
        differing = [
            name
            for name in sorted(was.writes.keys() | record.writes.keys())
            if name not in was.writes
            or name not in record.writes
            or canonical_json(was.writes[name]) != canonical_json(record.writes[name])
        ]
        if differing:
            shown = ", ".join(differing[:SHOWN_FIELDS])
            return (
                f"{_name(*record_id)} would be written otherwise than planned ({shown}): "
                "what was last synced moved since the plan"
            )
    return None
