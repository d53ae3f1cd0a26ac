"""Benchmark: a renewal storm, the first of the month, received and drained by the daemon.

Three processes on 127.0.0.1, as in ``bench/webhook_latency``: the sandbox, the daemon
(``connector run --no-poller``) and this one. This one seeds billing, makes the first full
load, then renews the book: the Stripe emulator's clock moves past the end of the current
period (``POST /__sandbox/clock``), so every subscription that bills monthly rolls over into
its next period with one ``customer.subscription.updated`` event, and a share of them also
gets a seat change (a second event). Those are the events Stripe would send. They are then
delivered to the daemon's webhook endpoint, signed as Stripe signs them, from a few
connections at a steady rate: ``--deliveries`` in all within ``--seconds``, out of order
(shuffled, so an older event often arrives after a newer one) and some twice (Stripe
delivers at least once), which is what a storm of renewals looks like to the connector.

Printed:

- **ingest**: deliveries accepted per second, answers by HTTP status, the POST's p50/p99;
- **drain**: from the first delivery until the last changed subscription has an ``applied``
  audit entry (written only after Salesforce and Odoo were written and read back), with the
  number applied against the number changed and the audit entries per subscription (exactly
  one expected: a second delivery of a change finds it done);
- **API calls** per system during the storm (the runs' own counts) against the lower bound:
  Stripe one read per changed subscription (no batch retrieve), Salesforce one collection
  call per 200 records, Odoo one ``write`` per subscription at most (records whose new
  values are identical share one ``write``, so Odoo may go below it);
- **queue**: depth and age of the oldest key from the daemon's ``/metrics``, sampled every
  0.5 s, their peaks and how fast they come back down;
- the CPU used by the sandbox and the daemon, and the load average.

Run: ``python -m bench.renewal_storm [--subscriptions 5000] [--deliveries 10000]
[--seconds 60] [--workers N] [--json]``
"""

from __future__ import annotations

import argparse
import json
import math
import random
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import orjson

from bench.proc_stats import cpu_seconds
from bench.webhook_latency import (
    _daemon_env,
    _load_average,
    _quantile,
    _read_trail,
    _settings_from,
    _start_daemon,
    _start_sandbox,
    _stop,
    _store_path,
    _stripe_client,
)
from connector.config import load_settings
from connector.logs import configure_logging
from connector.reconciler import RunOptions
from connector.runtime import open_runtime
from connector.sandbox.common.server import free_port
from connector.sandbox.seeding import seed_billing
from connector.webhooks.app import STRIPE_PATH
from connector.webhooks.signature import sign

SENDERS = 8  # keep-alive connections to the daemon
RENEWAL_SECONDS = 32 * 24 * 3600  # past the end of every monthly period
SEAT_CHANGE_SHARE = 0.4  # renewed subscriptions that also change seats: a second event
DRAIN_TIMEOUT_SECONDS = 600.0
SAMPLE_SECONDS = 0.5
SECRET = "whsec_renewal_storm_bench"  # noqa: S105 - the bench's own daemon, on loopback


@dataclass
class Delivery:
    payload: bytes
    key: str
    sent: float = 0.0
    answered: float = 0.0
    status: int = 0


@dataclass
class QueueSample:
    at: float
    depth: float
    oldest_age: float


@dataclass
class QueueWatch:
    samples: list[QueueSample] = field(default_factory=list)
    stop: threading.Event = field(default_factory=threading.Event)


# -- making the storm -----------------------------------------------------------------------


def _renew(client: httpx.Client) -> dict[str, Any]:
    response = client.post("/__sandbox/clock", json={"advance_seconds": RENEWAL_SECONDS})
    response.raise_for_status()
    result: dict[str, Any] = response.json()
    return result


def _change_seats(client: httpx.Client, keys: Sequence[str]) -> None:
    for key in keys:
        sub = client.get(f"/v1/subscriptions/{key}").raise_for_status().json()
        item = sub["items"]["data"][0]
        client.post(
            f"/v1/subscriptions/{key}",
            data={"items[0][id]": item["id"], "items[0][quantity]": str(item["quantity"] + 1)},
        ).raise_for_status()


