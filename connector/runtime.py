"""Build the adapters, the store and the reconciler that a configuration describes."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from adapters.base import Source, Target
from adapters.memory import MemorySource, MemoryTarget
from adapters.odoo.settings import OdooSettings
from adapters.odoo.target import build_odoo_target
from adapters.salesforce.settings import SalesforceSettings
from adapters.salesforce.target import build_salesforce_target
from adapters.stripe import StripeSettings, build_stripe_source
from connector.config import (
    MemorySourceSettings,
    MemoryTargetSettings,
    Settings,
    TargetSettings,
)
from connector.errors import ConfigError
from connector.gc_tuning import tune_collector
from connector.mapping import CompiledMapping, load_mappings
from connector.planner import PlanPolicy
from connector.reconciler import Reconciler
from connector.run_progress import RunProgress
from connector.store import StateStore, open_store


@dataclass
class Runtime:
    settings: Settings
    source: Source
    targets: list[Target]
    store: StateStore
    reconciler: Reconciler
    _closers: list[Any] = field(default_factory=list)

    def close(self) -> None:
        for closer in reversed(self._closers):
            closer()
        self.store.close()


def load_target_mappings(settings: Settings) -> dict[str, CompiledMapping]:
    if not settings.targets:
        raise ConfigError("no targets configured: add a [targets.<name>] section")
    paths = settings.mapping_paths()
    compiled = load_mappings(paths.values())
    by_name: dict[str, CompiledMapping] = {}
    for name, path in paths.items():
        mapping = next(m for m in compiled.values() if Path(m.path) == path)
        if mapping.system != name:
            raise ConfigError(
                f"target {name!r} uses {path}, which maps system {mapping.system!r}: "
                "name the target after the mapping's system"
            )
        by_name[name] = mapping
    return by_name


def _source(settings: Settings, closers: list[Any]) -> Source:
    config = settings.source
    if isinstance(config, MemorySourceSettings):
        path = settings.relative(config.path)
        if path is None:
            return MemorySource(system=config.system)
        return MemorySource.from_file(path, system=config.system)
    if isinstance(config, StripeSettings):
        if config.ca_bundle is not None:
            config = config.model_copy(update={"ca_bundle": settings.relative(config.ca_bundle)})
        stripe = build_stripe_source(config)
        closers.append(stripe.close)
        return stripe
    raise ConfigError(f"unsupported source kind {config.kind!r}")


def _target(
    settings: Settings, config: TargetSettings, mapping: CompiledMapping, closers: list[Any]
) -> Target:
    if isinstance(config, MemoryTargetSettings):
        target = MemoryTarget(mapping)
        path = settings.relative(config.path)
        if path is not None:
            if path.exists():
                target.load(json.loads(path.read_text(encoding="utf-8")))

            def save(target: MemoryTarget = target, path: Path = path) -> None:
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_text(json.dumps(target.dump(), indent=1), encoding="utf-8")

            closers.append(save)
        return target
    if isinstance(config, SalesforceSettings):
        if config.ca_bundle is not None:
            config = config.model_copy(update={"ca_bundle": settings.relative(config.ca_bundle)})
        salesforce = build_salesforce_target(config, mapping)
        closers.append(salesforce.close)
        return salesforce
    if isinstance(config, OdooSettings):
        return build_odoo_target(config, mapping)
    raise ConfigError(f"unsupported target kind {config.kind!r}")


@contextmanager
def open_runtime(settings: Settings, progress: RunProgress | None = None) -> Iterator[Runtime]:
    tune_collector()
    mappings = load_target_mappings(settings)
    closers: list[Any] = []
    source = _source(settings, closers)
    targets = [
        _target(settings, config, mappings[name], closers)
        for name, config in settings.targets.items()
    ]
    store = open_store(settings.store_url)
    reconciler = Reconciler(
        source,
        targets,
        store,
        policy=PlanPolicy(
            create_cancelled=settings.sync.create_cancelled,
            cancel_missing=settings.sync.cancel_missing,
        ),
        safety=settings.safety,
        chunk_size=settings.sync.chunk_size,
        progress=progress,
    )
    runtime = Runtime(settings, source, targets, store, reconciler, closers)
    try:
        yield runtime
    finally:
        runtime.close()
