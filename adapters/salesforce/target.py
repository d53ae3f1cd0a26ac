"""The Salesforce target: reads by external id with SOQL, writes with sObject Collections upserts.

Reads
    ``SELECT Id, SystemModstamp, <key>, <fields>, <Relationship>.<parent key> FROM <SObject>
    WHERE <key> IN (...)``: keys are packed into as few queries as the URI limit allows (see
    :mod:`adapters.salesforce.soql`), up to five queries go in one Composite call (one API
    call, :mod:`adapters.salesforce.composite_reads`), pages follow ``nextRecordsUrl``.
    References come back as the parent's external id, read through the relationship, so they
    compare with the mapping's ``{"ref", "key"}`` values without any Id lookups.

Writes
    ``PATCH composite/sobjects/<SObject>/<KeyField>`` with up to 200 records and
    ``allOrNone: false``: one call per 200 records, idempotent (upsert by our external id, so a
    retried call never duplicates), and one bad record does not hold back the other 199.
    Records refused with ``UNABLE_TO_LOCK_ROW`` (another transaction holds the parent account)
    are sent again, alone, after a backoff, before being reported retryable.

Cost, and where this path stops scaling
    Per 100,000 subscriptions with the default mapping (Account + Subscription__c) a first load
    costs about 1,000 upsert calls (500 per object) and ~150 read calls (about 280 keys of
    Stripe-id length fit in one query URL, five queries in one Composite call): ~1,150 API
    calls, plus two describes per run.
    Enterprise Edition orgs get 100,000 API requests per rolling 24 hours plus an allocation
    per user licence, shared with every other integration, so a first load of a few hundred
    thousand subscriptions is a few percent of a day and the usage guard keeps it polite.
    Past ~1M records (~17,500 calls, hours of sequential 200-record round trips) the Bulk API
    2.0 is the better tool: ingest jobs take CSV files of up to 150 MB, up to 150 million
    records per rolling 24 hours, for a handful of API calls per job. simple-salesforce offers
    it (``sf.bulk2.<SObject>.upsert``), but it answers with per-job CSV files of successful and
    failed rows rather than per-record results in request order, so it needs its own result
    mapping and polling; it is not wired in here. Steady-state runs write only what changed
    and stay on this path.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from simple_salesforce.api import Salesforce

from adapters.base import MappedTarget, StampPage, estimate_calls
from adapters.resilience import RetryPolicy
from adapters.salesforce.composite_reads import (
    QUERIES_PER_CALL,
    CompositeAnswerError,
    raise_for_failures,
    request_body,
    sub_answers,
)
from adapters.salesforce.contract import contract_problems
from adapters.salesforce.describe import ObjectInfo, conventional_relationship, parse_describe
from adapters.salesforce.errors import ApiCallError
from adapters.salesforce.results import failed_all, is_lock_error, parse_results
from adapters.salesforce.session import SalesforceSession
from adapters.salesforce.settings import SalesforceSettings
from adapters.salesforce.soql import check_name, chunk_keys, keys_per_query, select_prefix
from adapters.salesforce.values import (
    Link,
    ValueConversionError,
    Wire,
    dumps,
    field_from_wire,
    field_to_wire,
)
from connector.errors import (
    ConfigError,
    FatalAdapterError,
    PartialWriteError,
    RetryableAdapterError,
)
from connector.mapping import CompiledMapping, CompiledObject
from connector.mapping.spec import load_spec
from connector.records import (
    JsonValue,
    TargetRecord,
    WriteError,
    WriteRequest,
    WriteResult,
)

COLLECTION_LIMIT = 200
LOCK_RETRIES = 2
MAPPING_MISMATCH = "MAPPING_MISMATCH"
INVALID_QUERY_LOCATOR = "INVALID_QUERY_LOCATOR"
QUERY_RESTARTS = 2  # a cursor that keeps expiring means a reader far too slow: give up


class _CursorExpired(Exception):
    """A continuation page answered ``INVALID_QUERY_LOCATOR``: the cursor is gone."""


def _unseen(rows: Iterator[dict[str, Any]], seen: set[str]) -> Iterator[dict[str, Any]]:
    """The rows whose ``Id`` is not in ``seen`` (which they join)."""
    for row in rows:
        row_id = row.get("Id")
        if isinstance(row_id, str):
            if row_id in seen:
                continue
            seen.add(row_id)
        yield row


@dataclass(frozen=True)
class Layout:
    """How one mapped object is queried and written, fixed once per target from describe."""

    obj: CompiledObject
    links: Mapping[str, Link]  # reference field -> relationship path
    select: tuple[str, ...]

    @property
    def prefix(self) -> str:
        return select_prefix(self.obj.target, self.select, self.obj.key_field)


class SalesforceTarget(MappedTarget):
    """A :class:`~adapters.base.Target` backed by one Salesforce org."""

    def __init__(
        self,
        settings: SalesforceSettings,
        mapping: CompiledMapping,
        *,
        session: SalesforceSession | None = None,
        policy: RetryPolicy | None = None,
        lock_retries: int = LOCK_RETRIES,
        sleep: Callable[[float], None] = time.sleep,
        rng: random.Random | None = None,
    ) -> None:
        if mapping.system != settings.system:
            raise ConfigError(
                f"the Salesforce target {settings.system!r} was given the mapping of "
                f"{mapping.system!r}"
            )
        for obj in mapping.objects.values():
            for spec in obj.fields:
                if spec.kind not in ("value", "ref"):
                    raise ConfigError(
                        f"{mapping.path}: {obj.name}.{spec.target}: {spec.kind} fields are not "
                        "supported for Salesforce (use ref to link mapped objects)"
                    )
        self.settings = settings
        super().__init__(mapping)
        self.session = session or SalesforceSession(settings, policy=policy, sleep=sleep)
        self._policy = policy or RetryPolicy()
        self._lock_retries = lock_retries
        self._sleep = sleep
        self._rng = rng or random.Random()
        self._layouts: dict[str, Layout] = {}
        self._describes: dict[str, ObjectInfo | None] = {}
        self._lock = threading.Lock()

    # -- the Target protocol ---------------------------------------------------------------

    def read_batch_size(self, object_name: str) -> int:
        # What one API call reads: five queries in a Composite call. Estimated without a
        # call: describe only changes relationship names, not the length.
        return keys_per_query(self._static_layout(object_name).prefix) * QUERIES_PER_CALL

    def write_batch_size(self, object_name: str) -> int:
        return COLLECTION_LIMIT

    def estimate_write_calls(self, object_name: str, creates: int, updates: int) -> int:
        # Creates and updates share one upsert collection call per 200 records.
        return estimate_calls(creates + updates, COLLECTION_LIMIT)

    def read(self, object_name: str, keys: Sequence[str]) -> Mapping[str, TargetRecord]:
        return self.read_objects({object_name: keys}).get(object_name, {})

    def read_objects(
        self, wanted: Mapping[str, Sequence[str]]
    ) -> Mapping[str, Mapping[str, TargetRecord]]:
        """Records of several objects by key: every object's queries go together, up to five
        in one Composite call (one API call), so a small run reads the CRM once."""
        found: dict[str, dict[str, TargetRecord]] = {name: {} for name in wanted}
        asked: dict[str, set[str]] = {}
        layouts: dict[str, Layout] = {}
        queries: list[tuple[str, str]] = []
        for object_name, keys in wanted.items():
            unique = list(dict.fromkeys(key for key in keys if key))
            if not unique:
                continue  # nothing asked: no call, not even the login
            base_url = self.session.client.base_url + "query/?"
            layouts[object_name] = layout = self._layout(object_name)
            asked[object_name] = set(unique)
            queries.extend(
                (object_name, soql) for soql, _chunk in chunk_keys(layout.prefix, unique, base_url)
            )
        for object_name, row in self._query_many(queries):
            layout = layouts[object_name]
            key = row.get(layout.obj.key_field)
            # Exact match only: external ids are case-insensitive in Salesforce unless
            # the field is marked case-sensitive, and Stripe ids are not.
            records = found[object_name]
            if isinstance(key, str) and key in asked[object_name] and key not in records:
                records[key] = self._record(layout, key, row)
        return found

    def close(self) -> None:
        self.session.close()

    def scan_stamps(self, object_name: str) -> Iterator[StampPage]:
        """Every record's key, SystemModstamp and Id, in query pages of up to 2,000 rows."""
        layout = self._layout(object_name)
        key_field = layout.obj.key_field
        check_name(key_field)
        soql = (
            f"SELECT Id, SystemModstamp, {key_field} FROM {layout.obj.target} "  # noqa: S608
            f"WHERE {key_field} != null"
        )
        page: dict[str, tuple[str | None, str | None]] = {}
        for row in self._query(object_name, soql):
            key = row.get(key_field)
            if isinstance(key, str):
                page[key] = (row.get("SystemModstamp"), row.get("Id"))
            if len(page) >= 2000:
                yield page
                page = {}
        if page:
            yield page

    def write(self, object_name: str, requests: Sequence[WriteRequest]) -> Sequence[WriteResult]:
        """Upsert by external id; one result per request, in order; refusals are results."""
        layout = self._layout(object_name)
        results: list[WriteResult | None] = [None] * len(requests)
        sendable: list[tuple[int, str, dict[str, Wire]]] = []
        for index, request in enumerate(requests):
            try:
                sendable.append((index, request.key, self._body(layout, request)))
            except ValueConversionError as exc:
                error = WriteError("INVALID_VALUE", str(exc), fields=(exc.field,))
                results[index] = WriteResult(request.key, False, error=error)
        try:
            for start in range(0, len(sendable), COLLECTION_LIMIT):
                batch = sendable[start : start + COLLECTION_LIMIT]
                answers: list[WriteResult | None] = [None] * len(batch)
                try:
                    self._upsert_with_lock_retries(layout, [(k, b) for _, k, b in batch], answers)
                finally:
                    for (index, _key, _body), answer in zip(batch, answers, strict=True):
                        if answer is not None:
                            results[index] = answer
        except FatalAdapterError as exc:
            # Salesforce went down mid-batch (e.g. a session that cannot be renewed): what
            # it already answered stands, only the unanswered records wait.
            raise PartialWriteError(exc.system, exc.message, exc.code, results) from exc
        return [result for result in results if result is not None]

    # -- contract --------------------------------------------------------------------------

    def describe_contract(self, mapping: CompiledMapping | None = None) -> list[str]:
        """Readable problems between the mapping and the org's describe results."""
        checked = mapping or self._mapping
        infos = {obj.target: self._describe(obj.target) for obj in checked.objects.values()}
        spec = load_spec(Path(checked.path))
        return contract_problems(checked, infos, spec)

    # -- layout ----------------------------------------------------------------------------

    def _describe(self, sobject: str) -> ObjectInfo | None:
        """The object's describe (one call per object per target), None if it does not exist."""
        with self._lock:
            if sobject in self._describes:
                return self._describes[sobject]
        check_name(sobject)  # the name must be safe before it goes into a URL
        self._calls.read(f"describe {sobject}")
        try:
            answer = self.session.call(lambda sf: sf.restful(f"sobjects/{sobject}/describe"))
        except ApiCallError as exc:
            if exc.status != 404:
                raise FatalAdapterError(self.system, exc.message, exc.code) from exc
            answer = None
        info = parse_describe(answer) if isinstance(answer, Mapping) else None
        with self._lock:
            self._describes[sobject] = info
        return info

    def _static_layout(self, object_name: str, info: ObjectInfo | None = None) -> Layout:
        obj = self._mapping.objects[object_name]
        links: dict[str, Link] = {}
        select = ["Id", "SystemModstamp", obj.key_field]
        for spec in obj.fields:
            select.append(spec.target)
            if spec.kind == "ref" and spec.ref_object is not None:
                described = info.field(spec.target) if info is not None else None
                relationship = (
                    described.relationship_name
                    if described is not None and described.relationship_name
                    else conventional_relationship(spec.target)
                )
                parent_key = self._mapping.objects[spec.ref_object].key_field
                links[spec.target] = Link(relationship, parent_key)
                select.append(links[spec.target].path)
        layout = Layout(obj, links, tuple(select))
        layout.prefix  # noqa: B018 -- validates every name before any query is built
        return layout

    def _layout(self, object_name: str) -> Layout:
        with self._lock:
            cached = self._layouts.get(object_name)
        if cached is not None:
            return cached
        obj = self._mapping.objects[object_name]
        info = self._describe(obj.target)
        if info is None:
            raise FatalAdapterError(
                self.system, f"sObject {obj.target} does not exist in the org", MAPPING_MISMATCH
            )
        names = (obj.key_field, *(f.target for f in obj.fields))
        missing = [name for name in names if info.field(name) is None]
        if missing:
            raise FatalAdapterError(
                self.system,
                f"{obj.target} has no field(s) {', '.join(missing)} named by the mapping "
                f"{self._mapping.path} (run `connector mappings check --live`)",
                MAPPING_MISMATCH,
            )
        layout = self._static_layout(object_name, info)
        with self._lock:
            self._layouts[object_name] = layout
        return layout

    # -- reading ---------------------------------------------------------------------------

    def _query_many(
        self, queries: Sequence[tuple[str, str]]
    ) -> Iterator[tuple[str, dict[str, Any]]]:
        """The rows of several queries (object name, SOQL), each with its object's name: up
        to five queries per Composite call (one API call)."""
        for start in range(0, len(queries), QUERIES_PER_CALL):
            group = queries[start : start + QUERIES_PER_CALL]
            if len(group) == 1:
                object_name, soql = group[0]
                yield from ((object_name, row) for row in self._query(object_name, soql))
                continue
            body = request_body(self.settings.api_version, [soql for _name, soql in group])

            def composite(
                sf: Salesforce, body: dict[str, Any] = body, count: int = len(group)
            ) -> Any:
                # Checked inside the call: a failed subrequest is judged (and retried) by
                # the session exactly as the same query sent alone would be.
                answer = sf.restful("composite", method="POST", json=body)
                raise_for_failures(answer, count)
                return answer

            names = "+".join(dict.fromkeys(name for name, _soql in group))
            try:
                answer = self._read_call(f"read {names}", composite)
                answers = sub_answers(answer, len(group))
            except CompositeAnswerError as exc:
                raise RetryableAdapterError(
                    self.system, f"composite read: {exc}", "BAD_RESPONSE"
                ) from exc
            for (object_name, soql), sub in zip(group, answers, strict=True):
                yield from ((object_name, row) for row in self._query(object_name, soql, sub.body))

    def _query(
        self, object_name: str, soql: str, first: dict[str, Any] | None = None
    ) -> Iterator[dict[str, Any]]:
        """The rows of one query (whose first page may be read already), page after page.

        A cursor Salesforce dropped (``INVALID_QUERY_LOCATOR``: idle for 15 minutes, or one
        too many open for the user) cannot be resumed, so the query runs again from the
        start; rows already given (by ``Id``) are not given twice.
        """
        label = f"read {object_name}"
        seen: set[str] = set()
        page = first
        for _ in range(QUERY_RESTARTS + 1):
            if page is None:
                page = self._read_call(label, lambda sf: sf.query(soql))
            try:
                yield from _unseen(self._pages(label, page), seen)
                return
            except _CursorExpired:
                page = None
        raise RetryableAdapterError(
            self.system,
            f"the query cursor expired {QUERY_RESTARTS + 1} times in a row",
            INVALID_QUERY_LOCATOR,
        )

    def _pages(self, label: str, page: dict[str, Any]) -> Iterator[dict[str, Any]]:
        """A query's rows from its first page on, following ``nextRecordsUrl``."""
        while True:
            yield from page.get("records") or ()
            next_url = page.get("nextRecordsUrl")
            if page.get("done", True) or not next_url:
                return

            def more(sf: Salesforce, url: str = str(next_url)) -> Any:
                return sf.query_more(url, identifier_is_url=True)

            page = self._read_call(label, more)

    def _read_call(self, label: str, op: Callable[[Salesforce], Any]) -> dict[str, Any]:
        self._calls.read(label)
        try:
            answer = self.session.call(op)
        except ApiCallError as exc:
            if exc.code == INVALID_QUERY_LOCATOR:
                raise _CursorExpired() from exc
            # Reads have no per-record channel: a refused query (bad field, malformed) means
            # the org and the mapping disagree, and no retry will change that.
            raise FatalAdapterError(self.system, f"query refused: {exc.message}", exc.code) from exc
        if not isinstance(answer, dict):
            raise RetryableAdapterError(self.system, "unreadable query answer", "BAD_RESPONSE")
        return answer

    def _record(self, layout: Layout, key: str, row: Mapping[str, Any]) -> TargetRecord:
        fields: dict[str, JsonValue] = {
            spec.target: field_from_wire(spec, row, layout.links.get(spec.target))
            for spec in layout.obj.fields
        }
        remote_id, stamp = row.get("Id"), row.get("SystemModstamp")
        return TargetRecord(
            key,
            fields,
            str(remote_id) if remote_id else None,
            str(stamp) if stamp else None,
        )

    # -- writing ---------------------------------------------------------------------------

    def _body(self, layout: Layout, request: WriteRequest) -> dict[str, Wire]:
        obj = layout.obj
        body: dict[str, Wire] = {"attributes": {"type": obj.target}, obj.key_field: request.key}
        for name, value in request.fields.items():
            try:
                spec = obj.field(name)
            except KeyError:
                raise ValueConversionError(name, "is not a field of the mapping") from None
            body.update(field_to_wire(spec, value, layout.links.get(name)))
        return body

    def _upsert_with_lock_retries(
        self,
        layout: Layout,
        records: Sequence[tuple[str, dict[str, Wire]]],
        answers: list[WriteResult | None],
    ) -> None:
        """Fill ``answers`` (one per record, in order) as Salesforce answers."""
        self._upsert(layout, records, list(range(len(records))), answers)
        for attempt in range(1, self._lock_retries + 1):
            locked = [i for i, result in enumerate(answers) if result and is_lock_error(result)]
            if not locked:
                break
            # Row locks clear when the other transaction commits; wait, then resend just those.
            # Until the resend answers they are unanswered, not refused: should Salesforce go
            # down meanwhile, they wait for it rather than being reported locked.
            for index in locked:
                answers[index] = None
            self._sleep(self._policy.backoff(attempt, self._rng))
            self._upsert(layout, [records[i] for i in locked], locked, answers)

    def _upsert(
        self,
        layout: Layout,
        records: Sequence[tuple[str, dict[str, Wire]]],
        where: Sequence[int],
        answers: list[WriteResult | None],
    ) -> None:
        """Upsert ``records``; the answer for ``records[i]`` goes to ``answers[where[i]]``.

        A call of several records that runs out of retries is not any one record's failure:
        each record is then sent in a call of its own (an upsert by external id is
        idempotent, so records the lost call may have written are safe to send again).
        """
        obj = layout.obj
        keys = [key for key, _ in records]
        path = f"composite/sobjects/{obj.target}/{obj.key_field}"
        payload = dumps({"allOrNone": False, "records": [body for _, body in records]})
        self._calls.write(f"write {obj.name}")
        try:
            answer = self.session.call(
                lambda sf: sf.restful(path, method="PATCH", data=payload.encode("utf-8"))
            )
        except RetryableAdapterError as exc:
            if len(records) > 1:
                for record, index in zip(records, where, strict=True):
                    self._upsert(layout, [record], [index], answers)
                return
            results = failed_all(keys, WriteError(exc.code, exc.message, retryable=True))
        except ApiCallError as exc:
            results = failed_all(keys, WriteError(exc.code, exc.message, False, exc.fields))
        else:
            results = parse_results(keys, answer)
        for index, result in zip(where, results, strict=True):
            answers[index] = result


def build_salesforce_target(
    settings: SalesforceSettings, mapping: CompiledMapping
) -> SalesforceTarget:
    """The target a ``kind = "salesforce"`` configuration section describes (logs in lazily)."""
    return SalesforceTarget(settings, mapping)
