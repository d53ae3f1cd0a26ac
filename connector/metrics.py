"""Prometheus metrics: what operators watch (see the README's "What to watch")."""

from __future__ import annotations

from collections.abc import Callable, Iterator

from prometheus_client import CollectorRegistry, Counter, Histogram
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from connector.store import StateStore, utcnow


class StoreCollector(Collector):
    """Queue depth, oldest item age and open dead letters, read from the store at scrape."""

    def __init__(self, store_factory: Callable[[], StateStore]) -> None:
        self._store_factory = store_factory

    def collect(self) -> Iterator[GaugeMetricFamily]:
        store = self._store_factory()
        now = utcnow()
        stats = store.queue_stats(now)
        oldest = (
            (now - stats.oldest_enqueued_at).total_seconds() if stats.oldest_enqueued_at else 0.0
        )
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
        down = GaugeMetricFamily(
            "connector_system_down",
            "1 while a system cannot be used (credentials, permissions, quota) and is paused",
            labels=["system"],
        )
        for system in store.systems_down():
            down.add_metric([system.system], 1.0)
        yield down


class Metrics:
    """The connector's metrics, in a registry of their own (one per process or test)."""

    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        self.registry = registry or CollectorRegistry()
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
