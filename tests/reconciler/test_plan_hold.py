"""The plan hold: in memory up to its bound, then on disk, handed back by customer."""

from __future__ import annotations

from connector.plan_hold import PlanHold
from connector.planner import RecordAction, RecordPlan, SubscriptionPlan
from connector.waves import streamed_waves
from tests.factories import subscription


def _record(key: str, action: RecordAction = RecordAction.CREATE) -> RecordPlan:
    return RecordPlan(
        system="crm",
        object_name="account" if key.startswith("cus") else "subscription",
        key=key,
        action=action,
        writes={"Name": key},
        diffs=(),
        synced={"Name": key},
    )


def _plan(key: str, customer: str) -> SubscriptionPlan:
    return SubscriptionPlan(
        key=key,
        customer_id=customer,
        current=subscription(int(key.split("_")[1])),
        records=[_record(customer), _record(key)],
    )


def _keys(cut: list[list[SubscriptionPlan]]) -> list[list[str]]:
    return [[plan.key for plan in wave] for wave in cut]


def test_a_hold_under_its_bound_keeps_the_order_added_and_no_file() -> None:
    with PlanHold(in_memory=10) as hold:
        hold.add([_plan("sub_3", "cus_b"), _plan("sub_1", "cus_a")])
        hold.add([_plan("sub_2", "cus_b")])
        assert not hold.on_disk
        assert _keys(list(hold.waves(per_wave=10))) == [["sub_3", "sub_1", "sub_2"]]


def test_beyond_its_bound_the_hold_moves_to_disk_and_hands_back_every_plan_whole() -> None:
    plans = [_plan(f"sub_{n}", f"cus_{n % 7}") for n in range(1, 51)]
    with PlanHold(in_memory=8) as hold:
        for start in range(0, 50, 5):
            hold.add(plans[start : start + 5])
        assert hold.on_disk
        assert len(hold) == 50
        back = [plan for wave in hold.waves(per_wave=1000) for plan in wave]
    assert sorted(plan.key for plan in back) == sorted(plan.key for plan in plans)
    by_key = {plan.key: plan for plan in plans}
    assert all(plan == by_key[plan.key] for plan in back)  # subscriptions, records, all of it


def test_from_disk_one_customers_plans_come_together_in_one_wave() -> None:
    # cus_a's two subscriptions were planned far apart; both write its account.
    plans = [
        _plan("sub_1", "cus_a"),
        _plan("sub_2", "cus_b"),
        _plan("sub_3", "cus_c"),
        _plan("sub_4", "cus_a"),
    ]
    with PlanHold(in_memory=1) as hold:
        for plan in plans:
            hold.add([plan])
        assert _keys(list(hold.waves(per_wave=1))) == [["sub_1", "sub_4"], ["sub_2"], ["sub_3"]]


def test_the_hold_leaves_no_file_behind() -> None:
    hold = PlanHold(in_memory=1)
    hold.add([_plan("sub_1", "cus_a"), _plan("sub_2", "cus_b")])
    assert hold._scratch is not None
    scratch = hold._scratch.path
    assert scratch.exists()
    hold.close()
    assert not scratch.parent.exists()


def test_streamed_waves_close_only_between_plans_that_share_nothing() -> None:
    plans = [
        _plan("sub_1", "cus_a"),
        _plan("sub_2", "cus_a"),
        _plan("sub_3", "cus_b"),
        _plan("sub_4", "cus_c"),
    ]
    quiet = SubscriptionPlan(
        key="sub_9",
        customer_id="cus_z",
        current=None,
        records=[_record("sub_9", RecordAction.NOOP)],
    )
    cut = list(streamed_waves([*plans[:3], quiet, plans[3]], per_wave=1))
    assert _keys(cut) == [["sub_1", "sub_2"], ["sub_3", "sub_9"], ["sub_4"]]


def test_streamed_waves_of_nothing_are_one_empty_wave() -> None:
    assert list(streamed_waves([])) == [[]]
