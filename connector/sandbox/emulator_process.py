"""One emulator in a process of its own, as the real systems are services of their own.

In one process the three emulators share one interpreter lock: a connector that reads
Stripe, Salesforce and Odoo at once would see each answer wait for the other two, which no
real deployment does. ``connector sandbox up`` therefore starts each emulator in a child
process (``spawn``: a fresh interpreter, nothing inherited but the arguments); tests and the
demo keep them in process, where they reach the emulators' state directly.

A child serves until it is sent SIGTERM (then saves what it persists) or its parent is gone.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import threading
from collections.abc import Callable
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any, Literal

from connector.sandbox.common.server import LOOPBACK, STARTUP_TIMEOUT_SECONDS
from connector.sandbox.common.tls import SandboxCertificates

Kind = Literal["stripe", "salesforce", "odoo"]
STOP_TIMEOUT_SECONDS = 15.0
PARENT_CHECK_SECONDS = 1.0


@dataclass
class EmulatorProcess:
    """A started child serving one emulator on ``port``."""

    kind: Kind
    process: multiprocessing.process.BaseProcess
    port: int
    scheme: str

    @property
    def base_url(self) -> str:
        return f"{self.scheme}://{LOOPBACK}:{self.port}"

    def stop(self) -> None:
        """SIGTERM (the child stops serving and saves), then a kill if it does not end."""
        if self.process.is_alive() and self.process.pid is not None:
            os.kill(self.process.pid, signal.SIGTERM)
        self.process.join(STOP_TIMEOUT_SECONDS)
        if self.process.is_alive():
            self.process.kill()
            self.process.join(STOP_TIMEOUT_SECONDS)


def start_emulator(
    kind: Kind, config: Any, port: int, tls: SandboxCertificates | None = None
) -> EmulatorProcess:
    """Start ``kind`` built from ``config`` in a child; return once it accepts connections."""
    context = multiprocessing.get_context("spawn")
    ours, theirs = context.Pipe(duplex=False)
    process = context.Process(
        target=_serve,
        args=(kind, config, port, tls, theirs, os.getpid()),
        name=f"sandbox-{kind}",
        daemon=True,
    )
    process.start()
    theirs.close()
    if not ours.poll(STARTUP_TIMEOUT_SECONDS * 4):  # a fresh interpreter imports first
        process.kill()
        raise RuntimeError(f"the {kind} emulator did not start on port {port}")
    answer = ours.recv()
    if answer != "ready":
        process.join(STOP_TIMEOUT_SECONDS)
        raise RuntimeError(f"the {kind} emulator did not start: {answer}")
    return EmulatorProcess(kind, process, port, "https" if tls else "http")


def _serve(
    kind: Kind,
    config: Any,
    port: int,
    tls: SandboxCertificates | None,
    ready: Connection,
    parent: int,
) -> None:
    """The child: build the emulator, serve it, and stop cleanly when told or orphaned."""
    from connector.gc_tuning import tune_collector
    from connector.sandbox.common import serve_in_thread

    tune_collector()
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C reaches the parent, which stops us
    try:
        emulator, app, close = _build(kind, config)
        server = serve_in_thread(app, port=port, tls=tls)
    except Exception as exc:  # told to the parent, which reports it
        ready.send(f"{type(exc).__name__}: {exc}")
        return
    ready.send("ready")
    while not stop.wait(PARENT_CHECK_SECONDS):
        if os.getppid() != parent:
            break  # the parent died without stopping us: no orphan keeps the port
    server.stop()
    close()
    del emulator


def _build(kind: Kind, config: Any) -> tuple[Any, Any, Callable[[], None]]:
    """(emulator, its ASGI app, what to call when it stops)."""
    if kind == "stripe":
        from connector.sandbox.stripe import create_stripe_app

        stripe = create_stripe_app(config)
        return stripe, stripe.app, stripe.close
    if kind == "salesforce":
        from connector.sandbox.salesforce import create_salesforce_app

        salesforce = create_salesforce_app(config)
        return salesforce, salesforce.app, _saver(salesforce, config.persist_path)
    from connector.sandbox.odoo import create_odoo_app

    odoo = create_odoo_app(config)
    return odoo, odoo.app, _saver(odoo, config.persist_path)


def _saver(emulator: Any, persist_path: Path | None) -> Callable[[], None]:
    def save() -> None:
        if persist_path is not None:
            emulator.save()

    return save
