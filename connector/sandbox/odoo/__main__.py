"""Run the Odoo emulator standalone: ``python -m connector.sandbox.odoo --port 8069``."""

from __future__ import annotations

import argparse
import signal
import threading
from pathlib import Path

from connector.sandbox.odoo.app import create_odoo_app
from connector.sandbox.odoo.config import OdooSandboxConfig


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Emulated Odoo 17 (JSON-RPC) on 127.0.0.1")
    parser.add_argument("--port", type=int, default=8069)
    parser.add_argument("--database", default="subsync")
    parser.add_argument("--login", default="admin")
    parser.add_argument("--password", default="admin")
    parser.add_argument("--api-key", action="append", default=[])
    parser.add_argument("--persist", type=Path, default=None, help="SQLite file")
    args = parser.parse_args(argv)
    sandbox = create_odoo_app(
        OdooSandboxConfig(
            database=args.database,
            login=args.login,
            password=args.password,
            api_keys=args.api_key,
            persist_path=args.persist,
        )
    )
    server = sandbox.serve(port=args.port)
    print(f"Odoo sandbox on {server.base_url} (database {args.database!r})", flush=True)
    stop = threading.Event()
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    stop.wait()
    server.stop()
    sandbox.save()


if __name__ == "__main__":
    main()
