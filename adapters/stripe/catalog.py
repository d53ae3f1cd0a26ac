"""Products, coupons and price tiers that subscriptions reference beyond the expansion limit.

A page of subscriptions names a handful of distinct products and item-level coupons; they are
fetched once per operation (one scan, one ``get``), by id, and reused for every later page:

- products: ``GET /v1/products?ids[]=...`` takes up to 100 ids per call
  (https://docs.stripe.com/api/products/list), so a scan costs one extra call per 100 *new*
  products, in practice one call on the first page and none after;
- coupons: there is no list-by-ids, so ``GET /v1/coupons/{id}`` per distinct coupon. Only
  coupons of *item-level* discounts need it (subscription-level ones are expanded inline);
- tiered prices: ``tiers`` are included only when expanded, which a subscription list cannot
  reach, so ``GET /v1/prices/{id}?expand[]=tiers`` once per distinct tiered price.

The cache lives as long as one operation so that a renamed product is seen by the next run.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any
from urllib.parse import quote

from adapters.stripe.client import StripeClient
from adapters.stripe.errors import StripeApiError
from adapters.stripe.translate import Lookups
from connector.logs import get_logger

Obj = dict[str, Any]
IDS_PER_CALL = 100

log = get_logger("adapters.stripe.catalog")


class Catalog:
    """Products and coupons fetched so far in one operation.

    ``coupons`` may be shared between operations (see :class:`CouponMemory`): coupon terms
    never change, so a run that names a coupon seen a moment ago need not read it again.
    """

    def __init__(
        self,
        client: StripeClient,
        tax_id_metadata_key: str | None = None,
        coupons: dict[str, Obj] | None = None,
    ) -> None:
        self._client = client
        self._tax_id_metadata_key = tax_id_metadata_key
        self._products: dict[str, Obj] = {}
        self._coupons: dict[str, Obj] = coupons if coupons is not None else {}
        self._prices: dict[str, Obj] = {}
        self._unavailable: set[str] = set()

    def lookups_for(self, subscriptions: Iterable[Any]) -> Lookups:
        """Fetch whatever these raw subscriptions reference by id and is not known yet."""
        raws = [raw for raw in subscriptions if isinstance(raw, dict)]
        self._fetch_products(
            sorted({pid for raw in raws for pid in _product_ids(raw)} - self._known())
        )
        for coupon_id in sorted({cid for raw in raws for cid in _coupon_ids(raw)}):
            if coupon_id not in self._coupons and coupon_id not in self._unavailable:
                self._fetch_coupon(coupon_id)
        for price_id in sorted({pid for raw in raws for pid in _untiered_price_ids(raw)}):
            if price_id not in self._prices and price_id not in self._unavailable:
                self._fetch_tiers(price_id)
        return Lookups(
            products=dict(self._products),
            coupons=dict(self._coupons),
            prices=dict(self._prices),
            tax_id_metadata_key=self._tax_id_metadata_key,
        )

    def _known(self) -> set[str]:
        return set(self._products) | self._unavailable

    def _fetch_products(self, product_ids: list[str]) -> None:
        for start in range(0, len(product_ids), IDS_PER_CALL):
            batch = product_ids[start : start + IDS_PER_CALL]
            params: list[tuple[str, str | int]] = [("limit", IDS_PER_CALL)]
            params.extend(("ids[]", product_id) for product_id in batch)
            body = self._client.get("/v1/products", params, label="list products")
            for product in body.get("data") or []:
                if isinstance(product, dict) and isinstance(product.get("id"), str):
                    self._products[product["id"]] = product
            # Unknown ids (deleted products) are not asked for again in this operation.
            self._unavailable.update(set(batch) - set(self._products))

    def _fetch_tiers(self, price_id: str) -> None:
        path = f"/v1/prices/{quote(price_id, safe='')}"
        price = self._retrieve(path, price_id, "price", [("expand[]", "tiers")])
        if price is not None:
            self._prices[price_id] = price

    def _fetch_coupon(self, coupon_id: str) -> None:
        coupon = self._retrieve(f"/v1/coupons/{quote(coupon_id, safe='')}", coupon_id, "coupon")
        if coupon is not None:
            self._coupons[coupon_id] = coupon

    def _retrieve(
        self,
        path: str,
        object_id: str,
        kind: str,
        params: Sequence[tuple[str, str | int]] = (),
    ) -> Obj | None:
        """One object by id, or None once it is known to be deleted: the subscriptions that
        use it are then reported as record errors."""
        try:
            found: Obj = self._client.get(path, params, label=f"retrieve {kind}")
        except StripeApiError as exc:
            if not exc.resource_missing:
                raise
            log.warning(f"stripe.{kind}_missing", id=object_id)
            self._unavailable.add(object_id)
            return None
        return found


class CouponMemory:
    """Coupons read by earlier operations, forgotten ``seconds`` after the first was kept
    (so a renamed coupon is seen that late at most); 0 keeps nothing between operations."""

    def __init__(self, seconds: float, clock: Callable[[], float] = time.monotonic) -> None:
        self._seconds = seconds
        self._clock = clock
        self._since = clock()
        self._coupons: dict[str, Obj] = {}
        self._lock = threading.Lock()

    def for_operation(self) -> dict[str, Obj]:
        """The coupons an operation may reuse; what it adds is kept for the next ones."""
        with self._lock:
            if self._seconds <= 0:
                return {}
            now = self._clock()
            if now - self._since > self._seconds:
                self._coupons = {}
                self._since = now
            return self._coupons


def _items(raw: Obj) -> Iterator[Obj]:
    items = raw.get("items")
    data = items.get("data") if isinstance(items, dict) else None
    for item in data or []:
        if isinstance(item, dict):
            yield item


def _product_ids(raw: Obj) -> Iterator[str]:
    for item in _items(raw):
        price = item.get("price")
        product = price.get("product") if isinstance(price, dict) else None
        if isinstance(product, str) and product:
            yield product


def _untiered_price_ids(raw: Obj) -> Iterator[str]:
    """Tiered prices that came without their ``tiers`` (not expandable from a list)."""
    for item in _items(raw):
        price = item.get("price")
        if (
            isinstance(price, dict)
            and price.get("billing_scheme") == "tiered"
            and price.get("tiers") is None
            and isinstance(price.get("id"), str)
        ):
            yield price["id"]


def _coupon_ids(raw: Obj) -> Iterator[str]:
    discounts = [*(raw.get("discounts") or [])]
    for item in _items(raw):
        discounts.extend(item.get("discounts") or [])
    for discount in discounts:
        source = discount.get("source") if isinstance(discount, dict) else None
        coupon = source.get("coupon") if isinstance(source, dict) else None
        if isinstance(coupon, str) and coupon:
            yield coupon
