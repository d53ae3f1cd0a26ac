"""Benchmark: the in-process diff + plan step on 100,000 subscriptions, 1 % changed.

Steady state of a nightly run: every target record agreed at the last sync; 1 % of the
subscriptions changed in billing since (one more seat), and 0.2 % of CRM records were edited
by hand. For each chunk of 1,000 the setup (untimed) builds what the reconciler would have read
and loaded; the timed part is exactly what the reconciler runs in process on it: canonical
fingerprints, the settled check, rendering, normalising and the three-way diff.

Run: ``python -m bench.plan_throughput [--subscriptions N] [--changed-share 0.01]``
"""

from __future__ import annotations

import argparse
import datetime as dt
import resource
import time
from collections.abc import Sequence

from connector.gc_tuning import tune_collector
from connector.mapping import CompiledMapping
from connector.mapping.defaults import default_mappings_dir
from connector.mapping.loader import load_mappings
from connector.planner import PlanPolicy, TargetState
from connector.planner.chunk import History, plan_chunk
from connector.records import FieldValues, TargetRecord
from connector.sandbox.dataset import make_subscription
from connector.schema import Subscription
from connector.store.fingerprint import fingerprint_of

CHUNK = 1000
NOW = dt.datetime(2026, 11, 1, tzinfo=dt.UTC)


def _target_state(
    mapping: CompiledMapping,
    synced: Sequence[Subscription],
    edited: set[str],
    snapshots: dict[str, dict[str, FieldValues]],
) -> TargetState:
    records: dict[str, dict[str, TargetRecord]] = {}
    agreements: dict[str, dict[str, tuple[str, str]]] = {}
    for sub in synced:
        for name, (key, desired) in mapping.render(sub).items():
            fields = dict(desired)
            stamp = "stamp-1"
            if sub.id in edited and name == "subscription" and mapping.role == "crm":
                fields["MRR__c"] = "0"
                stamp = "stamp-2"
            records.setdefault(name, {})[key] = TargetRecord(key, fields, f"id-{key}", stamp)
            agreements.setdefault(name, {})[key] = ("stamp-1", mapping.digest)
            snapshots.setdefault(f"{mapping.system}.{name}", {})[key] = desired
    return TargetState(mapping, records, agreements=agreements)


def run(
    total: int = 100_000, changed_share: float = 0.01, edited_share: float = 0.002
) -> dict[str, float]:
    mappings = load_mappings(
        [default_mappings_dir() / "salesforce.yaml", default_mappings_dir() / "odoo.yaml"]
    )
    change_every = max(1, round(1 / changed_share)) if changed_share else 0
    edit_every = max(1, round(1 / edited_share)) if edited_share else 0
    elapsed = 0.0
    planned = writes = 0
    for start in range(0, total, CHUNK):
        numbers = range(start, min(start + CHUNK, total))
        synced = [make_subscription(n) for n in numbers]
        changed = {n for n in numbers if change_every and n % change_every == 0}
        current = {
            sub.id: make_subscription(n, variant=1) if n in changed else sub
            for n, sub in zip(numbers, synced, strict=True)
        }
        stored = {sub.id: fingerprint_of(sub) for sub in synced}
        previous_all = {sub.id: sub for sub in synced}
        edited = {f"sub_{n:07d}" for n in numbers if edit_every and n % edit_every == 3}
        snapshots: dict[str, dict[str, FieldValues]] = {}
        states = {
            system: _target_state(mapping, synced, edited, snapshots)
            for system, mapping in mappings.items()
        }

        def history(
            system: str,
            subs: Sequence[Subscription],
            snapshots: dict[str, dict[str, FieldValues]] = snapshots,
        ) -> History:
            mapping = mappings[system]
            wanted: dict[str, dict[str, FieldValues]] = {}
            for obj in mapping.objects.values():
                table = snapshots.get(f"{system}.{obj.name}", {})
                keys = {obj.key_of(s) for s in subs}
                wanted[obj.name] = {k: table[k] for k in keys if k in table}
            return History(snapshots=wanted)

        begin = time.perf_counter()
        fresh = {key: fingerprint_of(sub) for key, sub in current.items()}
        previous = {k: previous_all[k] for k in current if fresh[k] != stored[k]}
        result = plan_chunk(
            current=current,
            missing=[],
            fresh=fresh,
            stored=stored,
            previous=previous,
            states=states,
            history=history,
            policy=PlanPolicy(),
            now=NOW,
        )
        elapsed += time.perf_counter() - begin
        planned += len(result.plans)
        writes += sum(plan.write_count for plan in result.plans)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {
        "subscriptions": float(total),
        "seconds": elapsed,
        "subscriptions_per_second": total / elapsed,
        "plans_with_changes": float(planned),
        "record_writes_planned": float(writes),
        "peak_rss_mb": peak_mb,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--subscriptions", type=int, default=100_000)
    parser.add_argument("--changed-share", type=float, default=0.01)
    args = parser.parse_args()
    tune_collector()  # as every connector process does (connector.runtime)
    figures = run(args.subscriptions, args.changed_share)
    print(
        f"diff+plan of {int(figures['subscriptions']):,} subscriptions "
        f"({args.changed_share:.1%} changed in billing, 0.2% edited in the CRM)"
    )
    print(f"  time in diff+plan:      {figures['seconds']:.2f} s (one core)")
    print(f"  throughput:             {figures['subscriptions_per_second']:,.0f} subscriptions/s")
    print(f"  plans with changes:     {int(figures['plans_with_changes']):,}")
    print(f"  record writes planned:  {int(figures['record_writes_planned']):,}")
    print(f"  peak memory (RSS):      {figures['peak_rss_mb']:.0f} MB")


if __name__ == "__main__":
    main()
