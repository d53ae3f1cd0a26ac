"""The adapter protocols: what the reconciler needs from a billing source and from a target.

They are deliberately small so that the Stripe, Salesforce and Odoo adapters stay thin:

- a :class:`Source` lists which subscriptions changed since a cursor, reads subscriptions by
  key, and streams everything in pages; it translates its records into the canonical schema
  and reports records it cannot translate instead of failing the batch;
- a :class:`Target` reads the records of one mapped object by our match keys, writes a batch
  of creates and updates and answers per record, and says how many records fit in one call
  so that a plan can state its cost.

Both count the API calls they make in a :class:`~connector.records.CallCounter`.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

from connector.mapping import CompiledMapping
from connector.records import CallCounter, RecordError, TargetRecord, WriteRequest, WriteResult
from connector.schema import Money, Subscription


@dataclass(frozen=True, slots=True)
class SourcePage:
    """Subscriptions read in one call, and the keys whose records were unreadable."""

    subscriptions: Sequence[Subscription]
    errors: Sequence[RecordError] = ()


@dataclass(frozen=True, slots=True)
class SourceRead:
    """Result of reading subscriptions by key: found ones, errors, and keys that are gone."""

    found: Mapping[str, Subscription]
    errors: Mapping[str, RecordError] = field(default_factory=dict)
    missing: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class ChangePage:
    """Keys of subscriptions that changed, and the cursor to resume after them.

    ``full_scan_needed`` is set when the cursor is older than the source's history (Stripe
    keeps events 30 days): the caller must fall back to a full scan and say so.
    """

    keys: Sequence[str]
    cursor: str | None
    full_scan_needed: bool = False


@runtime_checkable
class Source(Protocol):
    """The billing system: the truth subscriptions are read from."""

    @property
    def system(self) -> str: ...

    @property
    def calls(self) -> CallCounter: ...

    def changed_since(self, cursor: str | None) -> Iterator[ChangePage]: ...

    def get(self, keys: Sequence[str]) -> SourceRead: ...

    def scan(self) -> Iterator[SourcePage]: ...


@runtime_checkable
class Target(Protocol):
    """A system kept in line with the source (CRM, ERP), through one mapping."""

    @property
    def system(self) -> str: ...

    @property
    def mapping(self) -> CompiledMapping: ...

    @property
    def calls(self) -> CallCounter: ...

    def read_batch_size(self, object_name: str) -> int: ...

    def write_batch_size(self, object_name: str) -> int: ...

    def estimate_write_calls(self, object_name: str, creates: int, updates: int) -> int:
        """API calls that writing this many records will take, for a plan's stated cost."""
        ...

    def read(self, object_name: str, keys: Sequence[str]) -> Mapping[str, TargetRecord]: ...

    def write(self, object_name: str, requests: Sequence[WriteRequest]) -> Sequence[WriteResult]:
        """Apply creates and updates; one result per request, in the same order."""
        ...


class MappedTarget:
    """What every target shares: the mapping it writes through, the name of the system
    (the mapping's, unless configured otherwise) and the counter of its API calls."""

    def __init__(self, mapping: CompiledMapping, system: str | None = None) -> None:
        self._mapping = mapping
        self._system = system or mapping.system
        self._calls = CallCounter()

    @property
    def system(self) -> str:
        return self._system

    @property
    def mapping(self) -> CompiledMapping:
        return self._mapping

    @property
    def calls(self) -> CallCounter:
        return self._calls


# key -> (modstamp, remote id), for one page of a target object's records
StampPage = Mapping[str, tuple[str | None, str | None]]


@runtime_checkable
class StampScanner(Protocol):
    """A target that can list every record's match key and modstamp, page by page.

    A full reconciliation uses it to learn, in a few large pages, which records are untouched
    since they last agreed, and reads whole records only for the rest. Targets whose change
    marker needs the record's values (Odoo) simply do not offer it.
    """

    def scan_stamps(self, object_name: str) -> Iterator[StampPage]: ...


@runtime_checkable
class ObjectsReader(Protocol):
    """A target that reads the records of several mapped objects together, in fewer calls
    than one read per object (Salesforce: several queries in one Composite call; Odoo: one
    external-id look-up for every object's keys).

    ``wanted`` maps object names to match keys; the answer maps each of those objects to the
    records found, keyed as :meth:`Target.read` keys them. A low-latency run makes one such
    read per target for planning and one for verifying its writes.
    """

    def read_objects(
        self, wanted: Mapping[str, Sequence[str]]
    ) -> Mapping[str, Mapping[str, TargetRecord]]: ...


@runtime_checkable
class RunScoped(Protocol):
    """A target that keeps what one run read (to write and verify without reading it again)
    and must forget it when the next run starts, so that every run reads the truth."""

    def begin_run(self) -> None: ...


@runtime_checkable
class ContractChecker(Protocol):
    """A target that can compare a mapping with its live schema (describe, fields_get)."""

    def describe_contract(self, mapping: CompiledMapping | None = None) -> list[str]: ...


@dataclass(frozen=True, slots=True)
class StatedRevenue:
    """What a target itself states about one subscription: its status and its MRR.

    ``status`` is the target's own value (a picklist value, a stage name), as the mapping
    writes it; ``mrr`` is the monthly recurring revenue the target's own figures give, or
    None when they give none that can be read. ``basis`` says where the figure came from, for
    a person reading a disagreement.
    """

    status: str | None
    mrr: Money | None
    basis: str = ""


@runtime_checkable
class RevenueStatement(Protocol):
    """A target whose MRR is not a mapped field but follows from its own records (Odoo's
    recurring total and billing interval)."""

    def stated_revenue(self, keys: Sequence[str]) -> Mapping[str, StatedRevenue]: ...


def estimate_calls(items: int, batch_size: int) -> int:
    """Calls needed for ``items`` records at ``batch_size`` per call."""
    return -(-items // batch_size) if items > 0 else 0
