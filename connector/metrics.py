"""Prometheus metrics: what operators watch (see the README's "What to watch").

Counters and histograms live in the process. Gauges about shared state (the queue, dead
letters, MRR, systems down, daemons alive, last syncs) are read from the store at each
scrape; while the store cannot be read, ``connector_store_up`` is 0 and those gauges are
left out rather than failing the scrape, so the process metrics and counters still arrive.
"""

from __future__ import annotations

import datetime as dt
import platform
from collections.abc import Callable, Iterator
from importlib import metadata

from prometheus_client import (
    CollectorRegistry,
    Counter,
    Histogram,
    Info,
    PlatformCollector,
    ProcessCollector,
)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from connector.liveness import DAEMON_ALIVE_WITHIN
from connector.logs import get_logger
from connector.redaction import redact_text
from connector.store import StateStore, utcnow

RUN_DURATION_BUCKETS = (0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600)


def connector_version() -> str:
    try:
        return metadata.version("subsync-connector")
    except metadata.PackageNotFoundError:
        return "unknown"


def _queue_gauges(store: StateStore, now: dt.datetime) -> Iterator[GaugeMetricFamily]:
    stats = store.queue_stats(now)
    oldest = (now - stats.oldest_enqueued_at).total_seconds() if stats.oldest_enqueued_at else 0.0
    yield GaugeMetricFamily(
        "connector_queue_depth", "Subscription keys waiting to be reconciled", stats.queued
    )
    yield GaugeMetricFamily(
        "connector_queue_leased", "Keys a worker is reconciling now", stats.leased
    )
    yield GaugeMetricFamily(
        "connector_queue_delayed", "Queued keys waiting out a retry backoff", stats.delayed
    )
    yield GaugeMetricFamily(
        "connector_queue_oldest_age_seconds", "Age of the oldest queued key", oldest
    )


def _book_gauges(store: StateStore) -> Iterator[GaugeMetricFamily]:
    yield GaugeMetricFamily(
        "connector_dead_letters_open",
        "Records a target refused, waiting for an operator",
        store.count_dead_letters("open"),
    )
    mrr = GaugeMetricFamily(
        "connector_mrr",
        "MRR of every synced subscription, per currency, from the movements ledger",
        labels=["currency"],
    )
    for currency, amount in sorted(store.ledger_totals().items()):
        # Prometheus samples are floats; the exact figure is `connector mrr`'s.
        mrr.add_metric([currency], float(amount))
    yield mrr


def _system_gauges(store: StateStore, now: dt.datetime) -> Iterator[GaugeMetricFamily]:
    down = GaugeMetricFamily(
        "connector_system_down",
        "1 while a system cannot be used (credentials, permissions, quota) and is paused",
        labels=["system"],
    )
    for system in store.systems_down():
        down.add_metric([system.system], 1.0)
    yield down
    synced = GaugeMetricFamily(
        "connector_last_sync_success_timestamp_seconds",
        "When a run last brought each system in line (Unix time)",
        labels=["system"],
    )
    for name, at in sorted(store.last_synced().items()):
        synced.add_metric([name], at.timestamp())
    yield synced
    daemons = store.live_daemons(now, DAEMON_ALIVE_WITHIN)
    yield GaugeMetricFamily(
        "connector_daemons_alive", "Daemons (connector run) beating in the store", len(daemons)
    )
    yield GaugeMetricFamily(
        "connector_workers_alive",
        "Worker threads of the daemons beating in the store",
        sum(d.workers for d in daemons),
    )


class StoreCollector(Collector):
    """The store's gauges, read at scrape; ``connector_store_up`` says whether they could be."""

    def __init__(self, store_factory: Callable[[], StateStore]) -> None:
        self._store_factory = store_factory
        self._log = get_logger("connector.metrics")

    def collect(self) -> Iterator[GaugeMetricFamily]:
        try:
            store = self._store_factory()
            now = utcnow()
            # Read everything before yielding anything: a scrape shows all of the store's
            # gauges or none of them, never a half-read mix.
            families = [
                *_queue_gauges(store, now),
                *_book_gauges(store),
                *_system_gauges(store, now),
            ]
        except Exception as exc:
            self._log.warning(
                "metrics.store_unreachable", error=redact_text(f"{type(exc).__name__}: {exc}")
            )
            families = []
        yield GaugeMetricFamily(
            "connector_store_up",
            "1 when the state store answered this scrape; its gauges are absent while 0",
            1.0 if families else 0.0,
        )
        yield from families


class Metrics:
    """The connector's metrics, in a registry of their own (one per process or test)."""

    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        self.registry = registry or CollectorRegistry()
        Info("connector_build", "The connector's version", registry=self.registry).info(
            {"version": connector_version(), "python": platform.python_version()}
        )
        ProcessCollector(registry=self.registry)  # memory, CPU, open files, start time
        PlatformCollector(registry=self.registry)
        self.webhooks = Counter(
            "connector_webhooks",
            "Webhook requests by result",
            ["result"],
            registry=self.registry,
        )
        self.webhook_lag = Histogram(
            "connector_webhook_lag_seconds",
            "From the event's creation in billing to its acceptance here",
            buckets=(0.1, 0.5, 1, 2, 5, 15, 60, 300, 3600),
            registry=self.registry,
        )
        self.reconciles = Counter(
            "connector_reconciles",
            "Subscriptions reconciled by the workers, by outcome",
            ["outcome"],
            registry=self.registry,
        )
        self.run_duration = Histogram(
            "connector_run_duration_seconds",
            "How long the workers' runs take, by kind (queue batches, sweeps)",
            ["kind"],
            buckets=RUN_DURATION_BUCKETS,
            registry=self.registry,
        )
        self.api_calls = Counter(
            "connector_api_calls",
            "API calls to each system",
            ["system", "kind"],
            registry=self.registry,
        )
        self.api_errors = Counter(
            "connector_api_errors",
            "Failed runs or batches by system",
            ["system"],
            registry=self.registry,
        )

    def watch_store(self, store_factory: Callable[[], StateStore]) -> None:
        self.registry.register(StoreCollector(store_factory))


__all__ = ["Metrics", "StoreCollector", "connector_version"]
