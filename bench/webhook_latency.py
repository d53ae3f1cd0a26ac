"""Benchmark: webhook-to-applied latency through the local sandbox, at a steady event rate.

Three processes on 127.0.0.1: the sandbox (``connector sandbox up``: the Stripe, Salesforce
and Odoo emulators), the daemon (``connector run --no-poller``: webhook receiver and workers,
so only webhooks drive it) and this one, which seeds billing, makes the first full load,
registers a webhook endpoint at the Stripe emulator pointing at the daemon, and then changes
subscriptions through the Stripe emulator's API at a fixed rate (open loop: change ``i`` is
due at ``start + i / rate``; one more seat on a distinct active subscription each time, over
a few keep-alive connections). The count is ``rate * seconds`` and the sending stops at
``seconds`` (plus a short grace); the wait for the last changes is bounded too.

Latency of one change: from ``t0`` (this process's wall clock just before the POST that
changes the subscription in Stripe; the emulator's event ``created`` is second-granular) to
"applied". **Applied** means: the connector's audit trail holds an entry with outcome
``applied`` for that subscription whose ``at`` is later than ``t0``. The reconciler writes
that entry only after the writes to Salesforce AND Odoo were made and read back and compared
(``verify_writes``), so at ``at`` the change was visible in both systems; ``at`` is taken just
before the store commit (the commit itself is reported separately). Nothing polls the
emulators or the store while the changes are sent: the timestamps are read afterwards from the
connector's store (polled read-only at 4 Hz only once the sending is over, to wait for the
last changes) and from the Stripe emulator's delivery log, so the measurement adds no load.

Where the time goes, per change (all wall-clock, one machine):

- ``stripe_api``: the POST to Stripe, t0 to its answer (the event is emitted inside it);
- ``delivery``: Stripe's answer to the webhook's intake commit in the daemon
  (``webhook_event.received_at``): the emulator's deliberate random delay (uniform
  0..``webhook_max_jitter_seconds``, 50 ms by default), its 4 delivery threads, the HTTP
  POST, the signature check and the receiver's group commit;
- ``queue_wait``: intake commit to the start of the reconcile run that took the key
  (``run.started_at``), split into ``idle`` (the worker that took it was idle: it waits for
  the receiver's doorbell, or ``daemon.idle_seconds`` for keys queued elsewhere) and ``busy``
  (it was still reconciling an earlier batch);
- ``reconcile``: run start to the audit entry (read Stripe, read the targets, plan, write,
  read back); ``commit``: audit entry to the run's end.

Afterwards, with the daemon stopped, a few batches of the typical size are reconciled in this
process with timers around the reconciler's phases (plan / apply / verify / record), to split
``reconcile`` further. These run without the daemon's load, so they are a lower bound.

Also printed: the API calls per run (the connector's own counts, from the runs' summaries),
the emulators' request counters by endpoint (``/__sandbox/stats``) per run, and the CPU used by
the sandbox, the daemon, this process and the rest of the machine during the window: on a
shared 2-core machine, other processes' load moves the figures a lot; read them with it.

The daemon's settings come from the environment as usual (``CONNECTOR_DAEMON__WORKERS``,
``CONNECTOR_DAEMON__BATCH_SIZE``), or ``--workers`` / ``--batch-size`` /
``--worker-idle-seconds`` (``CONNECTOR_DAEMON__IDLE_SECONDS``).

Goal (the issue): p99 < 500 ms at 50 events/s on the 2-core machine.

Run: ``python -m bench.webhook_latency [--rate 50] [--seconds 30] [--subscriptions 2000]
[--workers N] [--batch-size N] [--worker-idle-seconds S] [--json]``
"""

from __future__ import annotations

import argparse
import datetime as dt
import itertools
import json
import os
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from bench.proc_stats import cpu_seconds, machine_busy_seconds
from connector.config import Settings, load_settings
from connector.logs import configure_logging
from connector.reconciler import RunOptions
from connector.runtime import open_runtime
from connector.sandbox.common.server import free_port
from connector.sandbox.local import STRIPE_KEY
from connector.sandbox.seeding import seed_billing
from connector.sandbox.stripe.config import StripeSandboxConfig
from connector.webhooks.app import STRIPE_PATH
from connector.worker import DEFAULT_IDLE_SECONDS

# What operators were promised: a change in both targets within a quarter of a second.
GOAL_P50_SECONDS = 0.1
GOAL_P99_SECONDS = 0.25
SENDERS = 4  # keep-alive connections to the Stripe emulator
SEND_GRACE_SECONDS = 5.0  # sending stops this long after the last change was due
DRAIN_TIMEOUT_SECONDS = 30.0  # bounded wait for the last changes to be applied
STARTUP_TIMEOUT_SECONDS = 60.0
PROFILE_BATCHES = 8
EVENTS = ["customer.subscription.updated"]


