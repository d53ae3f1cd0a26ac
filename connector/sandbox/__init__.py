"""Local sandbox: emulators of Stripe, Salesforce and Odoo that speak their wire protocols.

Each emulator lives in its own subpackage and is an ASGI application. ``common`` holds what
they share: the uvicorn runner, the throwaway certificate authority, fault injection and the
per-endpoint call counters exposed under ``/__sandbox/``.
"""
