"""A small asyncio load generator: C keep-alive connections POSTing to a loopback server.

Bounded twice: at most ``max_requests`` requests are started, and none is started after
``seconds``; requests in flight at the deadline are allowed to finish (each has its own
timeout). Two clients:

- ``raw``: HTTP/1.1 over asyncio streams, one persistent connection per worker, parsing just
  the status line and ``Content-Length``. Cheap enough that one core drives a Python server
  on the other core without being the bottleneck.
- ``httpx``: ``httpx.AsyncClient`` with ``C`` pooled connections, the realistic client, but
  itself costly per request (measure with both before blaming the server).

Use it from a benchmark: ``outcome = asyncio.run(generate(target, make_request, ...))``.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import time
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import httpx

CLIENTS = ("raw", "httpx")
REQUEST_TIMEOUT_SECONDS = 30.0


@dataclass(frozen=True, slots=True)
class Request:
    path: str
    body: bytes
    headers: Mapping[str, str]


# Builds request number ``i`` (0, 1, 2, ...): each call should give a distinct request.
RequestFactory = Callable[[int], Request]


@dataclass
class Outcome:
    """What happened. ``latencies`` are seconds, of 2xx answers only."""

    started: int = 0
    statuses: Counter[int] = field(default_factory=Counter)
    errors: Counter[str] = field(default_factory=Counter)  # transport errors by exception
    accepted: list[int] = field(default_factory=list)  # request numbers answered 2xx
    latencies: list[float] = field(default_factory=list)
    elapsed: float = 0.0  # first request started -> last answer received

    @property
    def ok(self) -> int:
        return len(self.accepted)

    def rate(self) -> float:
        return self.ok / self.elapsed if self.elapsed else 0.0

    def percentile(self, share: float) -> float:
        """A latency percentile in seconds (``share`` in 0..1), nearest-rank."""
        if not self.latencies:
            return float("nan")
        ordered = sorted(self.latencies)
        rank = max(1, math.ceil(share * len(ordered)))
        return ordered[rank - 1]


class _Budget:
    """Hands out request numbers until the count or the time runs out."""

    def __init__(self, max_requests: int, deadline: float) -> None:
        self._next = 0
        self._max = max_requests
        self._deadline = deadline

    def take(self) -> int | None:
        if self._next >= self._max or time.perf_counter() >= self._deadline:
            return None
        number = self._next
        self._next += 1
        return number


class _RawConnection:
    """One HTTP/1.1 keep-alive connection; reconnects when the server closes it."""

    def __init__(self, host: str, port: int) -> None:
        self._host, self._port = host, port
        self._reader: asyncio.StreamReader | None = None
        self._writer: asyncio.StreamWriter | None = None
        self._host_header = f"{host}:{port}"

    async def _connect(self) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        if self._reader is None or self._writer is None:
            self._reader, self._writer = await asyncio.open_connection(self._host, self._port)
        return self._reader, self._writer

    async def post(self, request: Request) -> int:
        reader, writer = await self._connect()
        head = [
            f"POST {request.path} HTTP/1.1",
            f"Host: {self._host_header}",
            f"Content-Length: {len(request.body)}",
            *(f"{name}: {value}" for name, value in request.headers.items()),
        ]
        writer.write(("\r\n".join(head) + "\r\n\r\n").encode("latin-1") + request.body)
        try:
            raw = await reader.readuntil(b"\r\n\r\n")
        except asyncio.IncompleteReadError:
            await self.close()
            raise ConnectionResetError("the server closed the connection") from None
        lines = raw.decode("latin-1").split("\r\n")
        status = int(lines[0].split(" ", 2)[1])
        length = 0
        closing = False
        for line in lines[1:]:
            name, _, value = line.partition(":")
            lowered = name.strip().lower()
            if lowered == "content-length":
                length = int(value.strip())
            elif lowered == "transfer-encoding":
                raise ValueError("chunked answers are not supported by the raw client")
            elif lowered == "connection" and value.strip().lower() == "close":
                closing = True
        if length:
            await reader.readexactly(length)
        if closing:
            await self.close()
        return status

    async def close(self) -> None:
        writer, self._reader, self._writer = self._writer, None, None
        if writer is not None:
            writer.close()
            with contextlib.suppress(OSError):
                await writer.wait_closed()


async def _worker_raw(
    base_url: str, make: RequestFactory, budget: _Budget, outcome: Outcome
) -> None:
    parts = urlsplit(base_url)
    connection = _RawConnection(parts.hostname or "127.0.0.1", parts.port or 80)
    try:
        while (number := budget.take()) is not None:
            request = make(number)
            outcome.started += 1
            begin = time.perf_counter()
            try:
                status = await asyncio.wait_for(
                    connection.post(request), timeout=REQUEST_TIMEOUT_SECONDS
                )
            except (OSError, ValueError, TimeoutError, asyncio.IncompleteReadError) as exc:
                outcome.errors[type(exc).__name__] += 1
                await connection.close()
                continue
            _record(outcome, number, status, time.perf_counter() - begin)
    finally:
        await connection.close()


async def _worker_httpx(
    client: httpx.AsyncClient, make: RequestFactory, budget: _Budget, outcome: Outcome
) -> None:
    while (number := budget.take()) is not None:
        request = make(number)
        outcome.started += 1
        begin = time.perf_counter()
        try:
            response = await client.post(
                request.path, content=request.body, headers=dict(request.headers)
            )
        except httpx.HTTPError as exc:
            outcome.errors[type(exc).__name__] += 1
            continue
        _record(outcome, number, response.status_code, time.perf_counter() - begin)


def _record(outcome: Outcome, number: int, status: int, latency: float) -> None:
    outcome.statuses[status] += 1
    if 200 <= status < 300:
        outcome.accepted.append(number)
        outcome.latencies.append(latency)


async def generate(
    base_url: str,
    make: RequestFactory,
    *,
    concurrency: int,
    seconds: float,
    max_requests: int,
    client: str = "raw",
) -> Outcome:
    """Run ``concurrency`` workers against ``base_url`` until either bound is reached."""
    if client not in CLIENTS:
        raise ValueError(f"client must be one of {CLIENTS}")
    if not base_url.startswith("http://127.0.0.1:"):
        raise ValueError("the load generator only targets http://127.0.0.1 (loopback)")
    outcome = Outcome()
    begin = time.perf_counter()
    budget = _Budget(max_requests, begin + seconds)
    if client == "raw":
        await asyncio.gather(
            *(_worker_raw(base_url, make, budget, outcome) for _ in range(concurrency))
        )
    else:
        limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
        async with httpx.AsyncClient(
            base_url=base_url, limits=limits, timeout=REQUEST_TIMEOUT_SECONDS
        ) as session:
            await asyncio.gather(
                *(_worker_httpx(session, make, budget, outcome) for _ in range(concurrency))
            )
    outcome.elapsed = time.perf_counter() - begin
    return outcome