# -- processes ----------------------------------------------------------------------------


def _connector_command() -> list[str]:
    script = Path(sys.executable).with_name("connector")
    if script.exists():
        return [str(script)]
    return [sys.executable, "-c", "from connector.cli.app import main; main()"]


def _start_sandbox(directory: Path, log: Path) -> tuple[subprocess.Popen[bytes], str, Path]:
    """``connector sandbox up`` in a subprocess; (process, Stripe URL, connector.toml).

    A port of the three it picks may be taken meanwhile by another process: up to three tries.
    """
    for attempt in range(3):
        try:
            return _start_sandbox_once(directory, log)
        except RuntimeError:
            if attempt == 2:
                tail = log.read_text(errors="replace")[-2000:] if log.exists() else ""
                raise RuntimeError(f"the sandbox did not start:\n{tail}") from None
    raise AssertionError("unreachable")


def _start_sandbox_once(directory: Path, log: Path) -> tuple[subprocess.Popen[bytes], str, Path]:
    with log.open("wb") as out:
        process = subprocess.Popen(
            [
                *_connector_command(),
                "sandbox",
                "up",
                "--dir",
                str(directory),
                "--port-base",
                str(free_port()),
            ],
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    deadline = time.monotonic() + STARTUP_TIMEOUT_SECONDS
    info_path = directory / "sandbox.json"
    while not info_path.exists():
        if time.monotonic() > deadline or process.poll() is not None:
            _stop(process)
            raise RuntimeError(f"the sandbox did not start; see {log}")
        time.sleep(0.2)
    time.sleep(0.2)  # sandbox.json is written right after connector.toml; let it finish
    info = json.loads(info_path.read_text())
    return process, str(info["stripe"]["url"]), directory / "connector.toml"


def _daemon_env(secret: str, port: int, overrides: dict[str, str]) -> dict[str, str]:
    environ = dict(os.environ)
    environ.update(
        {
            "CONNECTOR_WEBHOOK__SECRETS": secret,
            "CONNECTOR_WEBHOOK__PORT": str(port),
            "CONNECTOR_LOG_LEVEL": "WARNING",
            "CONNECTOR_LOG_FORMAT": "json",
            **overrides,
        }
    )
    return environ


def _start_daemon(
    config: Path,
    environ: dict[str, str],
    port: int,
    log: Path,
    idle_seconds: float | None,
) -> subprocess.Popen[bytes]:
    """``connector run --no-poller`` (``idle_seconds``: the daemon's ``idle_seconds``)."""
    arguments = ["run", "--config", str(config), "--no-poller"]
    command = [*_connector_command(), *arguments]
    if idle_seconds is not None:
        environ = {**environ, "CONNECTOR_DAEMON__IDLE_SECONDS": str(float(idle_seconds))}
    with log.open("wb") as out:
        process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, env=environ)
    deadline = time.monotonic() + STARTUP_TIMEOUT_SECONDS
    while True:
        if process.poll() is not None:
            raise RuntimeError(f"the daemon exited ({process.returncode}); see {log}")
        try:
            if httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=2).status_code == 200:
                return process
        except httpx.HTTPError:
            pass
        if time.monotonic() > deadline:
            _stop(process)
            raise RuntimeError(f"the daemon was not ready in time; see {log}")
        time.sleep(0.2)


def _stop(process: subprocess.Popen[bytes], timeout: float = 30.0) -> None:
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=10)


