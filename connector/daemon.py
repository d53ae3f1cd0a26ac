"""``connector run``: the webhook server, N workers and the poller in one process.

Every worker has its own adapters and store connection (client libraries are not shared
across threads). Several such processes, on several machines, share the load through a
PostgreSQL store. On SIGTERM or SIGINT the daemon stops taking work, lets workers finish the
batch in hand (their leases keep everything else safe), stops the server, and exits 0; a
second signal, or the grace period running out, exits at once with 1 — keys held then are
taken again by any worker once their lease expires.

Every daemon serves ``/healthz``, ``/readyz`` and ``/metrics`` on the configured host and port
(a worker-only one too, so it can be probed and scraped); the webhook route only when it
receives webhooks; the operator's console under ``/console`` when it is enabled. A port
already taken stops the daemon before anything starts (exit 2). While it runs, the daemon
beats in the store (host, pid, workers), which is how ``connector status`` and
``connector_workers_alive`` know what is alive.
"""

from __future__ import annotations

import os
import signal
import socket
import threading
import time
import uuid
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import replace
from types import FrameType

import uvicorn
from starlette.applications import Starlette
from starlette.routing import BaseRoute

from connector.config import Settings
from connector.console import console_mount
from connector.crew import Crew
from connector.exit_codes import ExitCode
from connector.liveness import DAEMON_BEAT_SECONDS
from connector.logs import get_logger
from connector.metrics import Metrics
from connector.poller import Poller
from connector.queue import QueuePolicy, WorkQueue
from connector.redaction import redact_text
from connector.runtime import open_runtime
from connector.store import DaemonRecord, StateStore, open_store, utcnow
from connector.webhooks.app import probe_routes, webhook_routes
from connector.webhooks.intake import WebhookIntake
from connector.worker import Doorbell, Worker

LOOPBACK = frozenset({"127.0.0.1", "::1", "localhost"})


def queue_policy(settings: Settings) -> QueuePolicy:
    daemon = settings.daemon
    return QueuePolicy(
        lease_seconds=daemon.lease_seconds,
        max_attempts=daemon.max_attempts,
        backoff_base=daemon.backoff_base_seconds,
        backoff_cap=daemon.backoff_cap_seconds,
    )


