"""Benchmark: signed Stripe webhooks into the receiver, on a real uvicorn, on loopback.

The webhook app (``connector.webhooks.app``) runs under uvicorn in a process of its own, so
that the server and the load generator do not share one GIL; ``bench.loadgen`` sends
``customer.subscription.updated`` events over ``C`` keep-alive connections, each with a
distinct event id, correctly signed, about keys spread over 5,000 subscriptions (so the
queue's upsert meets existing rows), until the request count or the time runs out.
Afterwards, with the server stopped, the store is read back: the keys queued must be exactly
the keys of the accepted requests, and the recorded webhook events exactly the accepted ones.

Goal: >= 1,000 accepted webhooks/s on SQLite and on PostgreSQL on the 2-core machine.

Run: ``python -m bench.webhook_ingest [--store sqlite|postgresql|both] [--seconds N]
[--concurrency C] [--requests N] [--client raw|httpx] [--http auto|h11|httptools]
[--loop auto|asyncio|uvloop] [--breakdown] [--no-instrument]`` (defaults: both stores, 10 s,
32 connections, at most 200,000 requests, the raw client, uvicorn's ``auto`` choices, which
are h11 and asyncio with what pyproject installs). To try httptools/uvloop without adding
them to the venv: ``pip install --target DIR httptools uvloop`` and set
``BENCH_EXTRAS_PATH=DIR``. PostgreSQL: ``CONNECTOR_TEST_PG_URL`` or ``--pg-url``.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import httpx

from bench.loadgen import CLIENTS, Outcome, Request, generate
from connector.sandbox.common.server import LOOPBACK, free_port
from connector.store import SqliteStore, StateStore, utcnow
from connector.webhooks.app import STRIPE_PATH
from connector.webhooks.signature import sign

STORES = ("sqlite", "postgresql")
SECRET = "whsec_bench_0123456789abcdef"  # noqa: S105 (a throwaway endpoint secret)
SUBSCRIPTIONS = 5_000
DEFAULT_REQUESTS = 200_000
STARTUP_TIMEOUT_SECONDS = 30.0
STOP_TIMEOUT_SECONDS = 20.0
PG_URL = os.environ.get("CONNECTOR_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/test")
# Optional speed-ups (uvloop, httptools) may live outside the venv, e.g. installed with
# ``pip install --target DIR uvloop httptools``; this puts DIR on the server's sys.path only.
EXTRAS_ENV = "BENCH_EXTRAS_PATH"


def subscription_key(number: int) -> str:
    """Request ``number``'s subscription: a stride over 5,000 keys, all hit within 5,000."""
    return f"sub_bench_{(number * 7919) % SUBSCRIPTIONS:05d}"


def event_id(tag: str, number: int) -> str:
    return f"evt_bench_{tag}_{number:09d}"


def webhook_request(tag: str, number: int) -> Request:
    """Request ``number``: a signed ``customer.subscription.updated`` event, as Stripe sends."""
    now = int(time.time())
    event = {
        "id": event_id(tag, number),
        "object": "event",
        "type": "customer.subscription.updated",
        "created": now,
        "data": {
            "object": {
                "id": subscription_key(number),
                "object": "subscription",
                "status": "active",
                "customer": f"cus_bench_{number % SUBSCRIPTIONS:05d}",
            }
        },
    }
    body = json.dumps(event).encode()
    header = f"t={now},v1={sign(body, SECRET, now)}"
    return Request(
        STRIPE_PATH, body, {"Content-Type": "application/json", "Stripe-Signature": header}
    )


# -- the store under test ----------------------------------------------------------------


@dataclass(frozen=True)
class StoreSpec:
    """Where the throwaway store lives; JSON-able so that the server process can open it."""

    kind: str
    location: str  # SQLite: a file path; PostgreSQL: the URL
    schema: str | None = None

    def open(self, *, migrate: bool = True) -> StateStore:
        if self.kind == "sqlite":
            return SqliteStore(self.location, migrate=migrate)
        from connector.store.postgres import PostgresStore

        return PostgresStore(self.location, migrate=migrate, schema=self.schema)

    def event_ids(self) -> set[str]:
        """Every recorded webhook event id (no store method lists them; read the table)."""
        if self.kind == "sqlite":
            conn = sqlite3.connect(self.location)
            try:
                return {row[0] for row in conn.execute("SELECT id FROM webhook_event")}
            finally:
                conn.close()
        import psycopg
        from psycopg import sql

        query = sql.SQL("SELECT id FROM {}.webhook_event").format(sql.Identifier(self.schema or ""))
        with psycopg.connect(self.location) as pg:
            rows = pg.execute(query).fetchall()
            return {str(row[0]) for row in rows}