def _load_average() -> float:
    try:
        return float(Path("/proc/loadavg").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return float("nan")


def _emulator_calls(directory: Path, reset: bool = False) -> dict[str, int]:
    """The emulators' own request counters (``/__sandbox/stats``), "system METHOD label"."""
    info = json.loads((directory / "sandbox.json").read_text())
    bases = {
        "stripe": (info["stripe"]["url"], True),
        "salesforce": (info["salesforce"]["instance_url"], info["salesforce"]["ca_bundle"]),
        "odoo": (info["odoo"]["url"], True),
    }
    counts: dict[str, int] = {}
    for system, (base, verify) in bases.items():
        response = httpx.request(
            "DELETE" if reset else "GET", f"{base}/__sandbox/stats", verify=verify, timeout=10
        )
        response.raise_for_status()
        for label, count in response.json()["calls"].items():
            counts[f"{system} {label}"] = int(count)
    return counts


# -- Stripe, through its API ----------------------------------------------------------------


def _stripe_client(url: str) -> httpx.Client:
    return httpx.Client(base_url=url, headers={"Authorization": f"Bearer {STRIPE_KEY}"}, timeout=30)


def _active_items(client: httpx.Client) -> list[tuple[str, str, int]]:
    """(subscription, its first item, quantity) of every active subscription."""
    found: list[tuple[str, str, int]] = []
    params = {"status": "active", "limit": "100"}
    while True:
        response = client.get("/v1/subscriptions", params=params)
        response.raise_for_status()
        page = response.json()
        for sub in page["data"]:
            item = sub["items"]["data"][0]
            found.append((sub["id"], item["id"], int(item["quantity"])))
        if not page["has_more"] or not page["data"]:
            return found
        params["starting_after"] = page["data"][-1]["id"]


def _register_endpoint(client: httpx.Client, url: str) -> str:
    data = {"url": url, **{f"enabled_events[{i}]": e for i, e in enumerate(EVENTS)}}
    response = client.post("/v1/webhook_endpoints", data=data)
    response.raise_for_status()
    return str(response.json()["secret"])


@dataclass
class Change:
    key: str
    due: float  # wall clock the schedule asked for
    t0: float = 0.0  # wall clock just before the POST
    answered: float = 0.0  # wall clock when Stripe answered
    ok: bool = False


def _send_changes(
    stripe_url: str,
    items: Sequence[tuple[str, str, int]],
    rate: float,
    seconds: float,
) -> list[Change]:
    """One more seat on ``rate * seconds`` subscriptions, change i due at start + i / rate."""
    count = int(rate * seconds)
    start = time.time() + 0.2
    changes = [Change(items[i % len(items)][0], start + i / rate) for i in range(count)]
    quantities = {key: quantity for key, _item, quantity in items}
    item_of = {key: item for key, item, _quantity in items}
    lock = threading.Lock()
    cursor = iter(range(count))
    stop_at = start + seconds + SEND_GRACE_SECONDS

    def sender() -> None:
        with _stripe_client(stripe_url) as client:
            while True:
                with lock:
                    index = next(cursor, None)
                    if index is None:
                        return
                    change = changes[index]
                    quantities[change.key] += 1
                    quantity = quantities[change.key]
                wait = change.due - time.time()
                if wait > 0:
                    time.sleep(wait)
                if time.time() > stop_at:
                    return
                change.t0 = time.time()
                try:
                    response = client.post(
                        f"/v1/subscriptions/{change.key}",
                        data={
                            "items[0][id]": item_of[change.key],
                            "items[0][quantity]": str(quantity),
                        },
                    )
                    change.ok = response.status_code == 200
                except httpx.HTTPError:
                    change.ok = False
                change.answered = time.time()

    threads = [threading.Thread(target=sender, daemon=True) for _ in range(SENDERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=seconds + SEND_GRACE_SECONDS + 60)
    return [c for c in changes if c.ok]


# -- reading the connector's store ----------------------------------------------------------


def _seconds(text: str | None) -> float:
    return dt.datetime.fromisoformat(text).timestamp() if text else float("nan")


def _store_path(settings: Settings) -> Path:
    url = settings.store_url
    if not url.startswith("sqlite:///"):
        raise RuntimeError("this benchmark reads the daemon's SQLite store directly")
    return Path(url.removeprefix("sqlite:///"))


@contextmanager
def _read_only(path: Path) -> Iterator[sqlite3.Connection]:
    connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=10)
    try:
        yield connection
    finally:
        connection.close()


def _iso(seconds: float) -> str:
    return dt.datetime.fromtimestamp(seconds, dt.UTC).isoformat(timespec="microseconds")


def _wait_applied(path: Path, since: float, keys: set[str], deadline: float) -> None:
    """Poll (4 Hz, one indexed-by-time query) until every key has an applied entry."""
    with _read_only(path) as db:
        while time.time() < deadline:
            rows = db.execute(
                "SELECT DISTINCT subscription_id FROM audit WHERE at >= ? AND outcome = 'applied'",
                (_iso(since),),
            ).fetchall()
            if keys <= {row[0] for row in rows}:
                return
            time.sleep(0.25)


@dataclass
class Trail:
    """What the store says happened after ``since``."""

    audit: dict[str, list[tuple[float, str, str]]] = field(default_factory=dict)
    received: dict[str, list[tuple[float, str]]] = field(default_factory=dict)
    runs: dict[str, tuple[float, float, str, int]] = field(default_factory=dict)
    calls: dict[str, list[int]] = field(default_factory=dict)  # system -> [reads, writes]


def _read_trail(path: Path, since: float) -> Trail:
    trail = Trail()
    after = _iso(since)
    with _read_only(path) as db:
        for at, run_id, key, outcome in db.execute(
            "SELECT at, run_id, subscription_id, outcome FROM audit WHERE at >= ? ORDER BY at",
            (after,),
        ):
            trail.audit.setdefault(key, []).append((_seconds(at), run_id, outcome))
        for event_id, key, received in db.execute(
            "SELECT id, key, received_at FROM webhook_event WHERE received_at >= ? "
            "ORDER BY received_at",
            (after,),
        ):
            trail.received.setdefault(key, []).append((_seconds(received), event_id))
        for run_id, started, finished, summary in db.execute(
            "SELECT id, started_at, finished_at, summary FROM run WHERE started_at >= ? "
            "AND kind = 'queue'",
            (after,),
        ):
            body = json.loads(summary or "{}")
            for system, cost in body.get("cost", {}).items():
                spent = trail.calls.setdefault(system, [0, 0])
                spent[0] += int(cost.get("reads", 0))
                spent[1] += int(cost.get("writes", 0))
            trail.runs[run_id] = (
                _seconds(started),
                _seconds(finished),
                "",
                int(body.get("subscriptions", 0)),
            )
        for run_id, correlation in db.execute(
            "SELECT DISTINCT run_id, correlation_id FROM audit WHERE at >= ?", (after,)
        ):
            if run_id in trail.runs:
                started, finished, _worker, size = trail.runs[run_id]
                worker = correlation.rsplit(":", 1)[0]
                trail.runs[run_id] = (started, finished, worker, size)
    return trail


# -- statistics ----------------------------------------------------------------------------


def _quantile(values: Sequence[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))
    return ordered[index]


def _ms(values: Sequence[float], prefix: str) -> dict[str, float]:
    if not values:
        return {}
    return {
        f"{prefix}_p50_ms": round(_quantile(values, 0.50) * 1000, 1),
        f"{prefix}_p95_ms": round(_quantile(values, 0.95) * 1000, 1),
        f"{prefix}_p99_ms": round(_quantile(values, 0.99) * 1000, 1),
        f"{prefix}_max_ms": round(max(values) * 1000, 1),
        f"{prefix}_mean_ms": round(statistics.fmean(values) * 1000, 1),
    }


def _first_after(rows: Sequence[tuple[float, str]], t0: float) -> tuple[float, str] | None:
    return next((row for row in rows if row[0] >= t0), None)


def _analyse(changes: Sequence[Change], trail: Trail, attempts: dict[str, Any]) -> dict[str, float]:
    latency: list[float] = []
    parts: dict[str, list[float]] = defaultdict(list)
    unapplied = 0
    # per worker, its runs in order: to tell idle sleep from waiting behind a busy worker
    by_worker: dict[str, list[tuple[float, float]]] = defaultdict(list)
    for started, finished, worker, _size in trail.runs.values():
        by_worker[worker].append((started, finished))
    for runs in by_worker.values():
        runs.sort()
    previous_end: dict[tuple[str, float], float] = {}
    gaps: list[float] = []
    for worker, runs in by_worker.items():
        for before, after in itertools.pairwise(runs):
            previous_end[(worker, after[0])] = before[1]
            gaps.append(after[0] - before[1])
    run_keys: dict[str, int] = defaultdict(int)
    rows: list[tuple[float, dict[str, float]]] = []
    for change in changes:
        applied = next(
            (
                (at, run_id)
                for at, run_id, outcome in trail.audit.get(change.key, [])
                if at >= change.t0 and outcome == "applied"
            ),
            None,
        )
        if applied is None:
            unapplied += 1
            continue
        at, run_id = applied
        latency.append(at - change.t0)
        run_keys[run_id] += 1
        parts["stripe_api"].append(change.answered - change.t0)
        received = _first_after(trail.received.get(change.key, []), change.t0)
        run = trail.runs.get(run_id)
        if received is None or run is None:
            continue
        received_at, event_id = received
        started, finished, worker, size = run
        parts["delivery"].append(received_at - change.answered)
        delivered = attempts.get(event_id)
        if delivered is not None:
            parts["stripe_side_delivery"].append(delivered["at"] - change.answered)
        wait = started - received_at
        parts["queue_wait"].append(wait)
        busy_until = previous_end.get((worker, started), float("-inf"))
        busy = max(0.0, min(wait, busy_until - received_at))
        parts["queue_wait_busy"].append(busy)
        parts["queue_wait_idle"].append(max(0.0, wait - busy))
        parts["reconcile"].append(at - started)
        parts["commit"].append(finished - at)
        rows.append(
            (
                at - change.t0,
                {
                    "stripe_api": change.answered - change.t0,
                    "delivery": received_at - change.answered,
                    "queue_wait_idle": max(0.0, wait - busy),
                    "queue_wait_busy": busy,
                    "reconcile": at - started,
                    "batch_keys": float(size),
                },
            )
        )
    figures: dict[str, float] = {
        "events_sent": float(len(changes)),
        "events_applied": float(len(latency)),
        "events_not_applied": float(unapplied),
        **_ms(latency, "latency"),
        "goal_p50_ms": GOAL_P50_SECONDS * 1000,
        "goal_p99_ms": GOAL_P99_SECONDS * 1000,
        "goal_met": float(
            bool(latency)
            and _quantile(latency, 0.5) < GOAL_P50_SECONDS
            and _quantile(latency, 0.99) < GOAL_P99_SECONDS
        ),
        "share_over_goal": round(
            sum(1 for v in latency if v >= GOAL_P99_SECONDS) / max(1, len(latency)), 4
        ),
    }
    for name, values in parts.items():
        figures.update(_ms(values, name))
    # the slowest 5 %: which part made them slow
    rows.sort(key=lambda row: row[0])
    tail = rows[int(len(rows) * 0.95) :]
    for name in tail[0][1] if tail else ():
        if name == "batch_keys":
            continue
        figures[f"tail5pct_{name}_mean_ms"] = round(
            statistics.fmean(parts[name] for _latency, parts in tail) * 1000, 1
        )
    if tail:
        figures["tail5pct_batch_keys_mean"] = round(
            statistics.fmean(parts["batch_keys"] for _latency, parts in tail), 2
        )
    sizes = [size for *_rest, size in trail.runs.values()]
    by_size: dict[str, list[float]] = defaultdict(list)
    for started, finished, _worker, size in trail.runs.values():
        bucket = "1-4" if size < 5 else "5-9" if size < 10 else "10-19" if size < 20 else "20+"
        by_size[bucket].append(finished - started)
    for system, (reads, writes) in trail.calls.items():
        figures[f"calls_per_run_{system}_reads"] = round(reads / max(1, len(trail.runs)), 2)
        figures[f"calls_per_run_{system}_writes"] = round(writes / max(1, len(trail.runs)), 2)
    for bucket, values in by_size.items():
        figures[f"run_ms_mean_batch_{bucket}"] = round(statistics.fmean(values) * 1000, 1)
        figures[f"runs_batch_{bucket}"] = float(len(values))
    durations = [finished - started for started, finished, *_rest in trail.runs.values()]
    figures.update(
        {
            "runs": float(len(trail.runs)),
            "batch_keys_mean": round(statistics.fmean(sizes), 2) if sizes else 0.0,
            "batch_keys_max": float(max(sizes, default=0)),
            **_ms(durations, "run_duration"),
            "worker_gaps_over_100ms_share": round(
                sum(1 for g in gaps if g > 0.1) / max(1, len(gaps)), 3
            ),
            "deliveries_retried": float(sum(1 for a in attempts.values() if a["attempt"] > 1)),
        }
    )
    return figures


def _delivery_log(client: httpx.Client) -> dict[str, Any]:
    """The first successful delivery of each event, from the emulator's attempt log."""
    response = client.get("/__sandbox/webhook_attempts")
    response.raise_for_status()
    first: dict[str, Any] = {}
    for attempt in response.json()["data"]:
        if attempt["delivered"] and attempt["event_id"] not in first:
            first[attempt["event_id"]] = attempt
    return first


# -- reconcile phases, in process ----------------------------------------------------------


def _profile_phases(
    settings: Settings, stripe_url: str, keys: Sequence[str], batch: int
) -> dict[str, float]:
    """Reconcile ``PROFILE_BATCHES`` fresh batches here, timing the reconciler's phases."""
    import connector.reconciler as module

    timings: dict[str, list[float]] = defaultdict(list)

    def timed(name: str, function: Callable[..., Any]) -> Callable[..., Any]:
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            begin = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                timings[name].append(time.perf_counter() - begin)

        return wrapper

    batch = max(1, batch)
    original_apply = getattr(module, "apply_plans")  # noqa: B009 - not exported, but patched
    original_read_back = getattr(module, "read_back")  # noqa: B009 - likewise
    original_record = getattr(module, "what_to_record")  # noqa: B009 - likewise
    original_save = getattr(module, "save")  # noqa: B009 - likewise
    phase_calls: dict[str, Counter[str]] = defaultdict(Counter)
    with _stripe_client(stripe_url) as client, open_runtime(settings) as runtime:
        items = {key: (item, quantity) for key, item, quantity in _active_items(client)}
        reconciler: Any = runtime.reconciler
        counters = {
            system: adapter.calls
            for system, adapter in [
                (reconciler.source.system, reconciler.source),
                *reconciler.targets.items(),
            ]
        }

        def counted(phase: str, function: Callable[..., Any]) -> Callable[..., Any]:
            """Calls made by ``function``, per system and label, kept under ``phase``."""

            def wrapper(*args: Any, **kwargs: Any) -> Any:
                before = {s: dict(c.by_label) for s, c in counters.items()}
                try:
                    return function(*args, **kwargs)
                finally:
                    for system, counter in counters.items():
                        for label, count in counter.by_label.items():
                            spent = count - before[system].get(label, 0)
                            if spent:
                                phase_calls[phase][f"{system} {label}"] += spent

            return wrapper

        reconciler._plan_keys = counted("planning", timed("plan", reconciler._plan_keys))
        reconciler.source.get = timed("plan_stripe_reads", reconciler.source.get)
        read_target = reconciler.reader.read_target

        def read_target_timed(target: Any, present: Any) -> Any:
            return timed(f"plan_{target.system}_reads", read_target)(target, present)

        reconciler.reader.read_target = read_target_timed
        setattr(module, "what_to_record", timed("record", original_record))  # noqa: B010
        setattr(module, "save", timed("save", original_save))  # noqa: B010
        setattr(module, "apply_plans", counted("writing", timed("apply", original_apply)))  # noqa: B010
        setattr(module, "read_back", counted("verification", timed("verify", original_read_back)))  # noqa: B010
        try:
            totals: list[float] = []
            for number in range(PROFILE_BATCHES):
                chosen = [k for k in keys[number * batch : (number + 1) * batch] if k in items]
                if not chosen:
                    break
                for key in chosen:
                    item, quantity = items[key]
                    client.post(
                        f"/v1/subscriptions/{key}",
                        data={"items[0][id]": item, "items[0][quantity]": str(quantity + 1)},
                    ).raise_for_status()
                begin = time.perf_counter()
                reconciler.reconcile(chosen, RunOptions(kind="queue"))
                totals.append(time.perf_counter() - begin)
        finally:
            setattr(module, "apply_plans", original_apply)  # noqa: B010
            setattr(module, "read_back", original_read_back)  # noqa: B010
            setattr(module, "what_to_record", original_record)  # noqa: B010
            setattr(module, "save", original_save)  # noqa: B010
    figures = {"profile_batch_keys": float(batch), "profile_batches": float(len(totals))}
    runs = max(1, len(totals))
    for phase, calls in phase_calls.items():
        for label, count in sorted(calls.items()):
            figures[f"profile_calls_per_run[{phase}: {label}]"] = round(count / runs, 2)
    figures.update(_ms(totals, "profile_total"))
    for name, values in timings.items():
        figures[f"profile_{name}_mean_ms"] = round(statistics.fmean(values) * 1000, 1)
    return figures


# -- the benchmark ---------------------------------------------------------------------------


def run(
    rate: float = 50.0,
    seconds: float = 30.0,
    subscriptions: int = 2000,
    *,
    workers: int | None = None,
    batch_size: int | None = None,
    worker_idle_seconds: float | None = None,
    profile: bool = True,
) -> dict[str, float]:
    configure_logging("json", "WARNING")
    overrides: dict[str, str] = {}
    if workers is not None:
        overrides["CONNECTOR_DAEMON__WORKERS"] = str(workers)
    if batch_size is not None:
        overrides["CONNECTOR_DAEMON__BATCH_SIZE"] = str(batch_size)
    with tempfile.TemporaryDirectory(prefix="subsync-latency-") as scratch:
        directory = Path(scratch)
        sandbox, stripe_url, config = _start_sandbox(directory, directory / "sandbox.log")
        daemon: subprocess.Popen[bytes] | None = None
        try:
            settings = load_settings(config)
            seed_billing(stripe_url, subscriptions)
            with open_runtime(settings) as runtime:
                runtime.reconciler.reconcile_all(RunOptions(kind="full", allow_mass_changes=True))
            port = free_port()
            with _stripe_client(stripe_url) as client:
                secret = _register_endpoint(client, f"http://127.0.0.1:{port}{STRIPE_PATH}")
                items = _active_items(client)
            if not items:
                raise RuntimeError("no active subscription to change")
            environ = _daemon_env(secret, port, overrides)
            daemon_settings = _settings_from(config, environ)
            daemon = _start_daemon(
                config, environ, port, directory / "daemon.log", worker_idle_seconds
            )
            cpu_before = {
                "sandbox": cpu_seconds(sandbox.pid),
                "daemon": cpu_seconds(daemon.pid),
                "bench": time.process_time(),
                "machine": machine_busy_seconds(),
            }
            _emulator_calls(directory, reset=True)
            began = time.time()
            changes = _send_changes(stripe_url, items, rate, seconds)
            sent_seconds = time.time() - began
            store = _store_path(settings)
            _wait_applied(
                store, began, {c.key for c in changes}, time.time() + DRAIN_TIMEOUT_SECONDS
            )
            window = time.time() - began
            cpu = {
                "sandbox": cpu_seconds(sandbox.pid) - cpu_before["sandbox"],
                "daemon": cpu_seconds(daemon.pid) - cpu_before["daemon"],
                "bench": time.process_time() - cpu_before["bench"],
                "machine": machine_busy_seconds() - cpu_before["machine"],
            }
            cpu["other_processes"] = max(
                0.0, cpu["machine"] - cpu["sandbox"] - cpu["daemon"] - cpu["bench"]
            )
            load_average = _load_average()
            with _stripe_client(stripe_url) as client:
                attempts = _delivery_log(client)
            emulator_calls = _emulator_calls(directory)
            _stop(daemon)
            trail = _read_trail(store, began)
            figures: dict[str, float] = {
                "rate_target": rate,
                "seconds": seconds,
                "subscriptions": float(subscriptions),
                "active_subscriptions_changed_from": float(len(items)),
                "rate_achieved": round(len(changes) / max(1e-9, sent_seconds), 2),
                "send_lag_p99_ms": round(
                    _quantile([c.t0 - c.due for c in changes], 0.99) * 1000, 1
                ),
                "daemon_workers": float(daemon_settings.daemon.workers),
                "daemon_batch_size": float(daemon_settings.daemon.batch_size),
                "worker_idle_seconds": worker_idle_seconds
                if worker_idle_seconds is not None
                else DEFAULT_IDLE_SECONDS,
                # what ``connector sandbox up`` runs with: the emulator's default
                "stripe_webhook_max_jitter_ms": StripeSandboxConfig().webhook_max_jitter_seconds
                * 1000,
                **_analyse(changes, trail, attempts),
                **{f"cpu_cores_{name}": round(v / window, 2) for name, v in cpu.items()},
                "cpu_count": float(os.cpu_count() or 0),
                "load_average_1min_at_end": load_average,
            }
            runs = max(1.0, figures.get("runs", 1.0))
            for label, count in emulator_calls.items():
                figures[f"emulator_calls_per_run[{label}]"] = round(count / runs, 2)
            if profile:
                size = max(1, round(figures.get("batch_keys_mean", 1.0)))
                unused = [key for key, _item, _q in reversed(items)]
                figures.update(_profile_phases(settings, stripe_url, unused, size))
        finally:
            if daemon is not None:
                _stop(daemon)
            _stop(sandbox)
    return figures


def _settings_from(config: Path, environ: dict[str, str]) -> Settings:
    """The settings the daemon will see (its environment over the file)."""
    saved = dict(os.environ)
    try:
        os.environ.clear()
        os.environ.update(environ)
        return load_settings(config)
    finally:
        os.environ.clear()
        os.environ.update(saved)


def _print(figures: dict[str, float]) -> None:
    def get(name: str) -> str:
        value = figures.get(name)
        return "-" if value is None else f"{value:g}"

    print(
        f"settings: rate {get('rate_target')}/s for {get('seconds')} s over "
        f"{get('subscriptions')} subscriptions; daemon workers {get('daemon_workers')}, "
        f"batch_size {get('daemon_batch_size')}, worker idle sleep "
        f"{get('worker_idle_seconds')} s; Stripe emulator delivery jitter 0-"
        f"{get('stripe_webhook_max_jitter_ms')} ms"
    )
    print(
        f"events sent {get('events_sent')} (achieved {get('rate_achieved')}/s, send lag p99 "
        f"{get('send_lag_p99_ms')} ms), applied {get('events_applied')}, not applied "
        f"{get('events_not_applied')}"
    )
    print(
        "applied = an 'applied' audit entry for the subscription after t0: written after the "
        "writes to Salesforce and Odoo were read back and matched (visible in both)"
    )
    print(
        f"latency ms: p50 {get('latency_p50_ms')}  p95 {get('latency_p95_ms')}  "
        f"p99 {get('latency_p99_ms')}  max {get('latency_max_ms')}  "
        f"(goal p50 < {get('goal_p50_ms')}, p99 < {get('goal_p99_ms')}: "
        f"{'met' if figures.get('goal_met') else 'MISSED'})"
    )
    print("where the time goes (ms):     p50      p95      p99     mean")
    for part in (
        "stripe_api",
        "delivery",
        "queue_wait",
        "queue_wait_idle",
        "queue_wait_busy",
        "reconcile",
        "commit",
    ):
        print(
            f"  {part:<24}"
            + "".join(f"{get(f'{part}_{q}_ms'):>9}" for q in ("p50", "p95", "p99", "mean"))
        )
    print(
        f"slowest 5 % (mean ms): stripe_api {get('tail5pct_stripe_api_mean_ms')}, delivery "
        f"{get('tail5pct_delivery_mean_ms')}, queue idle {get('tail5pct_queue_wait_idle_mean_ms')}"
        f", queue busy {get('tail5pct_queue_wait_busy_mean_ms')}, reconcile "
        f"{get('tail5pct_reconcile_mean_ms')}; their batches average "
        f"{get('tail5pct_batch_keys_mean')} keys"
    )
    print(
        "run duration by batch keys (mean ms, runs): "
        + ", ".join(
            f"{bucket}: {get(f'run_ms_mean_batch_{bucket}')} ({get(f'runs_batch_{bucket}')})"
            for bucket in ("1-4", "5-9", "10-19", "20+")
            if f"runs_batch_{bucket}" in figures
        )
    )
    calls = sorted(k for k in figures if k.startswith("calls_per_run_"))
    print("API calls per run: " + ", ".join(f"{k[14:]} {get(k)}" for k in calls))
    emulator = sorted(
        (k for k in figures if k.startswith("emulator_calls_per_run[")),
        key=lambda k: -figures[k],
    )
    print(
        "emulator requests per run (all sources: the daemon's runs and Stripe's API "
        "changes/deliveries): " + ", ".join(f"{k[23:-1]} {get(k)}" for k in emulator[:12])
    )
    print(
        f"runs {get('runs')}: keys per batch mean {get('batch_keys_mean')} max "
        f"{get('batch_keys_max')}; run duration p50 {get('run_duration_p50_ms')} p99 "
        f"{get('run_duration_p99_ms')} ms; worker gaps > 100 ms (idle sleeps) "
        f"{get('worker_gaps_over_100ms_share')}; webhook deliveries retried "
        f"{get('deliveries_retried')}"
    )
    print(
        f"CPU cores used: sandbox {get('cpu_cores_sandbox')}, daemon {get('cpu_cores_daemon')}, "
        f"load generator {get('cpu_cores_bench')}, other processes on the machine "
        f"{get('cpu_cores_other_processes')} (machine busy {get('cpu_cores_machine')} of "
        f"{get('cpu_count')} cores; load average {get('load_average_1min_at_end')})"
    )
    if "profile_batches" in figures:
        print(
            f"reconcile phases in process, {get('profile_batches')} batches of "
            f"{get('profile_batch_keys')} keys, no other load (mean ms): plan "
            f"{get('profile_plan_mean_ms')}, apply {get('profile_apply_mean_ms')}, verify "
            f"{get('profile_verify_mean_ms')}, record {get('profile_record_mean_ms')}, store "
            f"{get('profile_save_mean_ms')}, total "
            f"{get('profile_total_mean_ms')}; plan's reads: stripe "
            f"{get('profile_plan_stripe_reads_mean_ms')}, salesforce "
            f"{get('profile_plan_salesforce_reads_mean_ms')}, odoo "
            f"{get('profile_plan_odoo_reads_mean_ms')}"
        )
        phases = [
            (name[len("profile_calls_per_run[") : -1], value)
            for name, value in figures.items()
            if name.startswith("profile_calls_per_run[")
        ]
        print(
            "API calls per run by phase (the connector's own counts, same batches): "
            + "; ".join(f"{label} {value:g}" for label, value in phases)
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--rate", type=float, default=50.0, help="changes per second")
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--subscriptions", type=int, default=2000)
    parser.add_argument("--workers", type=int, default=None, help="daemon.workers")
    parser.add_argument("--batch-size", type=int, default=None, help="daemon.batch_size")
    parser.add_argument(
        "--worker-idle-seconds",
        type=float,
        default=None,
        help="what-if: the workers' idle sleep (no setting exists; see the module doc)",
    )
    parser.add_argument("--no-profile", action="store_true")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON too")
    args = parser.parse_args()
    if not (0 < args.rate <= 500 and 0 < args.seconds <= 300 and args.subscriptions > 0):
        parser.error("bounded load only: 0 < rate <= 500, 0 < seconds <= 300")
    figures = run(
        args.rate,
        args.seconds,
        args.subscriptions,
        workers=args.workers,
        batch_size=args.batch_size,
        worker_idle_seconds=args.worker_idle_seconds,
        profile=not args.no_profile,
    )
    _print(figures)
    if args.json:
        print(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