class Daemon:
    def __init__(
        self,
        settings: Settings,
        *,
        serve: bool = True,
        poll: bool = True,
        workers: int | None = None,
        install_signals: bool = True,
    ) -> None:
        self.settings = settings
        self.serve = serve
        self.poll = poll
        self.worker_count = workers if workers is not None else settings.daemon.workers
        self.install_signals = install_signals
        self.stop = threading.Event()
        self.metrics = Metrics()
        self.log = get_logger("connector.daemon")
        self._server: uvicorn.Server | None = None
        self._intake: WebhookIntake | None = None
        self._signals = 0
        self._failed = False
        self.doorbell = Doorbell()

    def _on_signal(self, signum: int, _frame: FrameType | None) -> None:
        self._signals += 1
        name = signal.Signals(signum).name
        if self._signals > 1:
            self.log.error("daemon.hard_stop", signal=name)
            raise SystemExit(1)
        self.log.info("daemon.stopping", signal=name)
        self.request_stop()

    def request_stop(self) -> None:
        self.stop.set()
        self.doorbell.ring()
        if self._server is not None:
            self._server.should_exit = True

    def _thread(self, name: str, target: Callable[[], None]) -> threading.Thread:
        thread = threading.Thread(target=target, name=name, daemon=True)
        thread.start()
        return thread

    def run(self) -> int:
        if self.install_signals:
            signal.signal(signal.SIGTERM, self._on_signal)
            signal.signal(signal.SIGINT, self._on_signal)
        host, port = self.settings.webhook.host, self.settings.webhook.port
        taken = port_taken(host, port)
        if taken is not None:
            # Before any worker starts: nothing half-running to stop, one line to read.
            self.log.error(
                "daemon.port_in_use",
                host=host,
                port=port,
                error=taken,
                hint="stop what listens there or set webhook.port (CONNECTOR_WEBHOOK__PORT)",
            )
            return ExitCode.USAGE
        policy = queue_policy(self.settings)
        with ExitStack() as stack:
            store = open_store(self.settings.store_url)
            stack.callback(store.close)
            self.metrics.watch_store(lambda: store)
            threads = self._start_workers(stack, policy)
            if self.poll:
                threads.append(self._start_poller(stack, policy))
            threads.append(self._start_beating(store))
            # The server starts last: once it answers (its probes included), every worker
            # and the poller hold their connections, so a probe never sees a daemon still
            # starting up.
            threads.append(self._start_server(stack, store))
            self.log.info(
                "daemon.started",
                workers=self.worker_count,
                http=f"{host}:{port}",
                webhooks=self.serve,
                poller=self.poll,
            )
            stuck = self._watch(threads)
        if stuck:
            self.log.error("daemon.stopped_with_work_in_hand", threads=stuck)
            return 1
        if self._failed:
            self.log.error("daemon.stopped_after_a_failure")
            return 1
        self.log.info("daemon.stopped")
        return 0

    def _start_workers(self, stack: ExitStack, policy: QueuePolicy) -> list[threading.Thread]:
        """One worker per runtime: each has its own store connection and adapters."""
        threads: list[threading.Thread] = []
        crew = Crew(self.worker_count)
        for number in range(self.worker_count):
            runtime = stack.enter_context(open_runtime(self.settings))
            worker = Worker(
                f"{_host()}-{number}",
                WorkQueue(runtime.store, policy),
                runtime.reconciler,
                batch=self.settings.daemon.batch_size,
                idle_seconds=self.settings.daemon.idle_seconds,
                metrics=self.metrics,
                stop=self.stop,
                doorbell=self.doorbell,
                crew=crew,
            )
            threads.append(self._thread(f"worker-{number}", worker.run))
        return threads

    def _start_poller(self, stack: ExitStack, policy: QueuePolicy) -> threading.Thread:
        runtime = stack.enter_context(open_runtime(self.settings))
        poller = Poller(
            runtime.source,
            WorkQueue(runtime.store, policy),
            runtime.store,
            interval=self.settings.daemon.poll_interval_seconds,
            sweep_interval=self.settings.daemon.sweep_interval_seconds,
            stop=self.stop,
        )
        return self._thread("poller", poller.run)

    def http_routes(self, store: StateStore) -> list[BaseRoute]:
        """Everything the daemon serves over HTTP: the probes always, the webhook receiver
        when it receives webhooks. Extend the list (a ``Mount``) to serve more."""
        routes = probe_routes(store, self.metrics, expected_schema=store.schema_version())
        if self.serve:
            intake = WebhookIntake(store, on_queued=self.doorbell.ring)
            self._intake = intake
            routes += webhook_routes(
                intake,
                self.settings.webhook.secret_values(),
                self.metrics,
                tolerance=self.settings.webhook.tolerance_seconds,
                max_body_bytes=self.settings.webhook.max_body_bytes,
            )
        if self.settings.console.enabled:
            routes.append(console_mount(store, self.settings.console, self._woken))
            if self.settings.webhook.host not in LOOPBACK:
                # Token-protected still, but it is worth knowing who can reach the login form.
                self.log.warning("daemon.console_beyond_loopback", host=self.settings.webhook.host)
        return routes

    def _woken(self) -> int:
        """After the console queued a replay: the workers take it at once (none worked here)."""
        self.doorbell.ring()
        return 0

    def _start_server(self, stack: ExitStack, store: StateStore) -> threading.Thread:
        """The HTTP server, served by uvicorn in a thread of its own."""
        app = Starlette(routes=self.http_routes(store))
        if self._intake is not None:
            stack.callback(self._intake.close)
        config = uvicorn.Config(
            app,
            host=self.settings.webhook.host,
            port=self.settings.webhook.port,
            log_level="warning",
            # uvicorn's own loggers go through the connector's (see connector.logs), so
            # its lines are JSON like every other.
            log_config=None,
            access_log=False,
            lifespan="off",
        )
        self._server = uvicorn.Server(config)
        return self._thread("http", self._server.run)

    def _start_beating(self, store: StateStore) -> threading.Thread:
        """Record this daemon in the store and beat there until it stops."""
        record = DaemonRecord(
            id=f"{_host()}-{uuid.uuid4().hex[:8]}",
            host=socket.gethostname(),
            pid=os.getpid(),
            started_at=utcnow(),
            heartbeat_at=utcnow(),
            workers=self.worker_count,
        )

        def beat() -> None:
            while True:
                try:
                    store.beat_daemon(replace(record, heartbeat_at=utcnow()))
                except Exception as exc:  # the store is down: the next beat tries again
                    self.log.warning("daemon.beat_failed", error=redact_text(str(exc)))
                if self.stop.wait(DAEMON_BEAT_SECONDS):
                    break
            try:
                store.forget_daemon(record.id)
            except Exception as exc:
                self.log.warning("daemon.forget_failed", error=redact_text(str(exc)))

        return self._thread("heartbeat", beat)

    def _watch(self, threads: list[threading.Thread]) -> list[str]:
        """Wait for a stop; return the threads still working once the grace period ends."""
        while not self.stop.wait(0.5):
            dead = [t.name for t in threads if not t.is_alive()]
            # Checked after: a component that stopped because a stop was asked meanwhile
            # has not died.
            if dead and not self.stop.is_set():
                # Exit non-zero, so that a supervisor restarting on failure restarts us.
                self.log.error("daemon.component_died", components=dead)
                self._failed = True
                self.request_stop()
        deadline = time.monotonic() + self.settings.daemon.shutdown_grace_seconds
        for thread in threads:
            thread.join(timeout=max(0.0, deadline - time.monotonic()))
        return [t.name for t in threads if t.is_alive()]


def _host() -> str:
    return f"{socket.gethostname()}-{os.getpid()}"


def port_taken(host: str, port: int) -> str | None:
    """Why ``host:port`` cannot be listened on (already in use, say), or None."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        # As uvicorn binds: a port left in TIME_WAIT by a stopped server is free.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError as exc:
            return exc.strerror or str(exc)
    return None
