"""``connector demo``: the whole job on a generated data set, end to end, in a few seconds.

It writes a billing export and an existing CRM and ERP (file-backed) with drift: some records
missing, some edited by hand. Then it shows the dry-run plan, applies it, changes a handful of
subscriptions in billing (an upgrade, a pause, a cancellation) and shows them reaching both
targets with their audit entries.
"""

from __future__ import annotations

import json
import random
from pathlib import Path

from rich.console import Console

from adapters.memory import MemoryTarget
from connector.cli.render import print_audit, print_report
from connector.config import load_settings
from connector.mapping import load_mappings
from connector.mapping.defaults import default_mappings_dir
from connector.reconciler import RunOptions
from connector.records import TargetRecord
from connector.runtime import open_runtime
from connector.sandbox.dataset import make_subscription
from connector.schema import Pause, Subscription, SubscriptionStatus
from connector.store import AuditQuery

CONFIG = """\
# Written by `connector demo`: file-backed billing export, CRM and ERP.
store_url = "sqlite:///state/connector.db"
mappings_dir = "{mappings}"
log_format = "console"
log_level = "WARNING"

[source]
kind = "memory"
path = "billing.json"

[targets.salesforce]
kind = "memory"
mapping = "salesforce.yaml"
path = "crm.json"

[targets.odoo]
kind = "memory"
mapping = "odoo.yaml"
path = "erp.json"
"""


def _dump(path: Path, subscriptions: list[Subscription]) -> None:
    path.write_text(json.dumps([json.loads(s.model_dump_json()) for s in subscriptions]))


def _existing_targets(
    workdir: Path, subscriptions: list[Subscription], drift: float, rng: random.Random
) -> None:
    """A CRM and an ERP that were kept by hand: mostly right, some records missing or edited."""
    mappings = load_mappings(
        [default_mappings_dir() / "salesforce.yaml", default_mappings_dir() / "odoo.yaml"]
    )
    for system, filename in (("salesforce", "crm.json"), ("odoo", "erp.json")):
        target = MemoryTarget(mappings[system])
        for sub in subscriptions:
            roll = rng.random()
            if roll < drift / 2:
                continue  # never entered
            rendered = mappings[system].render(sub)
            if roll < drift:
                key, fields = rendered["subscription"]
                edited = dict(fields)
                if system == "salesforce":
                    edited["MRR__c"] = "0"
                    edited["Status__c"] = "Active"
                else:
                    edited["description"] = "entered by hand"
                rendered["subscription"] = (key, edited)
            for name, (key, fields) in rendered.items():
                if key not in target.records[name]:  # customers with several subscriptions
                    target.records[name][key] = TargetRecord(key, fields, f"pre-{key}", "initial")
        (workdir / filename).write_text(json.dumps(target.dump()))


def run_demo(workdir: Path, subscriptions: int, drift: float, console: Console) -> int:
    workdir.mkdir(parents=True, exist_ok=True)
    for name in ("billing.json", "crm.json", "erp.json"):
        (workdir / name).unlink(missing_ok=True)
    for old_store in (workdir / "state").glob("connector.db*"):
        old_store.unlink()
    rng = random.Random(2026)
    subs = [make_subscription(n) for n in range(1, subscriptions + 1)]
    _dump(workdir / "billing.json", subs)
    _existing_targets(workdir, subs, drift, rng)
    config = workdir / "connector.toml"
    config.write_text(CONFIG.format(mappings=default_mappings_dir()))
    settings = load_settings(config)
    console.rule("1. What would change (dry run)")
    with open_runtime(settings) as runtime:
        report = runtime.reconciler.reconcile_all(RunOptions(dry_run=True, kind="full"))
    print_report(console, report)
    console.rule("2. Apply")
    with open_runtime(settings) as runtime:
        report = runtime.reconciler.reconcile_all(RunOptions(kind="full", allow_mass_changes=True))
    print_report(console, report)
    console.rule("3. Billing changes: an upgrade, a pause, a cancellation")
    active = [s for s in subs if s.status is SubscriptionStatus.ACTIVE][:3]
    upgraded = make_subscription(int(active[0].id.removeprefix("sub_")), variant=3)
    paused = active[1].replace(status=SubscriptionStatus.PAUSED, pause=Pause())
    cancelled = active[2].replace(
        status=SubscriptionStatus.CANCELLED, cancelled_at=active[2].current_period_end
    )
    changed = {s.id: s for s in (upgraded, paused, cancelled)}
    _dump(workdir / "billing.json", [changed.get(s.id, s) for s in subs])
    with open_runtime(settings) as runtime:
        report = runtime.reconciler.reconcile(list(changed), RunOptions(kind="reconcile"))
        print_report(console, report)
        entries = [
            entry
            for key in changed
            for entry in runtime.store.query_audit(AuditQuery(subscription_id=key, limit=1))
        ]
    print_audit(console, entries)
    console.print(
        f"\nFiles are in {workdir}: try `connector audit --config {config}` or "
        f"`connector status --config {config}`."
    )
    return int(report.exit_code)
