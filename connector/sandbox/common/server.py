"""Run an ASGI app under uvicorn on loopback, in a background thread of this process."""

from __future__ import annotations

import socket
import threading
import time
from dataclasses import dataclass
from types import TracebackType

import uvicorn
from starlette.types import ASGIApp

from connector.sandbox.common.tls import SandboxCertificates

LOOPBACK = "127.0.0.1"
STARTUP_TIMEOUT_SECONDS = 15.0


def free_port() -> int:
    """A TCP port on loopback that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((LOOPBACK, 0))
        port: int = sock.getsockname()[1]
        return port


class PortInUseError(OSError):
    """A port the sandbox needs is taken (by another sandbox, or anything else)."""

    def __init__(self, port: int) -> None:
        super().__init__(f"port {port} on {LOOPBACK} is in use")
        self.port = port


def require_free(ports: list[int]) -> None:
    """Raise :class:`PortInUseError` for the first of ``ports`` something listens on."""
    for port in ports:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            # As uvicorn binds: a port left in TIME_WAIT by a stopped server is free.
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                sock.bind((LOOPBACK, port))
            except OSError as exc:
                raise PortInUseError(port) from exc


@dataclass
class RunningServer:
    """A started uvicorn server; stop it with :meth:`stop` or use it as a context manager."""

    server: uvicorn.Server
    thread: threading.Thread
    host: str
    port: int
    scheme: str

    @property
    def base_url(self) -> str:
        return f"{self.scheme}://{self.host}:{self.port}"

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)

    def __enter__(self) -> RunningServer:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


def serve_in_thread(
    app: ASGIApp,
    port: int | None = None,
    tls: SandboxCertificates | None = None,
    log_level: str = "warning",
) -> RunningServer:
    """Start ``app`` on 127.0.0.1 and return once it accepts connections."""
    chosen = port or free_port()
    if port:
        require_free([port])
    config = uvicorn.Config(
        app,
        host=LOOPBACK,
        port=chosen,
        log_level=log_level,
        access_log=False,
        lifespan="off",
        ssl_certfile=str(tls.server_cert) if tls else None,
        ssl_keyfile=str(tls.server_key) if tls else None,
        timeout_keep_alive=30,
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name=f"sandbox-{chosen}", daemon=True)
    thread.start()
    deadline = time.monotonic() + STARTUP_TIMEOUT_SECONDS
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            server.should_exit = True
            raise RuntimeError(f"sandbox server on port {chosen} did not start")
        time.sleep(0.01)
    return RunningServer(server, thread, LOOPBACK, chosen, "https" if tls else "http")
