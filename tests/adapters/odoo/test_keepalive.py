"""odoorpc's calls over one kept-alive connection: reused, renewed when the server drops it."""

from __future__ import annotations

import json
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from adapters.odoo import keepalive
from adapters.odoo.keepalive import KeepAliveOpener


class Server(ThreadingHTTPServer):
    daemon_threads = True
    connections = 0
    close_after_answer = False
    status = 200


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: Server

    def setup(self) -> None:
        self.server.connections += 1
        super().setup()

    def do_POST(self) -> None:
        length = int(self.headers["Content-Length"])
        body = json.dumps({"echo": json.loads(self.rfile.read(length))}).encode()
        self.send_response(self.server.status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        if self.server.close_after_answer:
            self.send_header("Connection", "close")
            self.close_connection = True
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        """Quiet: the tests say what they check."""


@pytest.fixture
def server() -> Iterator[Server]:
    """A kept-alive HTTP/1.1 server on loopback that counts its connections."""
    running = Server(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=running.serve_forever, daemon=True)
    thread.start()
    yield running
    running.shutdown()
    running.server_close()


def _call(opener: KeepAliveOpener, server: Server, n: int) -> object:
    request = urllib.request.Request(
        f"http://127.0.0.1:{server.server_address[1]}/jsonrpc",
        data=json.dumps({"n": n}).encode(),
        headers={"Content-Type": "application/json"},
    )
    return json.loads(opener.open(request, timeout=5).read())


def test_calls_share_one_connection(server: Server) -> None:
    opener = KeepAliveOpener("127.0.0.1", server.server_address[1])
    assert [_call(opener, server, n) for n in range(5)] == [{"echo": {"n": n}} for n in range(5)]
    assert server.connections == 1


def test_a_connection_the_server_dropped_while_idle_is_renewed(
    server: Server, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(keepalive, "IDLE_SECONDS", 0.0)  # any pause counts as idle here
    opener = KeepAliveOpener("127.0.0.1", server.server_address[1])
    _call(opener, server, 1)
    assert opener._connection is not None
    assert opener._connection.sock is not None
    opener._connection.sock.shutdown(2)  # as if the server closed it while idle
    assert _call(opener, server, 2) == {"echo": {"n": 2}}
    assert server.connections == 2


def test_a_connection_lost_right_after_a_call_is_not_sent_again_here(server: Server) -> None:
    """Not an idle close: whether to send the call again is the retry policy's decision."""
    opener = KeepAliveOpener("127.0.0.1", server.server_address[1])
    _call(opener, server, 1)
    assert opener._connection is not None
    assert opener._connection.sock is not None
    opener._connection.sock.shutdown(2)
    with pytest.raises(OSError, match=r"Broken pipe|reset|closed|Remote end"):
        _call(opener, server, 2)
    assert _call(opener, server, 3) == {"echo": {"n": 3}}  # the next call connects again


def test_a_server_that_closes_after_each_answer_gets_a_connection_per_call(
    server: Server,
) -> None:
    server.close_after_answer = True
    opener = KeepAliveOpener("127.0.0.1", server.server_address[1])
    assert [_call(opener, server, n) for n in range(3)] == [{"echo": {"n": n}} for n in range(3)]
    assert server.connections == 3


def test_an_error_status_is_an_http_error_with_its_body(server: Server) -> None:
    server.status = 502
    opener = KeepAliveOpener("127.0.0.1", server.server_address[1])
    with pytest.raises(urllib.error.HTTPError) as caught:
        _call(opener, server, 7)
    assert caught.value.code == 502
    assert json.loads(caught.value.read()) == {"echo": {"n": 7}}
