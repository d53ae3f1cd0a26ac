"""One write(ids, vals) per distinct vals."""

from __future__ import annotations

from adapters.odoo.grouping import group_by_vals, signature


def test_identical_vals_share_one_call_whatever_the_key_order() -> None:
    calls = group_by_vals(
        [
            (1, {"stage_id": 3, "description": "x"}),
            (2, {"description": "x", "stage_id": 3}),
            (3, {"stage_id": 4}),
            (4, {"stage_id": 3, "description": "x"}),
        ]
    )
    assert calls == [([1, 2, 4], {"stage_id": 3, "description": "x"}), ([3], {"stage_id": 4})]


def test_distinct_vals_cost_one_call_each() -> None:
    calls = group_by_vals([(n, {"date_start": f"2026-01-{n:02d}"}) for n in range(1, 6)])
    assert len(calls) == 5


def test_records_with_nothing_to_write_need_no_call() -> None:
    assert group_by_vals([(1, {}), (2, {})]) == []


def test_signature_tells_false_from_missing() -> None:
    assert signature({"date": False}) != signature({})
