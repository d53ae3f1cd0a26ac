"""Salesforce calls on kept-alive connections: same answers and errors as through requests."""

from __future__ import annotations

import socket

import pytest
import requests

from adapters.salesforce.session import TimeoutSession
from tests.adapters.odoo.test_keepalive import Server, server

__all__ = ["server"]  # the fixture, shared


def _url(server: Server) -> str:
    return f"http://127.0.0.1:{server.server_address[1]}/services/data/v59.0/composite"


def test_calls_share_a_connection_and_answer_like_requests(server: Server) -> None:
    session = TimeoutSession(5.0)
    seen: list[str] = []
    session.hooks["response"].append(lambda r, *_a, **_k: seen.append(r.headers["Content-Type"]))
    answers = [
        session.request("POST", _url(server), json={"n": n}, params={"q": "a b"}).json()
        for n in range(3)
    ]
    assert answers == [{"echo": {"n": n}} for n in range(3)]
    assert server.connections == 1
    assert seen == ["application/json"] * 3  # the session's hooks see every answer
    plain = requests.Session().request("POST", _url(server), json={"n": 0}).json()
    assert plain == answers[0]


def test_a_proxy_in_the_environment_sends_through_requests(
    server: Server, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HTTP_PROXY", "http://127.0.0.1:9")  # nothing listens there
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    session = TimeoutSession(5.0)
    with pytest.raises(requests.exceptions.ProxyError):
        session.request("POST", _url(server), json={"n": 1})
    assert server.connections == 0


def test_transport_failures_are_requests_exceptions() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    session = TimeoutSession(5.0)
    with pytest.raises(requests.exceptions.ConnectionError):
        session.request("GET", f"http://127.0.0.1:{port}/services/data/")
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        url = f"http://127.0.0.1:{silent.getsockname()[1]}/services/data/"
        with pytest.raises(requests.exceptions.ReadTimeout):
            TimeoutSession(0.2).request("GET", url)


def test_a_call_with_certificate_settings_of_its_own_goes_through_requests() -> None:
    session = TimeoutSession(5.0, ca_bundle="/etc/subsync/ca.pem")
    url = "https://login.example.com/services/data/"
    assert session.direct.can_send(url, {"verify": "/etc/subsync/ca.pem"})
    assert not session.direct.can_send(url, {"verify": "/elsewhere/ca.pem"})
    assert not session.direct.can_send(url, {"verify": False})
    assert not session.direct.can_send(url, {"stream": True})
