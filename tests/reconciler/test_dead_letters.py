"""Dead letters close themselves once their key is next found in agreement, write or no write."""

from __future__ import annotations

from connector.metrics import Metrics, StoreCollector
from connector.reconciler import RunOptions
from connector.records import WriteError, WriteRequest
from connector.store import DeadLetter, utcnow
from tests.conftest import World

KEY = "sub_00005"


def _letter(key: str, system: str, code: str = "RETRIES_EXHAUSTED") -> DeadLetter:
    now = utcnow()
    return DeadLetter(key, system, "gave up", code, True, "queue:w1", {}, now, now)


def _open(world: World) -> set[tuple[str, str]]:
    return {(d.key, d.system) for d in world.store.list_dead_letters(limit=1000)}


def _open_gauge(world: World) -> float:
    metrics = Metrics()
    metrics.registry.register(StoreCollector(lambda: world.store))
    value = metrics.registry.get_sample_value("connector_dead_letters_open")
    assert value is not None
    return value


def test_a_settled_key_with_an_open_letter_is_read_again_and_its_letter_closed(
    synced_world: World,
) -> None:
    """The stamp shortcut does not skip a lettered key: a full run finds it in agreement and
    closes its letters without writing, and the open-letters gauge is back at zero."""
    world = synced_world
    world.store.add_dead_letters([_letter(KEY, "salesforce"), _letter(KEY, "odoo")])
    assert _open_gauge(world) == 2
    report = world.reconciler.reconcile_all()
    assert report.status == "clean"
    assert report.planned_writes == 0
    assert report.letters_resolved == 2
    assert report.summary()["dead_letters_resolved"] == 2
    assert _open(world) == set()
    assert _open_gauge(world) == 0
    assert {d.resolved_by_run for d in world.store.list_dead_letters(status="resolved")} == {
        report.run_id
    }


def test_a_key_run_closes_the_letters_of_an_unchanged_key(synced_world: World) -> None:
    """The same through a run over named keys (the queue, a webhook, a replay)."""
    world = synced_world
    world.store.add_dead_letters([_letter(KEY, "salesforce")])
    report = world.reconciler.reconcile([KEY], RunOptions(kind="queue"))
    assert report.letters_resolved == 1
    assert _open(world) == set()


def test_a_whole_key_letter_closes_when_every_system_is_in_line(synced_world: World) -> None:
    """A letter the queue filed for a crashed batch ("connector") closes with the key in line."""
    world = synced_world
    world.store.add_dead_letters([_letter(KEY, "connector")])
    world.reconciler.reconcile_all()
    assert _open(world) == set()


def test_a_letter_stays_open_while_its_target_still_refuses(synced_world: World) -> None:
    """Each target's letter closes on its own: the ERP in line closes the ERP's letter only."""
    world = synced_world
    world.store.add_dead_letters([_letter(KEY, "salesforce"), _letter(KEY, "odoo")])
    world.crm.edit("subscription", KEY, Plan__c="legacy")  # drift the CRM must correct

    def refuse(request: WriteRequest) -> WriteError | None:
        return WriteError("LOCKED", "record locked by an approval") if request.key == KEY else None

    world.crm.rejecter = refuse
    report = world.reconciler.reconcile_all()
    assert report.letters_resolved == 1
    assert _open(world) == {(KEY, "salesforce")}
    (letter,) = world.store.list_dead_letters()
    assert (letter.error_code, letter.attempts) == ("LOCKED", 2)


def test_a_letter_closes_once_its_cause_is_fixed_in_the_target_by_hand(world: World) -> None:
    """A record the CRM rewrote on save is dead-lettered; once a person puts it right in the
    CRM, the next run finds it in agreement, writes nothing and closes the letter."""
    original = world.crm.write

    def rewriting(object_name: str, requests: list[WriteRequest]) -> object:
        results = original(object_name, requests)
        if object_name == "subscription":
            world.crm.edit("subscription", KEY, Plan__c="legacy")  # a workflow rule
        return results

    world.crm.write = rewriting  # type: ignore[method-assign,assignment]
    world.reconciler.reconcile_all()
    (letter,) = world.store.list_dead_letters()
    assert (letter.key, letter.error_code) == (KEY, "VERIFY_MISMATCH")
    world.crm.write = original  # type: ignore[method-assign]
    wanted = world.crm.mapping.render(world.source.get([KEY]).found[KEY])["subscription"][1]
    world.crm.edit("subscription", KEY, Plan__c=wanted["Plan__c"])  # the fix, by hand

    report = world.reconciler.reconcile_all()
    assert report.planned_writes == 0
    assert report.letters_resolved == 1
    assert _open(world) == set()


def test_a_dry_run_closes_nothing(synced_world: World) -> None:
    """Only an applied run closes letters: a dry run finds agreement but records nothing."""
    world = synced_world
    world.store.add_dead_letters([_letter(KEY, "salesforce")])
    report = world.reconciler.reconcile_all(RunOptions(kind="full", dry_run=True))
    assert report.letters_resolved == 0
    assert _open(world) == {(KEY, "salesforce")}


def test_a_key_billing_never_had_and_never_synced_is_unknown_not_dead_lettered(
    synced_world: World,
) -> None:
    """A typo in a key is reported as unknown: no plan, no dead letter, nothing written."""
    world = synced_world
    before = world.calls()
    report = world.reconciler.reconcile(["sub_typo", KEY])
    assert report.unknown_keys == ["sub_typo"]
    assert report.subscriptions == 1
    assert report.status == "clean"
    assert world.store.list_dead_letters() == []
    assert [writes for _, writes in world.calls().values()] == [
        writes for _, writes in before.values()
    ]


def test_a_synced_key_billing_no_longer_has_is_not_unknown(synced_world: World) -> None:
    """A subscription the store synced and billing lost is still planned (cancelled)."""
    world = synced_world
    world.source.delete(KEY)
    report = world.reconciler.reconcile([KEY])
    assert report.unknown_keys == []
    (plan,) = report.plans
    assert plan.source_missing
    assert [k.value for k in plan.changes] == ["cancelled"]


def test_a_conflict_left_to_a_person_keeps_that_targets_letter_open(synced_world: World) -> None:
    """A report-only conflict is not agreement: the CRM's letter stays open, the ERP's closes."""
    world = synced_world
    world.store.add_dead_letters([_letter(KEY, "salesforce"), _letter(KEY, "odoo")])
    (sub,) = world.source.get([KEY]).found.values()
    world.source.put(sub.replace(metadata={"renewal_owner": "finance-bot"}))
    world.crm.edit("subscription", KEY, Renewal_Owner__c="alice")  # the CRM's own edit
    report = world.reconciler.reconcile([KEY])
    assert report.conflicts == 1
    assert _open(world) == {(KEY, "salesforce")}


def test_unknown_keys_are_found_before_a_run_reading_billing_only_for_strangers(
    synced_world: World,
) -> None:
    """Synced or lettered keys are known from the store alone; billing is asked about the rest."""
    world = synced_world
    world.store.add_dead_letters([_letter("sub_gone", "billing", "INVALID_SOURCE_RECORD")])
    world.source.put(world.source.get(["sub_00001"]).found["sub_00001"].replace(id="sub_new"))
    reads = world.source.calls.reads
    keys = ["sub_typo", KEY, "sub_gone", "sub_new", "sub_typo"]
    assert world.reconciler.unknown_keys(keys) == ["sub_typo"]
    assert world.source.calls.reads - reads == 1
    assert world.reconciler.unknown_keys([KEY]) == []
    assert world.source.calls.reads - reads == 1