@contextmanager
def throwaway_store(kind: str, pg_url: str = PG_URL) -> Iterator[StoreSpec]:
    """A migrated, empty store: a WAL SQLite file in a temp dir, or a PostgreSQL schema."""
    if kind == "sqlite":
        with tempfile.TemporaryDirectory(prefix="bench-webhooks-") as folder:
            spec = StoreSpec("sqlite", str(Path(folder) / "state.db"))
            spec.open().close()
            yield spec
        return
    if kind != "postgresql":
        raise ValueError(f"store must be one of {STORES}")
    import psycopg

    spec = StoreSpec("postgresql", pg_url, f"bench_{uuid.uuid4().hex[:12]}")
    spec.open().close()
    try:
        yield spec
    finally:
        with psycopg.connect(pg_url, autocommit=True) as pg:
            pg.execute(f'DROP SCHEMA IF EXISTS "{spec.schema}" CASCADE')


# -- the server process ------------------------------------------------------------------


def _resolved(choice: str, module: str, fallback: str) -> str:
    """What uvicorn's ``auto`` picks: the optional module when importable."""
    if choice != "auto":
        return choice
    try:
        __import__(module)
    except ImportError:
        return fallback
    return module


def serve(
    spec: StoreSpec, port: int, http: str, loop: str, report: Path, instrument: bool = True
) -> None:
    """The server process: the webhook app on uvicorn until SIGINT (then the report).

    With ``instrument``, ``store.accept_webhooks`` (one group commit) is wrapped with a timer
    (a few ``perf_counter`` calls) so that the report says how long a commit takes under load,
    and how long it waits for the store's lock before it.
    """
    import uvicorn

    from connector.logs import configure_logging
    from connector.webhooks.app import create_webhook_app

    configure_logging("json", "WARNING")
    opened = spec.open(migrate=False)
    store: Any = opened  # Any: its accept_webhooks is wrapped below
    timing = {"calls": 0, "seconds": 0.0, "waiting": 0.0}
    accept = opened.accept_webhooks
    lock = store._lock  # the store's RLock: one writer at a time

    def timed_accept(
        events: Sequence[tuple[str, str, Sequence[str]]], now: dt.datetime
    ) -> set[str]:
        asked = time.perf_counter()
        with lock:  # re-entrant: the store's own acquire inside is then free
            begin = time.perf_counter()
            try:
                return accept(events, now)
            finally:
                timing["seconds"] += time.perf_counter() - begin
                timing["waiting"] += begin - asked
                timing["calls"] += 1

    if instrument:
        store.accept_webhooks = timed_accept
    app = create_webhook_app(store, [SECRET])
    config = uvicorn.Config(
        app,
        host=LOOPBACK,
        port=port,
        http=http,
        loop=loop,
        log_level="warning",
        access_log=False,
        lifespan="off",
        timeout_keep_alive=60,
        backlog=2048,
    )
    details: dict[str, Any] = {
        "http": _resolved(http, "httptools", "h11"),
        "loop": _resolved(loop, "uvloop", "asyncio"),
    }
    try:
        uvicorn.Server(config).run()
    except KeyboardInterrupt:  # uvicorn re-raises the SIGINT it shut down on
        pass
    finally:
        store.close()
        details.update(
            store_calls=timing["calls"],
            store_seconds=timing["seconds"],
            store_waiting_seconds=timing["waiting"],
        )
        report.write_text(json.dumps(details))


