"""Reference data found by natural key (``res.country`` by ``code``, ``product.product`` by
``default_code``, ``product.product.pricelist`` by ``currency_id.name``...), both ways.

One ``search_read`` per (model, key path) resolves every value a batch needs that is not
cached yet; a dotted path (``currency_id.name``) costs one more ``read`` of the related
model plus, once per run, a ``fields_get`` to learn which model that is. Found values are
cached (forward value -> id, and reverse id -> value for reads) for ``ttl`` seconds (or
until :meth:`clear`), so a long-running process sees reference data edited in Odoo; values
that were *not* found are never cached, so reference data created in Odoo meanwhile is
picked up by the next batch. When several records share a value the lowest id wins, so the
choice is stable.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable

from adapters.odoo.client import OdooClient, Row


class LookupCache:
    def __init__(
        self,
        client: OdooClient,
        ttl: float | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._client = client
        self._ttl = ttl
        self._clock = clock
        self._loaded_at = clock()
        self._forward: dict[tuple[str, str], dict[str, int]] = {}
        self._reverse: dict[tuple[str, str], dict[int, str]] = {}
        self._relations: dict[tuple[str, str], str] = {}

    def _expire(self) -> None:
        now = self._clock()
        if self._ttl is not None and now - self._loaded_at > self._ttl:
            self.clear()
        if not self._forward:
            self._loaded_at = now

    def clear(self) -> None:
        self._forward.clear()
        self._reverse.clear()
        self._relations.clear()

    def _remember(self, model: str, by: str, values: dict[int, str]) -> None:
        forward = self._forward.setdefault((model, by), {})
        reverse = self._reverse.setdefault((model, by), {})
        for record_id in sorted(values):
            value = values[record_id]
            reverse[record_id] = value
            forward.setdefault(value, record_id)

    def resolve(self, model: str, by: str, values: Iterable[str]) -> dict[str, int]:
        """Ids of the records whose ``by`` equals each value; unknown values are absent."""
        self._expire()
        wanted = set(values)
        forward = self._forward.setdefault((model, by), {})
        missing = sorted(v for v in wanted if v not in forward)
        if missing:
            head = by.partition(".")[0]
            rows = self._client.search_read(model, [(by, "in", missing)], [head], "id")
            self._remember(model, by, self._values_from(model, by, rows))
        return {v: forward[v] for v in wanted if v in forward}

    def names(self, model: str, by: str, ids: Iterable[int]) -> dict[int, str]:
        """The ``by`` value of each record id (for reads); ids without a value are absent."""
        self._expire()
        wanted = set(ids)
        reverse = self._reverse.setdefault((model, by), {})
        missing = sorted(i for i in wanted if i not in reverse)
        if missing:
            self._remember(model, by, self._values_of(model, by, missing))
        return {i: reverse[i] for i in wanted if i in reverse}

    def name(self, model: str, by: str, record_id: int) -> str | None:
        """The ``by`` value of one record: a dictionary look-up once a batch was prefetched
        with :meth:`names`, which decoding a read does for every line of every record."""
        known = self._reverse.get((model, by))
        if known is not None and record_id in known:
            return known[record_id]
        return self.names(model, by, (record_id,)).get(record_id)

    def _values_of(self, model: str, path: str, ids: list[int]) -> dict[int, str]:
        if not ids:
            return {}
        return self._values_from(model, path, self._client.read(model, ids, [path.split(".")[0]]))

    def _values_from(self, model: str, path: str, rows: list[Row]) -> dict[int, str]:
        head, _, rest = path.partition(".")
        if not rest:
            return {int(r["id"]): str(r[head]) for r in rows if r[head] is not False}
        links = {int(r["id"]): many2one_id(r[head]) for r in rows}
        related = self._values_of(
            self._relation(model, head), rest, sorted({i for i in links.values() if i})
        )
        return {
            record_id: related[link]
            for record_id, link in links.items()
            if link is not None and link in related
        }

    def _relation(self, model: str, field: str) -> str:
        key = (model, field)
        if key not in self._relations:
            described = self._client.fields_get(model, [field])
            relation = described.get(field, {}).get("relation")
            if not relation:
                raise ValueError(f"{model}.{field} is not a relational field")
            self._relations[key] = str(relation)
        return self._relations[key]


def many2one_id(raw: object) -> int | None:
    """Odoo reads a many2one as ``[id, display_name]`` (or ``False``)."""
    if isinstance(raw, list | tuple) and raw:
        return int(raw[0])
    if isinstance(raw, int) and not isinstance(raw, bool) and raw:
        return raw
    return None
