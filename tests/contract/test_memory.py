"""The contract, run against the in-memory target (the reference every adapter is held to)."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence

import pytest

from adapters.base import StampPage
from adapters.memory import MemoryTarget
from connector.errors import FatalAdapterError
from connector.mapping import CompiledMapping
from connector.records import TargetRecord, WriteError, WriteRequest, WriteResult
from tests.contract.suite import CallProbe, Rig, TargetContract


class ProbedMemoryTarget(MemoryTarget):
    """The memory target with what stands in for a transport: every call goes through the
    probe, and access can be revoked (it has no credentials of its own to revoke)."""

    def __init__(self, mapping: CompiledMapping, probe: CallProbe) -> None:
        super().__init__(mapping)
        self.revoked = False
        self._read = probe.wrap(super().read)
        self._write = probe.wrap(super().write)
        self._scan = probe.wrap(self._scan_all)

    def read(self, object_name: str, keys: Sequence[str]) -> Mapping[str, TargetRecord]:
        return self._read(object_name, keys)

    def _scan_all(self, object_name: str) -> list[StampPage]:
        return list(super().scan_stamps(object_name))

    def scan_stamps(self, object_name: str) -> Iterator[StampPage]:
        # Scanned in one probed call: the pages of a generator would run outside the probe.
        yield from self._scan(object_name)

    def write(self, object_name: str, requests: Sequence[WriteRequest]) -> Sequence[WriteResult]:
        if self.revoked:
            raise FatalAdapterError(self.system, "access revoked", "INSUFFICIENT_ACCESS")
        return self._write(object_name, requests)


def refuse_first(target: MemoryTarget, object_name: str) -> None:
    """The first record of ``object_name`` written is refused once, as the sandboxes do."""
    refused: list[str] = []

    def rejecter(request: WriteRequest) -> WriteError | None:
        if request.object_name != object_name or refused:
            return None
        refused.append(request.key)
        return WriteError("FIELD_CUSTOM_VALIDATION_EXCEPTION", "Plan must be approved")

    target.rejecter = rejecter


def fail_transiently(target: MemoryTarget, times: int = 3) -> Callable[[], int]:
    """The first ``times`` records written come back 503: retryable, per record."""
    injected: list[str] = []

    def rejecter(request: WriteRequest) -> WriteError | None:
        if len(injected) >= times:
            return None
        injected.append(request.key)
        return WriteError("HTTP_503", "Service Unavailable", retryable=True)

    target.rejecter = rejecter
    return lambda: len(injected)


@pytest.fixture
def rig(mappings: dict[str, CompiledMapping]) -> Rig:
    probe = CallProbe()
    target = ProbedMemoryTarget(mappings["salesforce"], probe)
    subscriptions = target.mapping.ordered()[-1].name

    def rebuild() -> MemoryTarget:
        # The records are the system; a new adapter over them is what a restart gives.
        again = ProbedMemoryTarget(target.mapping, probe)
        again.records = target.records
        return again

    def revoke() -> None:
        target.revoked = True

    return Rig(
        target=target,
        probe=probe,
        held=lambda: {name: len(table) for name, table in target.records.items()},
        rebuild=rebuild,
        refuse_first=lambda: refuse_first(target, subscriptions),
        fail_transiently=lambda: fail_transiently(target),
        revoke=revoke,
        retries_within_a_call=False,
    )


class TestMemoryTarget(TargetContract):
    """In memory."""
