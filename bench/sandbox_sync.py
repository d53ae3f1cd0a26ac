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

Each timed step runs in a fresh process (``bench.sync_step``), as an operator's command
would, and also prints that process's peak resident memory.

Run: ``python -m bench.sandbox_sync [--subscriptions N] [--drift 0.01] [--port-base N]
[--compare-ref GIT_REF] [--hold-first-load]``. ``--hold-first-load`` makes the first load
without ``--allow-mass-changes``, as an operator would: every plan waits for the safety
valve's verdict (on disk past 10,000) instead of being written as its chunk is planned.
With ``--compare-ref`` the same steps run twice on the same data, each in a fresh process
against the same (this tree's) sandbox code: once with the connector of ``GIT_REF`` (checked
out in a temporary worktree) and once with this tree's; the ratios this/ref are printed,
because absolute times on shared machines move by 2x from one machine to the next.
"""

from __future__ import annotations

import argparse
import json
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

from bench.proc_stats import cpu_seconds
from connector.config import load_settings
from connector.logs import configure_logging
from connector.sandbox.common.server import free_port
from connector.sandbox.dataset import make_subscription
from connector.sandbox.local import STRIPE_KEY, SandboxEndpoints, connect_odoo
from connector.sandbox.seeding import drift_targets, seed_billing
from connector.schema import SubscriptionStatus


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


def _step(
    config: Path, step: str, total: int, sandbox_pid: int, cursor: str | None = None
) -> dict[str, Any]:
    """One step in a fresh process (see bench.sync_step), with the sandbox's CPU during it."""
    with tempfile.NamedTemporaryFile(suffix=".json") as out:
        command = [
            sys.executable,
            "-m",
            "bench.sync_step",
            "--config",
            str(config),
            "--step",
            step,
            "--subscriptions",
            str(total),
            "--out",
            out.name,
        ]
        if cursor is not None:
            command += ["--cursor", cursor]
        sandbox_before = cpu_seconds(sandbox_pid)
        subprocess.run(command, check=True, cwd=config.parent, env=_with_this_bench())
        figures: dict[str, Any] = json.loads(Path(out.name).read_text())
    figures["sandbox_cpu_seconds"] = round(cpu_seconds(sandbox_pid) - sandbox_before, 2)
    return figures


def _with_this_bench() -> dict[str, str]:
    """The environment with this bench first on the path (the connector measured after it,
    where ``--compare-ref`` put it)."""
    here = str(Path(__file__).resolve().parent.parent)
    rest = os.environ.get("PYTHONPATH")
    return dict(os.environ, PYTHONPATH=os.pathsep.join([here, rest]) if rest else here)


def run(
    total: int = 100_000,
    drift: float = 0.01,
    port_base: int | None = None,
    held: bool = False,
) -> dict[str, Any]:
    configure_logging("json", "WARNING")
    with tempfile.TemporaryDirectory(prefix="subsync-bench-") as scratch:
        process, endpoints, config = start_sandbox(Path(scratch), port_base)
        try:
            settings = load_settings(config)
            begin = time.perf_counter()
            seed_billing(endpoints.stripe_url, total)
            seed_seconds = time.perf_counter() - begin
            first = _step(config, "first-held" if held else "first", total, process.pid)
            drift_targets(
                settings, endpoints, connect_odoo(endpoints.odoo_port), total, drift, seed=11
            )
            full = _step(config, "full", total, process.pid)
            # Stripe refuses changes to cancelled subscriptions (as it should): pick active ones.
            generated = (make_subscription(n) for n in range(1, total + 1))
            active = [sub.id for sub in generated if sub.status is SubscriptionStatus.ACTIVE]
            changed = random.Random(11).sample(active, k=round(total * drift))
            _change_in_billing(endpoints.stripe_url, changed)
            incremental = _step(config, "feed", total, process.pid, full.pop("cursor", None))
            incremental["changed_in_billing"] = len(changed)
        finally:
            process.terminate()
            process.wait(timeout=30)
    return {
        "subscriptions": total,
        "seed_billing_seconds": round(seed_seconds, 2),
        "first_load": first,
        "full_reconcile": full,
        "incremental": incremental,
    }


STEPS = ("first_load", "full_reconcile", "incremental")
COMPARED = ("seconds", "connector_cpu_seconds", "sandbox_cpu_seconds", "peak_rss_mb")


def _run_child(
    source: Path,
    benches: Path,
    total: int,
    drift: float,
    port_base: int,
    out: Path,
    held: bool = False,
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
            *(["--hold-first-load"] if held else []),
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


def compare(
    ref: str, total: int, drift: float, port_base: int, held: bool = False
) -> dict[str, Any]:
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
                worktree, benches, total, drift, port_base, Path(scratch) / "ref.json", held
            )
            after = _run_child(
                _tree(), benches, total, drift, port_base, Path(scratch) / "this.json", held
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
    parser.add_argument(
        "--hold-first-load",
        action="store_true",
        help="make the first load as an operator does without --allow-mass-changes: every "
        "plan waits for the safety valve's verdict",
    )
    args = parser.parse_args()
    if args.compare_ref:
        base = args.port_base or free_port()
        held = args.hold_first_load
        result = compare(args.compare_ref, args.subscriptions, args.drift, base, held)
        print(json.dumps(result, indent=2))
        _print_comparison(result)
        figures = result
    else:
        figures = run(args.subscriptions, args.drift, args.port_base, args.hold_first_load)
        print(json.dumps(figures, indent=2))
    if args.json_out is not None:
        args.json_out.write_text(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