@dataclass
class ServerProcess:
    process: subprocess.Popen[bytes]
    base_url: str
    report: Path

    def cpu_seconds(self) -> float:
        """User + system CPU of the server process so far (Linux /proc)."""
        fields = Path(f"/proc/{self.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        ticks = int(fields[11]) + int(fields[12])
        return ticks / os.sysconf("SC_CLK_TCK")

    def stop(self) -> dict[str, Any]:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(timeout=STOP_TIMEOUT_SECONDS)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if not self.report.exists():
            return {}
        details: dict[str, Any] = json.loads(self.report.read_text())
        return details


def start_server(
    spec: StoreSpec,
    http: str,
    loop: str,
    folder: Path,
    instrument: bool = True,
) -> ServerProcess:
    """Start :func:`serve` in a new interpreter and return once ``/healthz`` answers."""
    port = free_port()
    report = folder / f"server-{port}.json"
    env = dict(os.environ)
    extras = env.get(EXTRAS_ENV)
    if extras:
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [extras, env.get("PYTHONPATH")]))
    command = [
        sys.executable,
        "-m",
        "bench.webhook_ingest",
        "serve",
        json.dumps(
            {
                "spec": asdict(spec),
                "port": port,
                "http": http,
                "loop": loop,
                "report": str(report),
                "instrument": instrument,
            }
        ),
    ]
    root = Path(__file__).resolve().parents[1]
    process = subprocess.Popen(command, cwd=root, env=env)
    base_url = f"http://{LOOPBACK}:{port}"
    deadline = time.monotonic() + STARTUP_TIMEOUT_SECONDS
    while True:
        if process.poll() is not None:
            raise RuntimeError(f"the webhook server exited with {process.returncode}")
        try:
            if httpx.get(f"{base_url}/healthz", timeout=1.0).status_code == 200:
                return ServerProcess(process, base_url, report)
        except httpx.TransportError:
            pass
        if time.monotonic() > deadline:
            process.kill()
            raise RuntimeError("the webhook server did not start")
        time.sleep(0.05)


# -- the benchmark -----------------------------------------------------------------------


def run(
    store: str,
    seconds: float,
    concurrency: int,
    *,
    max_requests: int = DEFAULT_REQUESTS,
    client: str = "raw",
    http: str = "auto",
    loop: str = "auto",
    pg_url: str = PG_URL,
    instrument: bool = True,
    on_server: Callable[[dict[str, Any]], None] | None = None,
) -> dict[str, float]:
    """Load one store's webhook receiver; return the figures (see :func:`main`)."""
    tag = uuid.uuid4().hex[:8]
    with (
        tempfile.TemporaryDirectory(prefix="bench-webhook-run-") as scratch,
        throwaway_store(store, pg_url) as spec,
    ):
        server = start_server(spec, http, loop, Path(scratch), instrument)
        try:
            cpu_before = server.cpu_seconds()
            own_before = time.process_time()
            outcome = asyncio.run(
                generate(
                    server.base_url,
                    lambda number: webhook_request(tag, number),
                    concurrency=concurrency,
                    seconds=seconds,
                    max_requests=max_requests,
                    client=client,
                )
            )
            server_cpu = server.cpu_seconds() - cpu_before
            client_cpu = time.process_time() - own_before
        finally:
            details = server.stop()
        if on_server is not None:
            on_server(details)
        figures = _figures(outcome, server_cpu, client_cpu, details)
        figures.update(_verify(spec, tag, outcome))
    return figures


def _figures(
    outcome: Outcome, server_cpu: float, client_cpu: float, details: dict[str, Any]
) -> dict[str, float]:
    calls = int(details.get("store_calls", 0))
    figures = {
        "seconds": outcome.elapsed,
        "requests": float(outcome.started),
        "accepted": float(outcome.ok),
        "accepted_per_second": outcome.rate(),
        "p50_ms": outcome.percentile(0.50) * 1000,
        "p95_ms": outcome.percentile(0.95) * 1000,
        "p99_ms": outcome.percentile(0.99) * 1000,
        "errors": float(outcome.started - outcome.ok),
        "transport_errors": float(sum(outcome.errors.values())),
        "load_average_1m": os.getloadavg()[0],
        "server_cpu_share": server_cpu / outcome.elapsed if outcome.elapsed else 0.0,
        "server_cpu_us_per_request": server_cpu / outcome.started * 1e6 if outcome.started else 0.0,
        "client_cpu_share": client_cpu / outcome.elapsed if outcome.elapsed else 0.0,
        "store_calls": float(calls),
        "store_us_per_call": (
            float(details.get("store_seconds", 0.0)) / calls * 1e6 if calls else 0.0
        ),
        "store_lock_wait_us_per_call": (
            float(details.get("store_waiting_seconds", 0.0)) / calls * 1e6 if calls else 0.0
        ),
        "store_busy_share": (
            float(details.get("store_seconds", 0.0)) / outcome.elapsed if outcome.elapsed else 0.0
        ),
    }
    for status, count in outcome.statuses.items():
        if not 200 <= status < 300:
            figures[f"status_{status}"] = float(count)
    return figures


