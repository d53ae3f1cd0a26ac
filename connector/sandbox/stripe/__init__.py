"""Stripe API emulator for the local sandbox (API version 2026-10-28.endive).

Usage::

    from connector.sandbox.common import serve_in_thread
    from connector.sandbox.stripe import StripeSandboxConfig, create_stripe_app

    sandbox = create_stripe_app(StripeSandboxConfig(secret_key="sk_test_sandbox"))
    server = serve_in_thread(sandbox.app)          # or any uvicorn runner; sandbox is ASGI too
    ...                                             # point the Stripe client at server.base_url
    server.stop()
    sandbox.close()                                 # saves to persist_path, stops webhooks

:class:`StripeSandbox` holds ``app`` (ASGI), ``state`` (:class:`StripeState`), ``injector``
(faults) and ``stats`` (call counters), plus ``request(method, path, params)`` for in-process
calls. The state offers ``load(data)``, ``advance_clock(...)``, ``set_subscription_status(...)``
and ``reset()``.

API endpoints (form-encoded, Bearer or Basic auth with the secret key): customers, products,
prices, coupons, tax_rates (create/retrieve/update/list; delete for customers and coupons),
subscriptions (create/retrieve/update/cancel/list, ``/pause``, ``/resume``),
subscription_items (list/retrieve), events (list/retrieve), webhook_endpoints (CRUD).

Admin endpoints (JSON, no auth, never faulted): see ``routes_admin.py`` — ``/__sandbox/clock``,
``/load`` (format in ``loader.py``), ``/reset``, ``/save``, ``/webhook_attempts``,
``/subscriptions/{id}/status``, and the common ``/faults`` and ``/stats``.
"""

from connector.sandbox.stripe.app import StripeSandbox, create_stripe_app
from connector.sandbox.stripe.config import PINNED_API_VERSION, StripeSandboxConfig
from connector.sandbox.stripe.state import StripeState

__all__ = [
    "PINNED_API_VERSION",
    "StripeSandbox",
    "StripeSandboxConfig",
    "StripeState",
    "create_stripe_app",
]
