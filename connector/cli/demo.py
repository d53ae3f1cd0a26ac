"""``connector demo``: the whole job against the local sandbox, end to end.

It starts the emulators of Stripe, Salesforce and Odoo, fills billing with a generated data
set, and gives the CRM and the ERP the drift real ones have (records missing, fields edited by
hand). Then it shows the dry-run plan, applies it, changes three subscriptions through
Stripe's API (an upgrade, a pause, a cancellation), picks the changes up from Stripe's event
feed as the daemon does, and shows them reaching both targets with their audit entries.
Finally it checks that the three systems state the same status and MRR for every
subscription (``connector verify``). The sandbox stops on exit.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import httpx
from rich.console import Console

from connector.cli.mrr_render import print_bridge
from connector.cli.render import print_audit, print_report
from connector.cli.seed_progress import seed_progress
from connector.cli.verify_render import print_verify
from connector.config import load_settings
from connector.exit_codes import ExitCode
from connector.mapping.defaults import default_mappings_dir
from connector.reconciler import RunOptions
from connector.revenue.bridge import bridge
from connector.revenue.synced import synced_mrr
from connector.runtime import Runtime, open_runtime
from connector.sandbox.local import STRIPE_KEY, LocalSandbox
from connector.sandbox.seeding import seed_sandbox
from connector.schema import SubscriptionStatus
from connector.store import AuditQuery
from connector.verify import verify_systems


def _stripe(base_url: str) -> httpx.Client:
    return httpx.Client(
        base_url=base_url, headers={"Authorization": f"Bearer {STRIPE_KEY}"}, timeout=30
    )


def _change_in_billing(stripe: httpx.Client, keys: list[str]) -> dict[str, str]:
    """An upgrade (more seats), a pause and a cancellation, made as a billing admin would."""
    upgrade, pause, cancel = keys
    item = stripe.get(f"/v1/subscriptions/{upgrade}").json()["items"]["data"][0]
    stripe.post(
        f"/v1/subscriptions/{upgrade}",
        data={"items[0][id]": item["id"], "items[0][quantity]": str(item["quantity"] + 5)},
    ).raise_for_status()
    stripe.post(
        f"/v1/subscriptions/{pause}", data={"pause_collection[behavior]": "void"}
    ).raise_for_status()
    stripe.delete(f"/v1/subscriptions/{cancel}").raise_for_status()
    return {upgrade: "upgraded (+5 seats)", pause: "paused", cancel: "cancelled"}


def run_demo(workdir: Path, subscriptions: int, drift: float, console: Console) -> int:
    workdir.mkdir(parents=True, exist_ok=True)
    for old in workdir.glob("connector.db*"):
        old.unlink()
    console.rule("Starting the sandbox: Stripe, Salesforce and Odoo emulators on 127.0.0.1")
    with LocalSandbox(workdir) as box:
        assert box.endpoints is not None
        config = box.write_config(default_mappings_dir())
        settings = load_settings(config)
        with seed_progress(console) as progress:
            seeded = seed_sandbox(
                settings, box.endpoints, box.odoo_client(), subscriptions, drift, progress=progress
            )
        console.print(
            f"{seeded.subscriptions} subscriptions in billing; the CRM and ERP drifted: "
            f"records missing {seeded.deleted}, edited by hand {seeded.edited}"
        )
        with open_runtime(settings) as runtime:
            console.rule("1. What would change (dry run)")
            plan = runtime.reconciler.reconcile_all(RunOptions(dry_run=True, kind="full"))
            print_report(console, plan)
            console.rule("2. Apply")
            applied = runtime.reconciler.reconcile_all(RunOptions(kind="full"))
            print_report(console, applied)
            cursor = None
            for page in runtime.source.changed_since(None):
                cursor = page.cursor  # start the change feed from now
            console.rule("3. In Stripe: an upgrade, a pause, a cancellation")
            candidates = _active_keys(runtime)[:3]
            with _stripe(box.endpoints.stripe_url) as stripe:
                done = _change_in_billing(stripe, candidates)
            for key, what in done.items():
                console.print(f"  {key}: {what}")
            keys: list[str] = []
            for page in runtime.source.changed_since(cursor):
                keys.extend(page.keys)
            console.print(f"Stripe's event feed names {len(set(keys))} changed subscriptions")
            report = runtime.reconciler.reconcile(keys, RunOptions(kind="poll"))
            print_report(console, report)
            entries = [
                entry
                for key in done
                for entry in runtime.store.query_audit(
                    AuditQuery(subscription_id=key, run_id=report.run_id, limit=1)
                )
            ]
            print_audit(console, entries)
            console.rule("4. Do the three systems agree? (connector verify)")
            verified = verify_systems(
                runtime.source,
                runtime.targets,
                create_cancelled=settings.sync.create_cancelled,
            )
            print_verify(console, verified)
            console.rule("5. The month's MRR bridge (connector mrr)")
            today = runtime.reconciler.clock().replace(hour=0, minute=0, second=0, microsecond=0)
            tomorrow = today + dt.timedelta(days=1)
            rows = bridge(runtime.store.ledger(until=tomorrow), [(today, tomorrow)])
            print_bridge(console, rows, synced_mrr(runtime.store))
            console.print(
                "The first sync is the opening balance, not new business; the upgrade, the "
                "pause and the cancellation are the only movements."
            )
    console.print(
        f"\nThe sandbox has stopped; its configuration and state store are in {workdir}. "
        "Start it again with `connector sandbox up`."
    )
    if not verified.agrees:
        return int(ExitCode.FAILED)
    return int(report.exit_code)


def _active_keys(runtime: Runtime) -> list[str]:
    keys: list[str] = []
    for page in runtime.source.scan():
        for sub in page.subscriptions:
            if sub.status is SubscriptionStatus.ACTIVE:
                keys.append(sub.id)
        if len(keys) >= 3:
            break
    return keys
