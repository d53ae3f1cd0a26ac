"""Side effects of Odoo models' own ``create``/``write`` that would undo what we write.

Only OCA ``subscription_oca`` 17.0's ``sale.subscription`` needs this
(``models/sale_subscription.py``):

- ``create`` replaces the given ``stage_id`` with the highest-sequence ``pre`` stage
  whenever both ``date_start`` and ``recurring_next_date`` are given, and moves
  ``date_start`` back to ``recurring_next_date`` if it is later -> after a create we write
  the stage again (one ``write`` per distinct stage);
- ``write`` of a stage of type ``in_progress`` sets ``date_start`` to today -> after such a
  write (and such a create) we write ``date_start`` back (one ``write`` per distinct
  (``date_start``, ``date``) pair);
- writing ``template_id`` or ``date_start`` without ``date`` recomputes ``date`` (to False
  for unlimited templates) -> ``date`` is always sent along with them, with its current
  value when the plan did not change it;
- a line's ``price_unit`` and ``discount`` are stored computes depending on the header's
  ``partner_id`` and ``pricelist_id`` (``models/sale_subscription_line.py``): a header
  write of either (even the same value) reprices every line from the pricelist, after the
  line values sent in the same call -> the header is written first, then the lines' mapped
  ``price_unit``/``discount`` are written back in a second call (``writer.py``).

Without these the first write would never read back equal to what was rendered, and every
run would rewrite the same subscriptions.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from adapters.odoo.client import OdooClient, Row, Vals
from adapters.odoo.grouping import group_by_vals

SUBSCRIPTION = "sale.subscription"
STAGE_MODEL = "sale.subscription.stage"
STAGE, START, NEXT, END = "stage_id", "date_start", "recurring_next_date", "date"
END_RESET_BY = frozenset({"template_id", START})
LINES = "sale_subscription_line_ids"
REPRICE_BY = frozenset({"partner_id", "pricelist_id"})
REPRICED = frozenset({"price_unit", "discount"})


@dataclass(frozen=True, slots=True)
class FollowUp:
    """One extra ``write(ids, vals)`` to make after the main one."""

    ids: list[int]
    vals: Vals


def _group(pairs: Sequence[tuple[int, Vals]]) -> list[FollowUp]:
    return [FollowUp(ids, vals) for ids, vals in group_by_vals(pairs)]


class ModelRules:
    """No side effects to undo (every model but ``sale.subscription``)."""

    def current_fields(self, vals: Vals) -> set[str]:
        """Header fields whose current value an update with ``vals`` needs."""
        return set()

    def complete_update(self, vals: Vals, current: Row | None) -> Vals:
        return vals

    def recomputed_line_fields(self, vals: Vals) -> dict[str, frozenset[str]]:
        """Per lines field, the child fields a header write of ``vals`` makes Odoo recompute."""
        return {}

    def after_create(self, created: Sequence[tuple[int, Vals]]) -> list[FollowUp]:
        return []

    def after_update(self, updated: Sequence[tuple[int, Vals, Row | None]]) -> list[FollowUp]:
        return []


class SubscriptionRules(ModelRules):
    def __init__(
        self, client: OdooClient, mapped: frozenset[str], stage_types: dict[int, str]
    ) -> None:
        self._client = client
        self._mapped = mapped
        self._stage_types = stage_types  # the run's, shared by its batches

    def _types(self, stage_ids: set[int]) -> Mapping[int, str]:
        missing = sorted(i for i in stage_ids if i not in self._stage_types)
        if missing:
            for row in self._client.read(STAGE_MODEL, missing, ["type"]):
                self._stage_types[int(row["id"])] = str(row.get("type") or "")
        return self._stage_types

    def current_fields(self, vals: Vals) -> set[str]:
        needed: set[str] = set()
        if END in self._mapped and END not in vals and vals.keys() & (END_RESET_BY | {STAGE}):
            needed.add(END)
        if START in self._mapped and START not in vals and STAGE in vals:
            needed.add(START)
        return needed

    def complete_update(self, vals: Vals, current: Row | None) -> Vals:
        if END in self._mapped and END not in vals and vals.keys() & END_RESET_BY:
            return {**vals, END: _raw(current, END)}
        return vals

    def recomputed_line_fields(self, vals: Vals) -> dict[str, frozenset[str]]:
        if vals.keys() & REPRICE_BY:
            return {LINES: REPRICED}
        return {}

    def after_create(self, created: Sequence[tuple[int, Vals]]) -> list[FollowUp]:
        restage = [
            (record_id, {STAGE: vals[STAGE]})
            for record_id, vals in created
            # subscription_oca tests the keys, not their values: an empty next invoice date
            # (a subscription billing does not invoice) still moves the stage.
            if vals.get(STAGE) and START in vals and NEXT in vals
        ]
        types = self._types({int(vals[STAGE]) for _, vals in restage})
        redate: list[tuple[int, Vals]] = []
        for record_id, vals in created:
            if START not in vals:
                continue
            started = types.get(int(vals.get(STAGE) or 0)) == "in_progress"
            clamped = bool(vals.get(NEXT)) and str(vals[START]) > str(vals.get(NEXT))
            if (started and any(r == record_id for r, _ in restage)) or clamped:
                redate.append((record_id, self._dates(vals, None)))
        return [*_group(restage), *_group(redate)]

    def after_update(self, updated: Sequence[tuple[int, Vals, Row | None]]) -> list[FollowUp]:
        staged = [(i, v, c) for i, v, c in updated if v.get(STAGE)]
        types = self._types({int(v[STAGE]) for _, v, _ in staged})
        redate = [
            (record_id, self._dates(vals, current))
            for record_id, vals, current in staged
            if START in self._mapped and types.get(int(vals[STAGE])) == "in_progress"
        ]
        return _group(redate)

    def _dates(self, vals: Vals, current: Row | None) -> Vals:
        out: Vals = {START: vals[START] if START in vals else _raw(current, START)}
        if END in self._mapped:
            out[END] = vals[END] if END in vals else _raw(current, END)
        return out


def _raw(current: Row | None, field: str) -> Any:
    return current.get(field, False) if current else False


def rules_for(
    model: str, client: OdooClient, mapped: frozenset[str], stage_types: dict[int, str]
) -> ModelRules:
    if model == SUBSCRIPTION:
        return SubscriptionRules(client, mapped, stage_types)
    return ModelRules()
