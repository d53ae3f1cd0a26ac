"""Child lines written through their header's one2many as x2many commands.

Writing lines through the header (rather than on ``sale.subscription.line`` directly) is
what makes subscription_oca recompute the header totals. Each desired line is matched to
the current line carrying its external id:

- a matched line with changed fields -> ``(1, id, changed vals)``; fields Odoo recomputes
  from others are written with them (subscription_oca resets ``discount`` whenever
  product, price, quantity or taxes are written without it);
- a desired line with no current line -> ``(0, 0, vals)`` (its external id is added once
  Odoo has given it an id);
- a current line nobody wants (removed item, a second line with the same key, or a line
  without our external id, e.g. added by hand) -> ``(2, id, 0)``, so lines never pile up.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from connector.records import JsonValue

Command = tuple[Any, ...]
LineValues = Mapping[str, JsonValue]
# Builds Odoo vals for a desired line, restricted to the given child fields.
ValsOf = Callable[[LineValues, Collection[str]], dict[str, Any]]

# Child fields whose write makes Odoo recompute a sibling unless the sibling is written too
# (subscription_oca 17.0, models/sale_subscription_line.py: stored computes, readonly=False).
COUPLED: dict[str, frozenset[str]] = {
    "discount": frozenset({"product_id", "price_unit", "product_uom_qty", "tax_ids"}),
    "price_unit": frozenset({"product_id"}),
    "name": frozenset({"product_id"}),
}


# Billing computes and collects tax; Odoo holds amounts net of tax. subscription_oca gives a
# line its product's customer taxes (``_compute_tax_ids``, depends on ``product_id``; a
# fresh database's products carry a 15 % sales tax), so a line written with a product is
# written without taxes in the same call, which Odoo keeps (written fields are protected
# from recomputation). An empty load cell sets the field to False as well.
TAXES = "tax_ids"


def untaxed(vals: Mapping[str, Any], mapped: Collection[str]) -> dict[str, Any]:
    """``{"tax_ids": False}`` for line vals that set a product, unless the mapping itself
    writes the line's taxes."""
    if "product_id" in vals and TAXES not in mapped:
        return {TAXES: False}
    return {}


@dataclass(frozen=True, slots=True)
class CurrentLine:
    """A line as Odoo holds it: its id, our line key (None if not ours), normalised values."""

    id: int
    key: str | None
    values: Mapping[str, JsonValue] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class LineCommands:
    commands: list[Command]
    new_keys: list[str]  # keys of the (0, 0, vals) commands, in command order

    @property
    def empty(self) -> bool:
        return not self.commands


def with_coupled(changed: set[str], mapped: Collection[str]) -> set[str]:
    """``changed`` plus the mapped fields Odoo would recompute because of it."""
    out = set(changed)
    for sibling, triggers in COUPLED.items():
        if sibling in mapped and out & triggers:
            out.add(sibling)
    return out


def line_commands(
    desired: Sequence[LineValues],
    current: Sequence[CurrentLine],
    children: Sequence[str],
    vals_of: ValsOf,
    always: Collection[str] = (),
) -> LineCommands:
    """Commands turning ``current`` into ``desired``.

    ``always``: child fields to write on every kept line even if unchanged, because the
    header write they go with makes Odoo recompute them (see :mod:`.model_rules`).
    """
    by_key: dict[str, CurrentLine] = {}
    for line in sorted(current, key=lambda line: line.id):
        if line.key is not None and line.key not in by_key:
            by_key[line.key] = line
    commands: list[Command] = []
    new_keys: list[str] = []
    kept: set[int] = set()
    for want in desired:
        key = str(want.get("key"))
        existing = by_key.get(key)
        if existing is None:
            commands.append((0, 0, vals_of(want, children)))
            new_keys.append(key)
            continue
        kept.add(existing.id)
        changed = {name for name in children if want.get(name) != existing.values.get(name)}
        changed |= set(always) & set(children)
        if changed:
            fields = sorted(with_coupled(changed, children))
            commands.append((1, existing.id, vals_of(want, fields)))
    for line in sorted(current, key=lambda line: line.id):
        if line.id not in kept:
            commands.append((2, line.id, 0))
    # Deletions first: a line re-created under the same key must not meet its old twin.
    commands.sort(key=lambda command: 0 if command[0] == 2 else 1)
    return LineCommands(commands, new_keys)


def rewrite_commands(
    current: Sequence[CurrentLine], fields: Collection[str], vals_of: ValsOf
) -> list[Command]:
    """``(1, id, vals)`` putting back ``fields`` of every line as they are now.

    For a header write that makes Odoo recompute its lines' fields while the lines
    themselves are not to change.
    """
    return [
        (1, line.id, vals_of(line.values, sorted(fields)))
        for line in sorted(current, key=lambda line: line.id)
    ]
