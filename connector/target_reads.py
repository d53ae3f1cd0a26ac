"""Reading the targets' side of a chunk: stamp scans, records, snapshots and bindings.

A full run first scans every target that can list its records' keys and modstamps (a
``StampScanner``): objects covered by that stamp index are not read record by record while
planning; the stamps decide which subscriptions are settled, and whole records are read only
for the others (``history``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from functools import partial

from adapters.base import ObjectsReader, StampScanner, Target
from connector.lanes import Lanes
from connector.planner import TargetState
from connector.planner.chunk import History
from connector.records import TargetRecord
from connector.schema import Subscription
from connector.stamp_index import STAMPS_IN_MEMORY, Stamp, StampIndex
from connector.store import StateStore


def scan_stamps(target: Target, in_memory: int | None = STAMPS_IN_MEMORY) -> StampIndex:
    """Every record's key and modstamp, per object, from a target that can list them."""
    assert isinstance(target, StampScanner)
    index = StampIndex(in_memory)
    try:
        for obj in target.mapping.ordered():
            index.scanned(obj.name)
            for page in target.scan_stamps(obj.name):
                index.add(obj.name, page)
    except BaseException:
        index.close()
        raise
    return index


def read_whole(target: Target, object_name: str, keys: list[str]) -> dict[str, TargetRecord]:
    """Whole records of these keys, in the target's read batches."""
    whole: dict[str, TargetRecord] = {}
    size = target.read_batch_size(object_name)
    for start in range(0, len(keys), size):
        whole.update(target.read(object_name, keys[start : start + size]))
    return whole


def read_objects(
    target: Target, wanted: Mapping[str, Sequence[str]]
) -> dict[str, dict[str, TargetRecord]]:
    """Whole records of several objects: together where the target can (one call for all of
    a small run's objects), else object by object; in the target's read batches either way."""
    found: dict[str, dict[str, TargetRecord]] = {name: {} for name in wanted}
    asked = {name: list(dict.fromkeys(keys)) for name, keys in wanted.items() if keys}
    if not isinstance(target, ObjectsReader):
        for name, keys in asked.items():
            found[name] = read_whole(target, name, keys)
        return found
    sizes = {name: max(1, target.read_batch_size(name)) for name in asked}
    start = 0
    while True:
        round_ = {
            name: keys[start * sizes[name] : (start + 1) * sizes[name]]
            for name, keys in asked.items()
        }
        round_ = {name: keys for name, keys in round_.items() if keys}
        if not round_:
            return found
        for name, records in target.read_objects(round_).items():
            found.setdefault(name, {}).update(records)
        start += 1


def target_state(
    target: Target, subscriptions: Iterable[Subscription], index: StampIndex, store: StateStore
) -> TargetState:
    """The target's records of these subscriptions, and when they last agreed.

    Objects covered by the stamp index (a full run's) are not read here at all: their stamps
    stand for the records until :func:`history` reads the ones that need a full diff.
    """
    subs = list(subscriptions)
    records: dict[str, dict[str, TargetRecord]] = {}
    agreements: dict[str, dict[str, tuple[str, str]]] = {}
    unstamped: dict[str, list[str]] = {}
    for obj in target.mapping.ordered():
        record_keys = list(dict.fromkeys(k for k in (obj.key_of(s) for s in subs) if k))
        if index.covers(obj.name):
            records[obj.name] = _stamp_only(index.lookup(obj.name, record_keys))
        else:
            unstamped[obj.name] = record_keys
        agreements[obj.name] = store.load_agreements(target.system, obj.name, record_keys)
    records.update(read_objects(target, unstamped))
    return TargetState(target.mapping, records, agreements=agreements)


def _stamp_only(stamps: Mapping[str, Stamp]) -> dict[str, TargetRecord]:
    """Records known by their stamp alone: no fields, a remote id and a modstamp."""
    return {
        key: TargetRecord(key, {}, remote, modstamp) for key, (modstamp, remote) in stamps.items()
    }


def history(
    target: Target,
    subscriptions: Sequence[Subscription],
    index: StampIndex,
    store: StateStore,
    lanes: Lanes,
) -> History:
    """Snapshots, bindings and (after a stamp scan) whole records of the subscriptions that
    need a full diff."""
    system = target.system
    found = History()
    for obj in target.mapping.ordered():
        record_keys = list(dict.fromkeys(k for k in (obj.key_of(s) for s in subscriptions) if k))
        if not record_keys:
            continue
        found.snapshots[obj.name] = store.load_snapshots(system, obj.name, record_keys)
        found.bindings[obj.name] = store.load_bindings(system, obj.name, record_keys)
        if index.covers(obj.name):
            present = list(index.lookup(obj.name, record_keys))
            # On the target's lane: it may be reading the next chunk right now.
            found.records[obj.name] = lanes.submit(
                system, partial(read_whole, target, obj.name, present)
            ).result()
    return found
