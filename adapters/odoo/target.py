"""The Odoo target: the :class:`adapters.base.Target` protocol over JSON-RPC."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence

from adapters.base import MappedTarget, StatedRevenue, estimate_calls
from adapters.odoo.access import access_problems
from adapters.odoo.client import OdooClient, Row
from adapters.odoo.connection import OdooConnection, Rpc
from adapters.odoo.contract import object_problems
from adapters.odoo.errors import OdooRefused, judge
from adapters.odoo.invoicing import invoicing_cron_problems
from adapters.odoo.lookups import LookupCache
from adapters.odoo.reader import OdooReader
from adapters.odoo.readiness import readiness_problems
from adapters.odoo.reference_check import reference_problems
from adapters.odoo.revenue import SUBSCRIPTION_MODEL, OdooRevenue
from adapters.odoo.schema import ObjectInfo, describe
from adapters.odoo.settings import OdooSettings
from adapters.odoo.writer import OdooWriter
from adapters.resilience import RateGate, Resilient, RetryPolicy
from connector.mapping import CompiledMapping
from connector.records import TargetRecord, WriteRequest, WriteResult


class OdooTarget(MappedTarget):
    """Keeps the mapped Odoo models in line, matching records by external id.

    ``rpc`` replaces the odoorpc connection (tests); ``policy``/``sleep`` tune retries.
    Look-up caches live as long as the target; call :meth:`new_run` between runs of a
    long-lived process so that reference data edited in Odoo is seen.
    """

    def __init__(
        self,
        settings: OdooSettings,
        mapping: CompiledMapping,
        *,
        rpc: Rpc | None = None,
        policy: RetryPolicy | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        super().__init__(mapping, settings.system)
        self.settings = settings
        self._objects: dict[str, ObjectInfo] = describe(mapping)
        self.resilient = Resilient(
            settings.system,
            judge,
            policy,
            RateGate(settings.requests_per_second, sleep=sleep),
            sleep=sleep,
        )
        self.connection = rpc if rpc is not None else OdooConnection(settings)
        self.client = OdooClient(self.connection, self.resilient, self._calls)
        self.lookups = LookupCache(self.client, settings.lookup_cache_seconds)
        self.reader = OdooReader(self.client, self.lookups, mapping, settings.namespace)
        self.writer = OdooWriter(
            self.client, self.reader, self.lookups, mapping, settings.namespace
        )
        self.revenue = OdooRevenue(self.client, self.reader)

    def new_run(self) -> None:
        """Forget cached reference data (look-ups, stage types)."""
        self.lookups.clear()

    def begin_run(self) -> None:
        """Forget what the last run read (see :mod:`adapters.odoo.run_memo`)."""
        self.reader.memo.forget()

    def read_batch_size(self, object_name: str) -> int:
        return self.settings.read_batch

    def describe_contract(self, mapping: CompiledMapping | None = None) -> list[str]:
        """Problems between the mapping and the database's models (``fields_get``)."""
        objects = describe(mapping) if mapping is not None else self._objects
        problems: list[str] = []
        for obj in objects.values():
            try:
                described = self.client.fields_get(obj.model, [])
            except OdooRefused as exc:
                problems.append(f"{obj.model}: {exc.message}")
                continue
            lines: dict[str, dict[str, Row]] = {}
            for spec in obj.lines():
                if spec.lines_model is not None and spec.lines_model not in lines:
                    lines[spec.lines_model] = self.client.fields_get(spec.lines_model, [])
            problems.extend(object_problems(obj, described, lines))
        denied = access_problems(self.client, objects.values())
        if denied:
            # The other checks would only fail for the same reason.
            return [*problems, *denied]
        checked = mapping or self.mapping
        problems.extend(readiness_problems(self.client, checked.path, objects.values()))
        problems.extend(reference_problems(self.client, objects.values()))
        subscriptions = any(obj.model == SUBSCRIPTION_MODEL for obj in objects.values())
        if subscriptions and not self.settings.allow_odoo_invoicing:
            problems.extend(invoicing_cron_problems(self.client))
        return problems

    def write_batch_size(self, object_name: str) -> int:
        return self.settings.write_batch

    def estimate_write_calls(self, object_name: str, creates: int, updates: int) -> int:
        """Odoo has no batch write with different values per record (see writer.py).

        Per batch of creates: resolve our external ids, then one ``load`` creating the
        records, their lines and all their external ids; for records with lines, the stage
        types read and the follow-up writes subscription_oca needs. Updates: one write per
        record.
        """
        with_lines = bool(self._object(object_name).lines())
        per_batch = 2 + (3 if with_lines else 0)
        calls = estimate_calls(creates, self.settings.write_batch) * per_batch
        if updates:
            calls += 1 + updates
        return calls

    def _object(self, object_name: str) -> ObjectInfo:
        try:
            return self._objects[object_name]
        except KeyError:
            raise KeyError(f"object {object_name!r} is not in the {self.system} mapping") from None

    def read(self, object_name: str, keys: Sequence[str]) -> Mapping[str, TargetRecord]:
        if not keys:
            return {}
        return self.reader.read(self._object(object_name), keys)

    def read_objects(
        self, wanted: Mapping[str, Sequence[str]]
    ) -> Mapping[str, Mapping[str, TargetRecord]]:
        """Several objects' records: one external-id look-up for all, one read per model."""
        return self.reader.read_many([(self._object(name), keys) for name, keys in wanted.items()])

    def write(self, object_name: str, requests: Sequence[WriteRequest]) -> Sequence[WriteResult]:
        if not requests:
            return []
        return self.writer.write(self._object(object_name), requests)

    def stated_revenue(self, keys: Sequence[str]) -> Mapping[str, StatedRevenue]:
        """Odoo's own monthly amount and stage of each subscription (see ``revenue.py``)."""
        obj = next(
            (o for o in self._objects.values() if o.compiled.field_for("status") is not None),
            None,
        )
        if obj is None or not keys:
            return {}
        stated: dict[str, StatedRevenue] = {}
        for start in range(0, len(keys), self.settings.read_batch):
            stated.update(self.revenue.stated(obj, keys[start : start + self.settings.read_batch]))
        return stated


def build_odoo_target(settings: OdooSettings, mapping: CompiledMapping) -> OdooTarget:
    """The Odoo target for ``settings``; it logs in on its first call."""
    return OdooTarget(settings, mapping)
