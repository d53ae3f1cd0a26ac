"""Plumbing shared by the three emulators."""

from connector.sandbox.common.admin import admin_routes
from connector.sandbox.common.faults import FaultInjector, FaultKind, FaultMiddleware, FaultRule
from connector.sandbox.common.server import RunningServer, serve_in_thread
from connector.sandbox.common.stats import CallStats
from connector.sandbox.common.tls import SandboxCertificates, make_certificates

__all__ = [
    "CallStats",
    "FaultInjector",
    "FaultKind",
    "FaultMiddleware",
    "FaultRule",
    "RunningServer",
    "SandboxCertificates",
    "admin_routes",
    "make_certificates",
    "serve_in_thread",
]
