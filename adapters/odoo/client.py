"""Typed ORM calls over :class:`~adapters.odoo.connection.Rpc`, each one counted and retried.

Every method here is exactly one ``execute_kw`` round trip (plus its retries), so a test
or a cost estimate can count calls by reading the :class:`CallCounter` labels
(``"search_read ir.model.data"``, ``"load sale.subscription"``...); ``create``, ``load``,
``write`` and ``unlink`` count as writes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import odoorpc

from adapters.odoo.connection import Rpc
from adapters.odoo.errors import refusal
from adapters.resilience import Resilient, Verdict
from connector.records import CallCounter

Domain = list[Any]
Row = dict[str, Any]
Vals = dict[str, Any]

_WRITES = frozenset({"create", "write", "unlink", "load"})


# What every create, write and load carries: no chat-log messages or followers for what the
# connector writes (mail_thread.py: tracking_disable skips tracking and the creation
# message, mail_create_nolog the "created" note, mail_notrack value tracking). Cheaper, and
# Odoo's users are not notified of every sync.
QUIET: Vals = {"tracking_disable": True, "mail_create_nolog": True, "mail_notrack": True}


@dataclass(frozen=True, slots=True)
class LoadMessage:
    """One message of ``load``: ``record`` is the 0-based index of the record it is about
    (None for a message about the call), ``field`` the technical field name if any."""

    type: str  # "error" or "warning"
    message: str
    record: int | None = None
    field: str | None = None


@dataclass(frozen=True, slots=True)
class LoadResult:
    """``ids`` (one per record, in order) is None when Odoo rolled the call back."""

    ids: list[int] | None
    messages: list[LoadMessage]
    # The call was sent more than once (an answer lost, a retry): an earlier attempt may have
    # saved the records, so the last one updated them, which reprices subscription lines.
    sent_again: bool = False


def _load_message(raw: Any) -> LoadMessage:
    if not isinstance(raw, dict):
        return LoadMessage("error", str(raw))
    record = raw.get("record")
    field = raw.get("field")
    return LoadMessage(
        str(raw.get("type") or "error"),
        str(raw.get("message") or ""),
        record if isinstance(record, int) and not isinstance(record, bool) else None,
        field if isinstance(field, str) and field else None,
    )


class OdooClient:
    """``search_read``/``read``/``create``/``load``/``write``/``unlink``/``fields_get`` on one
    database.

    A call Odoo refuses for data reasons raises :class:`~adapters.odoo.errors.OdooRefused`;
    transient failures are retried by ``resilient``, which raises ``FatalAdapterError`` or
    ``RetryableAdapterError`` when the system cannot be used.
    """

    def __init__(self, rpc: Rpc, resilient: Resilient, calls: CallCounter) -> None:
        self._rpc = rpc
        self._resilient = resilient
        self.calls = calls

    @property
    def system(self) -> str:
        return self._resilient.system

    def _call(
        self,
        model: str,
        method: str,
        args: list[Any],
        kwargs: Vals | None = None,
        attempts: list[int] | None = None,
    ) -> Any:
        label = f"{method} {model}"
        if method in _WRITES:
            self.calls.write(label)
        else:
            self.calls.read(label)

        def attempt() -> Any:
            if attempts is not None:
                attempts.append(1)
            return self._rpc.execute_kw(model, method, args, kwargs or {})

        try:
            return self._resilient.call(attempt)
        except odoorpc.error.RPCError as exc:
            if self._resilient.judge(exc).verdict is Verdict.FINAL:
                raise refusal(exc) from exc
            raise

    def search_read(
        self,
        model: str,
        domain: Domain,
        fields: Sequence[str],
        order: str | None = None,
        context: Vals | None = None,
    ) -> list[Row]:
        kwargs: Vals = {"fields": list(fields)}
        if order:
            kwargs["order"] = order
        if context:
            kwargs["context"] = context
        rows: list[Row] = self._call(model, "search_read", [domain], kwargs)
        return rows

    def read(self, model: str, ids: Sequence[int], fields: Sequence[str]) -> list[Row]:
        if not ids:
            return []
        rows: list[Row] = self._call(model, "read", [list(ids)], {"fields": list(fields)})
        return rows

    def web_read(self, model: str, ids: Sequence[int], specification: Vals) -> list[Row]:
        """Odoo 17's ``web_read``: the records and, nested, the related records the
        specification names, in one call (odoo/addons/web/models/models.py)."""
        if not ids:
            return []
        rows: list[Row] = self._call(
            model, "web_read", [list(ids)], {"specification": specification}
        )
        return rows

    def create(self, model: str, vals_list: Sequence[Vals]) -> list[int]:
        """Odoo's multi-create: one call, one transaction, ids in the order of ``vals_list``."""
        result = self._call(model, "create", [list(vals_list)], {"context": dict(QUIET)})
        return [int(i) for i in (result if isinstance(result, list) else [result])]

    def load(
        self,
        model: str,
        fields: Sequence[str],
        data: Sequence[Sequence[str]],
        context: Vals | None = None,
    ) -> LoadResult:
        """Odoo's import API: one call, one savepoint; any error message rolls it all back
        (odoo/models.py ``load``), which this reports as ``ids`` None, not as an exception."""
        kwargs: Vals = {"context": {**(context or {}), **QUIET}}
        attempts: list[int] = []
        result = self._call(
            model, "load", [list(fields), [list(row) for row in data]], kwargs, attempts
        )
        raw = result if isinstance(result, dict) else {}
        ids = raw.get("ids")
        messages = raw.get("messages")
        return LoadResult(
            [int(i) for i in ids] if isinstance(ids, list) else None,
            [_load_message(m) for m in messages] if isinstance(messages, list) else [],
            sent_again=len(attempts) > 1,
        )

    def write(self, model: str, ids: Sequence[int], vals: Vals) -> None:
        """One ``write(ids, vals)``: the same vals for every id (Odoo has no per-record vals)."""
        self._call(model, "write", [list(ids), vals], {"context": dict(QUIET)})

    def unlink(self, model: str, ids: Sequence[int]) -> None:
        self._call(model, "unlink", [list(ids)])

    def may(self, model: str, operation: str) -> bool:
        """Whether the connector's user may ``operation`` (read, write, create, unlink)
        records of ``model``: Odoo's ``check_access_rights``, asked without trying."""
        answer = self._call(model, "check_access_rights", [operation], {"raise_exception": False})
        return bool(answer)

    def fields_get(self, model: str, fields: Sequence[str]) -> dict[str, Row]:
        result: dict[str, Row] = self._call(
            model, "fields_get", [list(fields)], {"attributes": ["type", "relation"]}
        )
        return result