def _events_since(client: httpx.Client, since: int) -> list[dict[str, Any]]:
    """Every ``customer.subscription.updated`` event created at or after ``since``."""
    events: list[dict[str, Any]] = []
    params: dict[str, Any] = {
        "type": "customer.subscription.updated",
        "limit": 100,
        "created[gte]": since,
    }
    while True:
        page = client.get("/v1/events", params=params).raise_for_status().json()
        events.extend(page["data"])
        if not page.get("has_more") or not page["data"]:
            return events
        params["starting_after"] = page["data"][-1]["id"]


def _deliveries(events: Sequence[dict[str, Any]], total: int, seed: int) -> list[Delivery]:
    """Each event once, then repeats of random events up to ``total``; all shuffled."""
    rng = random.Random(seed)
    chosen = list(events)
    while len(chosen) < total:
        chosen.append(rng.choice(events))
    chosen = chosen[:total]
    rng.shuffle(chosen)
    return [Delivery(orjson.dumps(event), str(event["data"]["object"]["id"])) for event in chosen]


# -- sending and watching -------------------------------------------------------------------


def _send(url: str, deliveries: list[Delivery], seconds: float) -> float:
    """Deliver them at a steady rate over ``seconds``; return when the sending began."""
    rate = len(deliveries) / seconds
    start = time.time() + 0.2
    cursor = iter(range(len(deliveries)))
    lock = threading.Lock()

    def sender() -> None:
        with httpx.Client(timeout=30) as client:
            while True:
                with lock:
                    index = next(cursor, None)
                if index is None:
                    return
                delivery = deliveries[index]
                wait = start + index / rate - time.time()
                if wait > 0:
                    time.sleep(wait)
                stamp = int(time.time())
                header = f"t={stamp},v1={sign(delivery.payload, SECRET, stamp)}"
                delivery.sent = time.time()
                try:
                    response = client.post(
                        url,
                        content=delivery.payload,
                        headers={"Stripe-Signature": header, "Content-Type": "application/json"},
                    )
                    delivery.status = response.status_code
                except httpx.HTTPError:
                    delivery.status = 0
                delivery.answered = time.time()

    threads = [threading.Thread(target=sender, daemon=True) for _ in range(SENDERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return start


def _metric(text: str, name: str) -> float:
    for line in text.splitlines():
        if line.startswith(name + " "):
            return float(line.split()[1])
    return float("nan")


@dataclass
class Watching:
    watch: QueueWatch
    thread: threading.Thread


def _watch_queue(metrics_url: str) -> Watching:
    watch = QueueWatch()

    def sample() -> None:
        with httpx.Client(timeout=5) as client:
            while not watch.stop.wait(SAMPLE_SECONDS):
                try:
                    text = client.get(metrics_url).text
                except httpx.HTTPError:
                    continue
                watch.samples.append(
                    QueueSample(
                        time.time(),
                        _metric(text, "connector_queue_depth"),
                        _metric(text, "connector_queue_oldest_age_seconds"),
                    )
                )

    thread = threading.Thread(target=sample, daemon=True)
    thread.start()
    return Watching(watch, thread)


def _wait_applied(store: Path, since: float, keys: set[str], deadline: float) -> None:
    while time.time() < deadline:
        applied = {
            key
            for key, entries in _read_trail(store, since).audit.items()
            if any(outcome == "applied" for _at, _run, outcome in entries)
        }
        if keys <= applied:
            return
        time.sleep(1.0)


# -- the benchmark ---------------------------------------------------------------------------


def run(
    subscriptions: int = 5000,
    deliveries: int = 10000,
    seconds: float = 60.0,
    *,
    workers: int | None = None,
    seed: int = 7,
) -> dict[str, Any]:
    configure_logging("json", "WARNING")
    overrides = {"CONNECTOR_DAEMON__WORKERS": str(workers)} if workers is not None else {}
    with tempfile.TemporaryDirectory(prefix="subsync-storm-") as scratch:
        directory = Path(scratch)
        sandbox, stripe_url, config = _start_sandbox(directory, directory / "sandbox.log")
        daemon = None
        try:
            settings = load_settings(config)
            seed_billing(stripe_url, subscriptions)
            with open_runtime(settings) as runtime:
                runtime.reconciler.reconcile_all(RunOptions(kind="full", allow_mass_changes=True))
            with _stripe_client(stripe_url) as client:
                before = int(client.get("/__sandbox/clock").json()["now"])
                renewed = _renew(client)
                first_events = _events_since(client, before)
                keys = sorted({str(e["data"]["object"]["id"]) for e in first_events})
                rng = random.Random(seed)
                _change_seats(client, rng.sample(keys, int(len(keys) * SEAT_CHANGE_SHARE)))
                events = _events_since(client, before)
            if not events:
                raise RuntimeError(f"the renewal produced no event ({renewed})")
            changed = {str(e["data"]["object"]["id"]) for e in events}
            storm = _deliveries(events, deliveries, seed)
            port = free_port()
            environ = _daemon_env(SECRET, port, overrides)
            daemon_settings = _settings_from(config, environ)
            daemon = _start_daemon(config, environ, port, directory / "daemon.log", None)
            cpu_before = {"sandbox": cpu_seconds(sandbox.pid), "daemon": cpu_seconds(daemon.pid)}
            watching = _watch_queue(f"http://127.0.0.1:{port}/metrics")
            began = _send(f"http://127.0.0.1:{port}{STRIPE_PATH}", storm, seconds)
            sent_by = max(d.answered for d in storm)
            store = _store_path(settings)
            _wait_applied(store, began, changed, time.time() + DRAIN_TIMEOUT_SECONDS)
            drained_at = time.time()
            time.sleep(2 * SAMPLE_SECONDS)
            watching.watch.stop.set()
            watching.thread.join(timeout=5)
            cpu = {
                "sandbox": cpu_seconds(sandbox.pid) - cpu_before["sandbox"],
                "daemon": cpu_seconds(daemon.pid) - cpu_before["daemon"],
            }
            load_average = _load_average()
            _stop(daemon)
            trail = _read_trail(store, began)
            return _figures(
                subscriptions=subscriptions,
                seconds=seconds,
                workers=daemon_settings.daemon.workers,
                events=events,
                changed=changed,
                storm=storm,
                began=began,
                sent_by=sent_by,
                drained_at=drained_at,
                trail=trail,
                samples=watching.watch.samples,
                cpu=cpu,
                load_average=load_average,
            )
        finally:
            if daemon is not None:
                _stop(daemon)
            _stop(sandbox)


def _figures(
    *,
    subscriptions: int,
    seconds: float,
    workers: int,
    events: Sequence[dict[str, Any]],
    changed: set[str],
    storm: Sequence[Delivery],
    began: float,
    sent_by: float,
    drained_at: float,
    trail: Any,
    samples: Sequence[QueueSample],
    cpu: dict[str, float],
    load_average: float,
) -> dict[str, Any]:
    statuses = Counter(d.status for d in storm)
    posts = [d.answered - d.sent for d in storm if d.status]
    applied = {
        key: sum(1 for _at, _run, outcome in entries if outcome == "applied")
        for key, entries in trail.audit.items()
    }
    last_applied = max(
        (
            at
            for entries in trail.audit.values()
            for at, _run, outcome in entries
            if outcome == "applied"
        ),
        default=float("nan"),
    )
    calls = {
        system: {"reads": spent[0], "writes": spent[1]} for system, spent in trail.calls.items()
    }
    changed_count = len(changed)
    bounds = {
        "stripe_reads": changed_count,
        "salesforce_writes": math.ceil(changed_count / 200),
        "odoo_writes": changed_count,
    }
    peak = max(samples, key=lambda s: s.depth, default=None)
    oldest = max((s.oldest_age for s in samples), default=float("nan"))
    drained = [s for s in samples if s.depth == 0 and peak is not None and s.at > peak.at]
    window = max(1e-9, drained_at - began)
    return {
        "subscriptions": subscriptions,
        "daemon_workers": workers,
        "events_distinct": len(events),
        "subscriptions_changed": changed_count,
        "deliveries": len(storm),
        "deliveries_repeated": len(storm) - len({d.payload for d in storm}),
        "ingest_seconds": round(sent_by - began, 2),
        "ingest_rate_per_second": round(len(storm) / max(1e-9, sent_by - began), 1),
        "ingest_target_rate_per_second": round(len(storm) / seconds, 1),
        "http_statuses": {str(k): v for k, v in sorted(statuses.items())},
        "post_p50_ms": round(_quantile(posts, 0.5) * 1000, 1),
        "post_p99_ms": round(_quantile(posts, 0.99) * 1000, 1),
        "drain_seconds_from_first_delivery": round(last_applied - began, 1),
        "drain_seconds_after_last_delivery": round(last_applied - sent_by, 1),
        "applied_subscriptions": sum(1 for key in changed if applied.get(key)),
        "subscriptions_with_more_than_one_applied_entry": sum(1 for v in applied.values() if v > 1),
        "runs": len(trail.runs),
        "keys_per_run_mean": round(
            sum(size for _s, _f, _w, size in trail.runs.values()) / max(1, len(trail.runs)), 1
        ),
        "api_calls": calls,
        "lower_bounds": bounds,
        "ratio_to_bound": {
            "stripe_reads": round(
                calls.get("stripe", {}).get("reads", 0) / bounds["stripe_reads"], 2
            ),
            "odoo_writes": round(calls.get("odoo", {}).get("writes", 0) / bounds["odoo_writes"], 2),
            "salesforce_writes": round(
                calls.get("salesforce", {}).get("writes", 0) / bounds["salesforce_writes"], 2
            ),
        },
        "queue_peak_depth": peak.depth if peak is not None else float("nan"),
        "queue_peak_at_seconds": round(peak.at - began, 1) if peak is not None else float("nan"),
        "queue_peak_oldest_age_seconds": round(oldest, 1),
        "queue_empty_again_at_seconds": round(drained[0].at - began, 1)
        if drained
        else float("nan"),
        "queue_samples": [
            (round(s.at - began, 1), s.depth, round(s.oldest_age, 1))
            for s in samples[:: max(1, len(samples) // 40)]
        ],
        "cpu_cores_sandbox": round(cpu["sandbox"] / window, 2),
        "cpu_cores_daemon": round(cpu["daemon"] / window, 2),
        "load_average_1min_at_end": load_average,
    }


def _ratio(calls: dict[str, dict[str, int]], system: str, kind: str, bound: int) -> float:
    return round(calls.get(system, {}).get(kind, 0) / max(1, bound), 2)


def _print(figures: dict[str, Any]) -> None:
    f = figures
    print(
        f"storm: {f['deliveries']} deliveries ({f['deliveries_repeated']} repeats) of "
        f"{f['events_distinct']} customer.subscription.updated events for "
        f"{f['subscriptions_changed']} renewed subscriptions (book {f['subscriptions']}); "
        f"daemon workers {f['daemon_workers']}"
    )
    print(
        f"ingest: {f['ingest_rate_per_second']}/s (target {f['ingest_target_rate_per_second']}/s) "
        f"over {f['ingest_seconds']} s; statuses {f['http_statuses']}; POST p50 "
        f"{f['post_p50_ms']} ms p99 {f['post_p99_ms']} ms"
    )
    print(
        f"drain: last change applied in both targets {f['drain_seconds_from_first_delivery']} s "
        f"after the first delivery ({f['drain_seconds_after_last_delivery']} s after the last); "
        f"applied {f['applied_subscriptions']}/{f['subscriptions_changed']}; subscriptions with "
        f"more than one applied entry {f['subscriptions_with_more_than_one_applied_entry']}; "
        f"runs {f['runs']} ({f['keys_per_run_mean']} keys each)"
    )
    print(
        f"API calls: {f['api_calls']}; lower bounds {f['lower_bounds']}; ratio "
        f"{f['ratio_to_bound']}"
    )
    print(
        f"queue: peak depth {f['queue_peak_depth']:g} at {f['queue_peak_at_seconds']} s, oldest "
        f"key {f['queue_peak_oldest_age_seconds']} s at most, empty again at "
        f"{f['queue_empty_again_at_seconds']} s; samples (s, depth, oldest age s): "
        f"{f['queue_samples']}"
    )
    print(
        f"CPU cores: sandbox {f['cpu_cores_sandbox']}, daemon {f['cpu_cores_daemon']}; load "
        f"average {f['load_average_1min_at_end']}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--subscriptions", type=int, default=5000)
    parser.add_argument("--deliveries", type=int, default=10000)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--workers", type=int, default=None, help="daemon.workers")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON too")
    args = parser.parse_args()
    if not (0 < args.seconds <= 600 and 0 < args.deliveries <= 100_000):
        parser.error("bounded load only: 0 < seconds <= 600, 0 < deliveries <= 100000")
    figures = run(args.subscriptions, args.deliveries, args.seconds, workers=args.workers)
    _print(figures)
    if args.json:
        print(json.dumps(figures, default=str))


if __name__ == "__main__":
    main()
