"""Benchmark: a 100,000-subscription reconcile against the local sandbox, 1 % drift.

The sandbox runs in its own process (``connector sandbox up``), the connector in this one.
Steps: billing is seeded through Stripe's bulk load; the connector makes its first load into
the empty CRM and ERP; 1 % of their records then drift (half deleted, half edited by hand,
through the systems' own APIs); a full reconcile repairs them (timed); then 1 % of the
subscriptions change in Stripe through its API and an incremental run, driven by Stripe's
event feed as the daemon's poller does, brings them over (timed).

Printed per timed run: wall time, CPU seconds of the connector and of the sandbox, API calls
per system (reads and writes, as the connector counted them), and the ratios the goals are
stated in: Salesforce write calls against ceil(records written / 200) per object, and reads
against ceil(records / page size).

Each timed step also prints the connector's peak resident memory during it.

Run: ``python -m bench.sandbox_sync [--subscriptions N] [--drift 0.01] [--port-base N]
[--compare-ref GIT_REF]``. With ``--compare-ref`` the same steps run twice on the same data,
each in a fresh process against the same (this tree's) sandbox code: once with the connector
of ``GIT_REF`` (checked out in a temporary worktree) and once with this tree's; the ratios
this/ref are printed, because absolute times on shared machines move by 2x from one machine
to the next.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx

from bench.proc_stats import PeakRss, cpu_seconds
from connector.config import load_settings
from connector.logs import configure_logging
from connector.reconciler import RunOptions
from connector.report import RunReport
from connector.runtime import open_runtime
from connector.sandbox.common.server import free_port
from connector.sandbox.dataset import make_subscription
from connector.sandbox.local import STRIPE_KEY, SandboxEndpoints, connect_odoo
from connector.sandbox.seeding import drift_targets, seed_billing
from connector.schema import SubscriptionStatus

STRIPE_PAGE = 100
SF_COLLECTION = 200
SF_QUERY_PAGE = 2000


def start_sandbox(
    directory: Path, port_base: int | None = None
) -> tuple[subprocess.Popen[bytes], SandboxEndpoints, Path]:
    """Start the sandbox on ``port_base`` (N..N+3), or on free ports tried again elsewhere
    when another process took one of its four between the pick and the bind (tests may run
    beside a benchmark)."""
    for _attempt in range(1 if port_base else 3):
        started = _try_sandbox(directory, port_base or free_port())
        if started is not None:
            return started
    log = (directory / "sandbox.log").read_text(errors="replace")[-2000:]
    raise RuntimeError(f"the sandbox did not start:\n{log}")


def _try_sandbox(
    directory: Path, base: int
) -> tuple[subprocess.Popen[bytes], SandboxEndpoints, Path] | None:
    with (directory / "sandbox.log").open("wb") as log:
        process = subprocess.Popen(
            [
                str(Path(sys.executable).with_name("connector")),
                "sandbox",
                "up",
                "--dir",
                str(directory),
                "--port-base",
                str(base),
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
            env=_sandbox_environment(),
        )
    deadline = time.monotonic() + 60
    info_path = directory / "sandbox.json"
    while not info_path.exists():
        if time.monotonic() > deadline or process.poll() is not None:
            process.kill()
            process.wait()
            return None
        time.sleep(0.2)
    info = json.loads(info_path.read_text())
    endpoints = SandboxEndpoints(
        info["stripe"]["url"],
        info["salesforce"]["instance_url"],
        int(info["odoo"]["url"].rsplit(":", 1)[1]),
        Path(info["salesforce"]["ca_bundle"]),
    )
    return process, endpoints, directory / "connector.toml"


def _sandbox_environment() -> dict[str, str]:
    """The sandbox always runs this tree's emulators, also when the connector measured is an
    older version's (put first on ``PYTHONPATH`` by ``--compare-ref``)."""
    environ = dict(os.environ)
    environ.pop("PYTHONPATH", None)
    return environ


def _figures(report: RunReport, seconds: float) -> dict[str, Any]:
    return {
        "seconds": round(seconds, 2),
        "subscriptions": report.subscriptions,
        "changed": len([p for p in report.plans if not p.is_noop]),
        "actions": dict(report.actions),
        "calls": {s: {"reads": c.reads, "writes": c.writes} for s, c in report.cost.items()},
        "dead_letters": report.dead_letters,
        "verified": report.verified,
    }


