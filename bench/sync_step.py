"""One timed step of ``bench.sandbox_sync``, in a process of its own.

Each step runs where nothing of the steps before it is left in memory, as an operator's
``connector reconcile`` would: its peak resident memory is the step's own (``ru_maxrss`` of a
fresh process), not the high-water mark of a process that ran a first load before.

Steps: ``first`` (a first load, mass changes allowed), ``first-held`` (the same as an operator
runs it without ``--allow-mass-changes``: the valve can stop it, so every plan waits for its
verdict, on disk past 10,000), ``full`` (a full reconcile, which then
notes where billing's event feed stands) and ``feed`` (the keys the feed names since
``--cursor``, reconciled as the daemon's poller does). The figures go to ``--out`` as JSON.

It also measures older versions of the connector (``--compare-ref``): what they lack (a
report's counters, ``keep_plans``) is read the way they offered it.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import math
import resource
import time
from collections import Counter
from pathlib import Path
from typing import Any

from connector.config import load_settings
from connector.logs import configure_logging
from connector.reconciler import RunOptions
from connector.report import RunReport
from connector.runtime import open_runtime

STRIPE_PAGE = 100
SF_COLLECTION = 200
SF_QUERY_PAGE = 2000


def options(**values: Any) -> RunOptions:
    """Run options that keep only the report's counters, where the version measured can."""
    if "keep_plans" in {f.name for f in dataclasses.fields(RunOptions)}:
        values["keep_plans"] = False
    return RunOptions(**values)


def changed(report: RunReport) -> int:
    counted = getattr(report, "changed", None)
    if isinstance(counted, int):
        return counted
    return len([p for p in report.plans if not p.is_noop])


def written_by_object(report: RunReport, system: str) -> dict[str, int]:
    """Records planned for writing per object of ``system``."""
    planned: Counter[tuple[str, str, str]] | None = getattr(report, "planned_records", None)
    if planned is not None:
        written: Counter[str] = Counter()
        for (name, object_name, _action), count in planned.items():
            if name == system:
                written[object_name] += count
        return dict(written)
    keys: dict[str, set[str]] = {}
    for plan in report.plans:
        for record in plan.records:
            if record.system == system and record.needs_write:
                keys.setdefault(record.object_name, set()).add(record.key)
    return {name: len(found) for name, found in keys.items()}


def figures(report: RunReport, seconds: float) -> dict[str, Any]:
    return {
        "seconds": round(seconds, 2),
        "subscriptions": report.subscriptions,
        "changed": changed(report),
        "actions": dict(report.actions),
        "calls": {s: {"reads": c.reads, "writes": c.writes} for s, c in report.cost.items()},
        "dead_letters": report.dead_letters,
        "verified": report.verified,
    }


def bounds(report: RunReport, total: int) -> dict[str, float]:
    """Calls against their lower bounds: Salesforce writes against ceil(records / 200) per
    object, reads against ceil(records / page size), Stripe's against its pages of 100."""
    sf_writes = sum(
        math.ceil(n / SF_COLLECTION) for n in written_by_object(report, "salesforce").values()
    )
    sf = report.cost.get("salesforce")
    stripe = report.cost.get("stripe")
    sf_reads_bound = 2 * math.ceil(total / SF_QUERY_PAGE)  # accounts and subscriptions
    return {
        "salesforce_write_calls": float(sf.writes if sf else 0),
        "salesforce_write_bound": float(sf_writes),
        "salesforce_write_ratio": (sf.writes / sf_writes) if sf and sf_writes else 0.0,
        "salesforce_read_calls": float(sf.reads if sf else 0),
        "salesforce_read_bound": float(sf_reads_bound),
        "salesforce_read_ratio": (sf.reads / sf_reads_bound) if sf else 0.0,
        "stripe_read_calls": float(stripe.reads if stripe else 0),
        "stripe_read_bound": float(math.ceil(total / STRIPE_PAGE)),
        "stripe_read_ratio": (stripe.reads / math.ceil(total / STRIPE_PAGE)) if stripe else 0.0,
    }


def peak_rss_mb() -> float:
    """This process's resident high-water mark (Linux reports it in KiB)."""
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def run_step(config: Path, step: str, total: int, cursor: str | None) -> dict[str, Any]:
    configure_logging("json", "WARNING")
    settings = load_settings(config)
    with open_runtime(settings) as runtime:
        began, cpu = time.perf_counter(), time.process_time()
        extra: dict[str, Any] = {}
        if step in ("first", "first-held"):
            allowed = step == "first"  # else the valve's verdict waits for every plan
            report = runtime.reconciler.reconcile_all(
                options(kind="full", allow_mass_changes=allowed)
            )
        elif step == "full":
            report = runtime.reconciler.reconcile_all(options(kind="full"))
        else:
            feed: list[str] = []
            for page in runtime.source.changed_since(cursor):
                feed.extend(page.keys)
            report = runtime.reconciler.reconcile(feed, options(kind="poll"))
            extra = {"keys_from_feed": len(set(feed)), **bounds(report, max(1, len(set(feed))))}
        seconds = time.perf_counter() - began
        cpu_used = time.process_time() - cpu
        if step == "full":
            extra.update(bounds(report, total))
            for page in runtime.source.changed_since(None):  # where the feed stands now
                extra["cursor"] = page.cursor
    return {
        **figures(report, seconds),
        "connector_cpu_seconds": round(cpu_used, 2),
        "peak_rss_mb": peak_rss_mb(),
        **store_size(settings.store_url, total),
        **extra,
    }


def store_size(store_url: str, total: int) -> dict[str, float]:
    """The SQLite store's size on disk after the step, whole and per subscription."""
    if not store_url.startswith("sqlite:///"):
        return {}
    path = Path(store_url.removeprefix("sqlite:///"))
    size = sum(p.stat().st_size for p in path.parent.glob(path.name + "*") if p.is_file())
    return {
        "store_mb": round(size / 2**20, 1),
        "store_kb_per_subscription": round(size / 1024 / max(total, 1), 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--config", type=Path, required=True)
    parser.add_argument("--step", choices=("first", "first-held", "full", "feed"), required=True)
    parser.add_argument("--subscriptions", type=int, required=True)
    parser.add_argument("--cursor", default=None)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    result = run_step(args.config, args.step, args.subscriptions, args.cursor)
    args.out.write_text(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
