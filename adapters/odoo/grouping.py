"""Sharing one ``write(ids, vals)`` call between records that get identical values.

Odoo's ``write`` applies the same vals to every id it is given and has no variant taking
per-record vals, so records with distinct changes need one call each; records with equal
vals (a stage change, a country fix, the same follow-up date) share one.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

Vals = dict[str, Any]


def signature(vals: Vals) -> str:
    """Equal for equal vals, whatever their key order."""
    return json.dumps(vals, sort_keys=True, default=str)


def group_by_vals(records: Sequence[tuple[int, Vals]]) -> list[tuple[list[int], Vals]]:
    """``(id, vals)`` pairs -> ``(ids, vals)`` write calls, in first-seen order.

    Records with empty vals need no call and are left out.
    """
    groups: dict[str, tuple[list[int], Vals]] = {}
    for record_id, vals in records:
        if not vals:
            continue
        groups.setdefault(signature(vals), ([], vals))[0].append(record_id)
    return list(groups.values())