def _verify(spec: StoreSpec, tag: str, outcome: Outcome) -> dict[str, float]:
    """Read the stopped server's store back: keys queued and events recorded."""
    sent = {subscription_key(number) for number in outcome.accepted}
    accepted_ids = {event_id(tag, number) for number in outcome.accepted}
    store = spec.open(migrate=False)
    try:
        later = utcnow() + dt.timedelta(days=1)
        queued_count = store.queue_stats(later).queued
        queued = {item.key for item in store.lease("bench-verify", len(sent) + 1000, later, 60)}
    finally:
        store.close()
    recorded = spec.event_ids()
    durable = queued == sent and queued_count == len(sent) and recorded == accepted_ids
    return {
        "keys_sent": float(len(sent)),
        "keys_queued": float(queued_count),
        "events_recorded": float(len(recorded)),
        "durable": 1.0 if durable else 0.0,
    }


# -- where the time goes (in process, no HTTP) --------------------------------------------


class _CountingConnection:
    """Wraps a DB-API connection: counts and times ``execute`` and ``executemany`` calls."""

    def __init__(self, conn: Any) -> None:
        self._conn = conn
        self.calls: dict[str, list[float]] = {}

    def _timed(self, label: str, call: Callable[[], Any]) -> Any:
        begin = time.perf_counter()
        try:
            return call()
        finally:
            self.calls.setdefault(label, []).append(time.perf_counter() - begin)

    def execute(self, sql: str, params: Sequence[Any] = ()) -> Any:
        label = sql.split()[0].upper()
        if label == "INSERT":
            label = "INSERT " + sql.split()[2]
        return self._timed(label, lambda: self._conn.execute(sql, params))

    def cursor(self) -> Any:
        outer = self
        inner = self._conn.cursor()

        class _Cursor:
            def executemany(self, sql: str, rows: Sequence[Any]) -> Any:
                label = "executemany " + sql.split()[2]
                return outer._timed(label, lambda: inner.executemany(sql, rows))

            def close(self) -> None:
                inner.close()

        return _Cursor()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._conn, name)


def breakdown(store: str, count: int = 3000, pg_url: str = PG_URL) -> dict[str, float]:
    """Per-request costs measured in process, one at a time, in microseconds."""
    from starlette.concurrency import run_in_threadpool

    from connector.webhooks.signature import verify
    from connector.webhooks.stripe_events import event_ref

    tag = uuid.uuid4().hex[:8]
    requests = [webhook_request(tag, number) for number in range(count)]
    figures: dict[str, float] = {}

    begin = time.perf_counter()
    for request in requests:
        verify(request.body, request.headers["Stripe-Signature"], [SECRET], time.time())
        json.loads(request.body)
    figures["verify_and_parse_us"] = (time.perf_counter() - begin) / count * 1e6

    async def hops() -> float:
        start = time.perf_counter()
        for _ in range(count):
            await run_in_threadpool(len, "x")
        return time.perf_counter() - start

    figures["threadpool_hop_us"] = asyncio.run(hops()) / count * 1e6

    with throwaway_store(store, pg_url) as spec:
        db = spec.open(migrate=False)
        counting = _CountingConnection(db._conn)  # type: ignore[attr-defined]
        db._conn = counting  # type: ignore[attr-defined]
        begin = time.perf_counter()
        for request in requests:
            ref = event_ref(json.loads(request.body))
            db.accept_webhooks([(ref.id, ref.type, list(ref.keys))], utcnow())
        figures["accept_webhook_us"] = (time.perf_counter() - begin) / count * 1e6
        db.close()
    statements = 0
    for label, spent in sorted(counting.calls.items()):
        statements += len(spent)
        figures[f"stmt {label} us"] = sum(spent) / len(spent) * 1e6
    figures["statements_per_request"] = statements / count
    return figures