def _bounds(report: RunReport, total: int) -> dict[str, float]:
    sf_writes = sum(
        math.ceil(n / SF_COLLECTION) for key, n in _written_by_object(report, "salesforce").items()
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


def _written_by_object(report: RunReport, system: str) -> dict[str, int]:
    written: dict[str, set[str]] = {}
    for plan in report.plans:
        for record in plan.records:
            if record.system == system and record.needs_write:
                written.setdefault(record.object_name, set()).add(record.key)
    return {name: len(keys) for name, keys in written.items()}


def _change_in_billing(stripe_url: str, keys: list[str]) -> None:
    """One more seat on each subscription, through Stripe's API, four requests at a time."""

    def bump(key: str) -> None:
        with httpx.Client(
            base_url=stripe_url, headers={"Authorization": f"Bearer {STRIPE_KEY}"}, timeout=60
        ) as client:
            item = client.get(f"/v1/subscriptions/{key}").json()["items"]["data"][0]
            client.post(
                f"/v1/subscriptions/{key}",
                data={"items[0][id]": item["id"], "items[0][quantity]": str(item["quantity"] + 1)},
            ).raise_for_status()

    with ThreadPoolExecutor(4) as pool:
        list(pool.map(bump, keys))


class _Clock:
    """Wall time, and the CPU time of this process and of the sandbox's processes, since
    ``start``.

    CPU seconds say what a change costs even when other work shares the machine, which wall
    time alone does not.
    """

    def __init__(self, sandbox_pid: int) -> None:
        self._sandbox_pid = sandbox_pid
        self.start()

    def start(self) -> None:
        self._wall = time.perf_counter()
        self._own = time.process_time()
        self._sandbox = cpu_seconds(self._sandbox_pid)

    def seconds(self) -> float:
        return time.perf_counter() - self._wall

    def cpu(self) -> dict[str, float]:
        return {
            "connector_cpu_seconds": round(time.process_time() - self._own, 2),
            "sandbox_cpu_seconds": round(cpu_seconds(self._sandbox_pid) - self._sandbox, 2),
        }


def run(total: int = 100_000, drift: float = 0.01, port_base: int | None = None) -> dict[str, Any]:
    configure_logging("json", "WARNING")
    with tempfile.TemporaryDirectory(prefix="subsync-bench-") as scratch:
        process, endpoints, config = start_sandbox(Path(scratch), port_base)
        try:
            settings = load_settings(config)
            begin = time.perf_counter()
            seed_billing(endpoints.stripe_url, total)
            seed_seconds = time.perf_counter() - begin
            clock = _Clock(process.pid)
            with open_runtime(settings) as runtime, PeakRss() as first_rss:
                clock.start()
                first = runtime.reconciler.reconcile_all(
                    RunOptions(kind="full", allow_mass_changes=True)
                )
                first_seconds, first_cpu = clock.seconds(), clock.cpu()
            drift_targets(
                settings, endpoints, connect_odoo(endpoints.odoo_port), total, drift, seed=11
            )
            rng = random.Random(11)
            with open_runtime(settings) as runtime, PeakRss() as full_rss:
                clock.start()
                full = runtime.reconciler.reconcile_all(RunOptions(kind="full"))
                full_seconds, full_cpu = clock.seconds(), clock.cpu()
                cursor = None
                for page in runtime.source.changed_since(None):
                    cursor = page.cursor
            # Stripe refuses changes to cancelled subscriptions (as it should): pick active ones.
            generated = (make_subscription(n) for n in range(1, total + 1))
            active = [sub.id for sub in generated if sub.status is SubscriptionStatus.ACTIVE]
            changed = rng.sample(active, k=round(total * drift))
            _change_in_billing(endpoints.stripe_url, changed)
            with open_runtime(settings) as runtime, PeakRss() as incremental_rss:
                clock.start()
                feed: list[str] = []
                for page in runtime.source.changed_since(cursor):
                    feed.extend(page.keys)
                incremental = runtime.reconciler.reconcile(feed, RunOptions(kind="poll"))
                incremental_seconds, incremental_cpu = clock.seconds(), clock.cpu()
        finally:
            process.terminate()
            process.wait(timeout=30)
    return {
        "subscriptions": total,
        "seed_billing_seconds": round(seed_seconds, 2),
        "first_load": {
            **_figures(first, first_seconds),
            **first_cpu,
            "peak_rss_mb": first_rss.peak_mb,
        },
        "full_reconcile": {
            **_figures(full, full_seconds),
            **full_cpu,
            "peak_rss_mb": full_rss.peak_mb,
            **_bounds(full, total),
        },
        "incremental": {
            **_figures(incremental, incremental_seconds),
            **incremental_cpu,
            "peak_rss_mb": incremental_rss.peak_mb,
            "changed_in_billing": len(changed),
            "keys_from_feed": len(set(feed)),
            **_bounds(incremental, len(set(feed))),
        },
    }


STEPS = ("first_load", "full_reconcile", "incremental")
COMPARED = ("seconds", "connector_cpu_seconds", "sandbox_cpu_seconds", "peak_rss_mb")


def _run_child(
    source: Path, benches: Path, total: int, drift: float, port_base: int, out: Path
) -> dict[str, Any]:
    """This bench (from ``benches``) in a fresh process, measuring the connector of
    ``source``: both go first on the path, the bench before the tree it measures."""
    environ = dict(os.environ, PYTHONPATH=os.pathsep.join([str(benches), str(source)]))
    subprocess.run(
        [
            sys.executable,
            "-m",
            "bench.sandbox_sync",
            "--subscriptions",
            str(total),
            "--drift",
            str(drift),
            "--port-base",
            str(port_base),
            "--json-out",
            str(out),
        ],
        env=environ,
        check=True,
        stdout=subprocess.DEVNULL,
        cwd=out.parent,
    )
    figures: dict[str, Any] = json.loads(out.read_text())
    return figures


def _tree() -> Path:
    return Path(__file__).resolve().parent.parent


def compare(ref: str, total: int, drift: float, port_base: int) -> dict[str, Any]:
    """The steps with ``ref``'s connector, then with this tree's, on the same data."""
    with tempfile.TemporaryDirectory(prefix="subsync-compare-") as scratch:
        worktree = Path(scratch) / "ref"
        # This tree's bench measures both versions: a copy of it, apart from either tree.
        benches = Path(scratch) / "benches"
        shutil.copytree(_tree() / "bench", benches / "bench")
        subprocess.run(
            ["git", "-C", str(_tree()), "worktree", "add", "--detach", str(worktree), ref],
            check=True,
            capture_output=True,
        )
        try:
            before = _run_child(
                worktree, benches, total, drift, port_base, Path(scratch) / "ref.json"
            )
            after = _run_child(
                _tree(), benches, total, drift, port_base, Path(scratch) / "this.json"
            )
        finally:
            subprocess.run(
                ["git", "-C", str(_tree()), "worktree", "remove", "--force", str(worktree)],
                check=False,
                capture_output=True,
            )
    ratios = {
        step: {
            name: round(after[step][name] / before[step][name], 3)
            for name in COMPARED
            if before[step].get(name) and name in after[step]
        }
        for step in STEPS
    }
    return {"ref": ref, "ref_figures": before, "this_figures": after, "ratio_this_to_ref": ratios}


def _print_comparison(result: dict[str, Any]) -> None:
    print(f"this tree against {result['ref']}, same data, same sandbox code (this / ref):")
    for step in STEPS:
        before, after = result["ref_figures"][step], result["this_figures"][step]
        cells = ", ".join(
            f"{name} {before.get(name, '-')} -> {after.get(name, '-')} "
            f"({result['ratio_this_to_ref'][step].get(name, '-')}x)"
            for name in COMPARED
        )
        print(f"  {step}: {cells}")


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--subscriptions", type=int, default=100_000)
    parser.add_argument("--drift", type=float, default=0.01)
    parser.add_argument(
        "--port-base",
        type=int,
        default=None,
        help="the sandbox's ports: N..N+3 (default: free ports)",
    )
    parser.add_argument(
        "--compare-ref",
        default=None,
        metavar="GIT_REF",
        help="also run GIT_REF's connector on the same data and print the ratios",
    )
    parser.add_argument("--json-out", type=Path, default=None, help="write the figures here too")
    args = parser.parse_args()
    if args.compare_ref:
        base = args.port_base or free_port()
        result = compare(args.compare_ref, args.subscriptions, args.drift, base)
        print(json.dumps(result, indent=2))
        _print_comparison(result)
        figures = result
    else:
        figures = run(args.subscriptions, args.drift, args.port_base)
        print(json.dumps(figures, indent=2))
    if args.json_out is not None:
        args.json_out.write_text(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
