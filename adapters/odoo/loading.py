"""Creating a batch of records, their lines and the external ids of both with ``load``.

``load`` is atomic (odoo/models.py ``load``): records, lines and external ids land together
or not at all, so a crash can never leave records that no external id names (the next run
would create them again). It is also idempotent: a record whose external id exists is
written instead of created, so a call retried after its answer was lost creates no twin.

A missing create or write right is not about the records: ``load`` reports Odoo's
``AccessError`` once per record, but it is the user's permissions, so the call raises
:class:`FatalAdapterError` (code ``ACCESS_ERROR``, naming the groups to grant) instead of
refusing every record one by one.

Any error message rolls the whole call back. The messages name the refused records
(``record``: index in the call), so they are refused and the others loaded again in one
more call: a batch costs 1 call, 2 when some records are refused. One Odoo quirk needs
care: when the batch fails with a ``UserError``, Odoo retries record by record and then
puts the batch's error first, attributed to the batch's *first* record, even if that one
loaded fine (``global_error_message``). Such an echo is not taken as a refusal of the first
record; if that record really was refused with the very same message, it is refused again
in the next call, on its own.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from adapters.odoo.client import LoadMessage, OdooClient, Vals
from adapters.odoo.errors import load_error_code, missing_right
from connector.errors import FatalAdapterError

# The code the judge gives an AccessError raised by any other call (adapters.odoo.errors).
ACCESS_ERROR = "ACCESS_ERROR"

# tz: naive datetime cells are read in this zone (ir_fields.py _str_to_datetime uses the
# context's tz, else the user's), and ours are UTC. noupdate: as the external ids we used
# to create by hand. active_test: ``/.id`` references are checked with search(), which
# skips archived records unless this is off; create() accepts them, so must load.
CONTEXT: Vals = {"tz": "UTC", "noupdate": True, "active_test": False}


@dataclass(frozen=True, slots=True)
class Refusal:
    """Why Odoo refused one record: its messages, joined, and the fields they name."""

    code: str
    message: str
    fields: tuple[str, ...] = ()


Block = list[list[str]]  # the rows of one record (see load_rows.Layout.rows)


def load_blocks(
    client: OdooClient,
    model: str,
    fields: Sequence[str],
    blocks: Sequence[Block],
    resent: set[int] | None = None,
) -> list[int | Refusal]:
    """Load one record per block; its id, or why it was refused, in block order.

    ``resent`` collects the blocks whose saving call was sent more than once (see
    :attr:`LoadResult.sent_again`)."""
    outcome: list[int | Refusal | None] = [None] * len(blocks)
    pending = list(range(len(blocks)))
    while pending:
        data = [row for index in pending for row in blocks[index]]
        answer = client.load(model, fields, data, CONTEXT)
        if answer.sent_again and resent is not None:
            resent.update(pending)
        _raise_for_missing_rights(client.system, answer.messages)
        if answer.ids is not None and len(answer.ids) == len(pending):
            for index, record_id in zip(pending, answer.ids, strict=True):
                outcome[index] = record_id
            break
        refused = refusals(answer.messages, len(pending))
        if not refused:
            # Nothing tells the records apart (or Odoo answered oddly): refuse them all.
            why = _first_error(answer.messages) or f"load answered {len(answer.ids or [])} ids"
            for index in pending:
                outcome[index] = Refusal(load_error_code(why), why)
            break
        for local, refusal in refused.items():
            outcome[pending[local]] = refusal
        pending = [index for local, index in enumerate(pending) if local not in refused]
    return [o if o is not None else Refusal("NOT_LOADED", "no outcome") for o in outcome]


def _raise_for_missing_rights(system: str, messages: Sequence[LoadMessage]) -> None:
    for message in messages:
        if message.type != "error":
            continue
        missing = missing_right(message.message)
        if missing is not None:
            raise FatalAdapterError(system, missing, ACCESS_ERROR)


def refusals(messages: Sequence[LoadMessage], count: int) -> dict[int, Refusal]:
    """The records (0-based, in the call) the error messages refuse, with their messages."""
    errors = [
        (position, m)
        for position, m in enumerate(messages)
        if m.type == "error" and m.record is not None and 0 <= m.record < count
    ]
    if errors and errors[0][0] == 0 and _is_echo(errors[0][1], [m for _, m in errors[1:]]):
        errors = errors[1:]
    by_record: dict[int, list[LoadMessage]] = {}
    for _position, message in errors:
        assert message.record is not None
        by_record.setdefault(message.record, []).append(message)
    out: dict[int, Refusal] = {}
    for record, found in by_record.items():
        texts = list(dict.fromkeys(m.message for m in found))
        fields = tuple(dict.fromkeys(m.field for m in found if m.field))
        out[record] = Refusal(load_error_code(texts[0]), "; ".join(texts), fields)
    return out


def _is_echo(first: LoadMessage, others: Sequence[LoadMessage]) -> bool:
    """Whether the first message may be ``load``'s echo of a batch error (module docstring):
    its record has no other error, and another record failed with the same message."""
    if any(m.record == first.record for m in others):
        return False
    return any(m.message == first.message for m in others)


def _first_error(messages: Sequence[LoadMessage]) -> str | None:
    return next((m.message for m in messages if m.type == "error"), None)