# -- command line ------------------------------------------------------------------------


def _print(store: str, figures: dict[str, float], server: dict[str, Any]) -> None:
    print(
        f"webhook ingest, {store} store, uvicorn http={server.get('http', '?')} "
        f"loop={server.get('loop', '?')}"
    )
    print(f"  accepted:               {int(figures['accepted']):,} in {figures['seconds']:.1f} s")
    print(f"  throughput:             {figures['accepted_per_second']:,.0f} accepted webhooks/s")
    print(
        f"  latency (2xx):          p50 {figures['p50_ms']:.1f} ms, p95 {figures['p95_ms']:.1f} ms,"
        f" p99 {figures['p99_ms']:.1f} ms"
    )
    refused = {k: int(v) for k, v in figures.items() if k.startswith("status_")}
    print(
        f"  errors:                 {int(figures['errors']):,} "
        f"(by status: {refused or 'none'}, transport: {int(figures['transport_errors'])})"
    )
    print(
        f"  CPU:                    server {figures['server_cpu_share']:.0%} of a core "
        f"({figures['server_cpu_us_per_request']:.0f} us per request), "
        f"load generator {figures['client_cpu_share']:.0%} "
        f"(machine load average {figures['load_average_1m']:.1f} on {os.cpu_count()} cores)"
    )
    if figures["store_calls"]:
        print(
            f"  store transaction:      {figures['store_us_per_call']:.0f} us per group commit, "
            f"busy {figures['store_busy_share']:.0%} of the run; "
            f"{figures['store_lock_wait_us_per_call']:.0f} us waiting for the store's lock"
        )
    verdict = "OK" if figures["durable"] else "MISMATCH"
    print(
        f"  durability:             {verdict}: {int(figures['keys_queued']):,} keys queued for "
        f"{int(figures['keys_sent']):,} sent, {int(figures['events_recorded']):,} events "
        f"recorded for {int(figures['accepted']):,} accepted"
    )


def main(argv: Sequence[str] | None = None) -> None:
    args_in = list(sys.argv[1:] if argv is None else argv)
    if args_in[:1] == ["serve"]:  # the server process started by start_server
        options = json.loads(args_in[1])
        serve(
            StoreSpec(**options["spec"]),
            options["port"],
            options["http"],
            options["loop"],
            Path(options["report"]),
            options["instrument"],
        )
        return
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--store", choices=[*STORES, "both"], default="both")
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--requests", type=int, default=DEFAULT_REQUESTS, help="at most")
    parser.add_argument("--client", choices=CLIENTS, default="raw")
    parser.add_argument("--http", choices=["auto", "h11", "httptools"], default="auto")
    parser.add_argument("--loop", choices=["auto", "asyncio", "uvloop"], default="auto")
    parser.add_argument("--pg-url", default=PG_URL)
    parser.add_argument(
        "--no-instrument",
        action="store_true",
        help="do not time store.accept_webhooks in the server (the timer costs ~1 us)",
    )
    parser.add_argument(
        "--breakdown", action="store_true", help="also time the steps in process, no HTTP"
    )
    args = parser.parse_args(args_in)
    stores = STORES if args.store == "both" else (args.store,)
    failed = False
    for store in stores:
        seen: dict[str, Any] = {}
        figures = run(
            store,
            args.seconds,
            args.concurrency,
            max_requests=args.requests,
            client=args.client,
            http=args.http,
            loop=args.loop,
            pg_url=args.pg_url,
            instrument=not args.no_instrument,
            on_server=seen.update,
        )
        _print(store, figures, seen)
        print(
            f"  load:                   {args.concurrency} connections, {args.client} client, "
            f"{SUBSCRIPTIONS:,} subscriptions"
        )
        failed = failed or not figures["durable"]
        if args.breakdown:
            for name, value in breakdown(store, pg_url=args.pg_url).items():
                print(f"  in process: {name:<36} {value:,.1f}")
    if failed:
        raise SystemExit("durability check failed")


if __name__ == "__main__":
    main()
