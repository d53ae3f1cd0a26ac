"""A run's writes in waves: intents, writes, read-back and the store's record, wave by wave.

A first load writes every subscription of the book. Done in one piece, every audit intent is
kept in one transaction before the first write and every entry in one transaction after the
last, so the store holds the whole book twice at once. In waves of a few thousand writing
subscriptions, each wave's intents are recorded, its writes made and its audit recorded (its
intents dropped) before the next one starts: what a crash can leave behind is one wave.

Plans that write the same record (two subscriptions of one customer write its account) go
in the same wave, so the record is written once, as in one piece. A wave ends on a multiple
of the writing plans' count, so the targets' batches stay full.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence

from connector.apply import RecordId
from connector.planner import SubscriptionPlan

# Writing subscriptions per wave: a multiple of Salesforce's 200-record collections and of
# Odoo's batches, large enough that a wave's fixed costs (two commits) do not show.
WRITES_PER_WAVE = 5_000


def _written(plan: SubscriptionPlan) -> list[RecordId]:
    return [(r.system, r.object_name, r.key) for r in plan.records if r.needs_write]


def waves(
    plans: Sequence[SubscriptionPlan], per_wave: int = WRITES_PER_WAVE
) -> Iterator[list[SubscriptionPlan]]:
    """The plans in order, cut in waves of at most ``per_wave`` writing plans (more only to
    keep together plans that write one record); always at least one wave."""
    assigned: list[list[SubscriptionPlan]] = [[]]
    owner: dict[RecordId, int] = {}
    writing = 0
    for plan in plans:
        written = _written(plan)
        shared = [owner[record] for record in written if record in owner]
        if shared:
            index = min(shared)
        else:
            if written and writing >= per_wave:
                assigned.append([])
                writing = 0
            index = len(assigned) - 1
        assigned[index].append(plan)
        if written and index == len(assigned) - 1:
            writing += 1
        for record in written:
            owner.setdefault(record, index)
    yield from assigned


def streamed_waves(
    plans: Iterable[SubscriptionPlan], per_wave: int = WRITES_PER_WAVE
) -> Iterator[list[SubscriptionPlan]]:
    """Waves of plans that arrive one by one and are never all in memory: a wave closes once
    it holds ``per_wave`` writing plans and the next plan writes none of its records.

    Plans sharing a record must come together (one customer's subscriptions, one after the
    other) for it to be written once; one that comes later still lands, written again with
    the same external id. Always at least one wave.
    """
    wave: list[SubscriptionPlan] = []
    records: set[RecordId] = set()
    writing = 0
    for plan in plans:
        written = _written(plan)
        if written and writing >= per_wave and records.isdisjoint(written):
            yield wave
            wave, records, writing = [], set(), 0
        wave.append(plan)
        writing += bool(written)
        records.update(written)
    yield wave
