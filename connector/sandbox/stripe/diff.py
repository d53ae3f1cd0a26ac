"""``data.previous_attributes`` of an ``*.updated`` event: old values of what changed.

Stripe lists the previous value of every top-level attribute that changed; for plain hashes such
as ``metadata`` it lists only the changed keys, with ``null`` ("") for keys that were added.
Lists and objects (dicts with an ``object`` field) are given whole.
"""

from __future__ import annotations

from typing import Any

Obj = dict[str, Any]


def previous_attributes(before: Obj, after: Obj) -> Obj:
    changed: Obj = {}
    for key, old in before.items():
        new = after.get(key)
        if old == new:
            continue
        if isinstance(old, dict) and isinstance(new, dict) and _is_plain_hash(old, new):
            changed[key] = previous_attributes(old, new)
            for added in new.keys() - old.keys():
                changed[key][added] = None
        else:
            changed[key] = old
    return changed


def _is_plain_hash(old: Obj, new: Obj) -> bool:
    return "object" not in old and "object" not in new
