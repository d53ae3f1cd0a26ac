"""The Stripe billing source: subscriptions read from Stripe and translated to canonical.

Costs, per operation (see ``expansions.py`` and ``catalog.py``):

- ``scan()``: one ``GET /v1/subscriptions`` per 100 subscriptions (every status, whole
  customers and discounts inlined), plus one ``GET /v1/products`` per 100 distinct products and
  one ``GET /v1/coupons/{id}`` per distinct item-level coupon, each once per scan;
- ``get(keys)``: one ``GET /v1/subscriptions/{id}`` per key (Stripe has no batch retrieve),
  up to ``read_concurrency`` of them side by side, products inlined, plus item-level coupons
  not read in the last ``coupon_cache_seconds``;
- ``changed_since(cursor)``: see ``events.py``.

Calls are counted once each in :attr:`calls` (retries are counted by ``resilient.retries``).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from types import TracebackType
from typing import Any
from urllib.parse import quote

from adapters.base import ChangePage, SourcePage, SourceRead
from adapters.stripe.catalog import Catalog, CouponMemory
from adapters.stripe.client import StripeClient
from adapters.stripe.errors import StripeApiError
from adapters.stripe.events import EventFeed
from adapters.stripe.expansions import expand_params, list_expansions, retrieve_expansions
from adapters.stripe.settings import StripeSettings
from adapters.stripe.translate import NO_ID, record_key, translate_subscription
from connector.daemon_pool import DaemonPool
from connector.errors import RetryableAdapterError
from connector.logs import get_logger
from connector.records import CallCounter, RecordError
from connector.schema import Subscription

Obj = dict[str, Any]

log = get_logger("adapters.stripe.source")


class StripeSource:
    """Implements :class:`adapters.base.Source` over the Stripe API."""

    def __init__(self, settings: StripeSettings, client: StripeClient, feed: EventFeed) -> None:
        self._settings = settings
        self._client = client
        self._feed = feed
        self._coupons = CouponMemory(settings.coupon_cache_seconds)
        self._pool: DaemonPool | None = None  # retrieves side by side, made when needed

    @property
    def system(self) -> str:
        return self._settings.system

    @property
    def calls(self) -> CallCounter:
        return self._client.calls

    @property
    def client(self) -> StripeClient:
        return self._client

    # -- everything ----------------------------------------------------------------------

    def scan(self) -> Iterator[SourcePage]:
        catalog = Catalog(self._client, self._settings.tax_id_metadata_key)
        base: list[tuple[str, str | int]] = [
            ("status", "all"),  # without it Stripe leaves out canceled subscriptions
            ("limit", self._settings.page_size),
            *expand_params(list_expansions(self._settings.expand_customer_tax_ids)),
        ]
        starting_after: str | None = None
        while True:
            params = [*base, ("starting_after", starting_after)] if starting_after else base
            body = self._client.get("/v1/subscriptions", params, label="list subscriptions")
            raws: list[Any] = body.get("data") or []
            yield self._page(raws, catalog)
            if not body.get("has_more"):
                return
            starting_after = _last_id(raws)
            if starting_after is None:
                # Paging on without a position would restart or skip: stop the scan loudly
                # rather than let a silently short scan cancel subscriptions downstream.
                raise RetryableAdapterError(
                    self.system, "a subscription page with has_more had no usable id to page on"
                )

    def _page(self, raws: Sequence[Any], catalog: Catalog) -> SourcePage:
        lookups = catalog.lookups_for(raws)
        subscriptions: list[Subscription] = []
        errors: list[RecordError] = []
        for raw in raws:
            result = translate_subscription(raw, lookups)
            if isinstance(result, RecordError):
                log.warning("stripe.record_error", key=result.key, reason=result.reason)
                errors.append(result)
            else:
                subscriptions.append(result)
        return SourcePage(subscriptions, errors)

    # -- by key --------------------------------------------------------------------------

    def get(self, keys: Sequence[str]) -> SourceRead:
        raws: dict[str, Obj] = {}
        errors: dict[str, RecordError] = {}
        missing: set[str] = set()
        wanted = [key for key in dict.fromkeys(keys) if key]
        if len(wanted) < len(dict.fromkeys(keys)):
            errors[""] = RecordError("", "empty subscription id")
        for key, answer in zip(wanted, self._retrieve_all(wanted), strict=True):
            if isinstance(answer, StripeApiError):  # final for this key
                if answer.resource_missing:
                    missing.add(key)
                else:
                    errors[key] = RecordError(key, answer.describe())
            else:
                raws[key] = answer
        catalog = Catalog(
            self._client, self._settings.tax_id_metadata_key, self._coupons.for_operation()
        )
        lookups = catalog.lookups_for(raws.values())
        found: dict[str, Subscription] = {}
        for key, raw in raws.items():
            result = translate_subscription(raw, lookups)
            if isinstance(result, RecordError):
                log.warning("stripe.record_error", key=key, reason=result.reason)
                errors[key] = RecordError(key, result.reason)
            elif result.id != key:
                errors[key] = RecordError(key, f"Stripe answered with subscription {result.id}")
            else:
                found[key] = result
        return SourceRead(found, errors, frozenset(missing))

    def _retrieve_all(self, keys: Sequence[str]) -> list[Obj | StripeApiError]:
        """Each key's subscription (or its final error), in order; several side by side.

        A fatal error (authentication, Stripe down) is raised, whichever key met it first.
        """
        if len(keys) <= 1 or self._settings.read_concurrency <= 1:
            return [self._retrieve(key) for key in keys]
        if self._pool is None:
            self._pool = DaemonPool(self._settings.read_concurrency, "stripe-get")
        return list(self._pool.map(self._retrieve, keys))

    def _retrieve(self, key: str) -> Obj | StripeApiError:
        params = expand_params(retrieve_expansions(self._settings.expand_customer_tax_ids))
        try:
            return self._client.get(
                f"/v1/subscriptions/{quote(key, safe='')}", params, label="get subscription"
            )
        except StripeApiError as exc:  # final for this key; fatal errors are not caught
            return exc

    # -- changes -------------------------------------------------------------------------

    def changed_since(self, cursor: str | None) -> Iterator[ChangePage]:
        """Keys changed after ``cursor``, oldest change first.

        ``cursor`` None (never synced), unreadable, or older than Stripe's 30 days of events
        gives one page with ``full_scan_needed`` and a cursor at the newest event *now*: run the
        full scan, and store that cursor only once the scan has succeeded.
        """
        return self._feed.changed_since(cursor)

    # -- lifetime ------------------------------------------------------------------------

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True)
            self._pool = None
        self._client.close()

    def __enter__(self) -> StripeSource:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


def _last_id(raws: Sequence[Any]) -> str | None:
    for raw in reversed(raws):
        key = record_key(raw)
        if key != NO_ID:
            return key
    return None
