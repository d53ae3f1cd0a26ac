"""x2many write commands, as documented for ``Model.write`` in Odoo 17
(https://www.odoo.com/documentation/17.0/developer/reference/backend/orm.html#odoo.fields.Command):

``(0, 0, vals)`` create, ``(1, id, vals)`` update, ``(2, id, 0)`` delete the record,
``(3, id, 0)`` unlink (remove the relation only), ``(4, id, 0)`` link, ``(5, 0, 0)`` clear,
``(6, 0, ids)`` replace. A plain list of ids is accepted as ``(6, 0, ids)``, ``False`` as
``(5,)``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from connector.sandbox.odoo.errors import PyValueError

CREATE, UPDATE, DELETE, UNLINK, LINK, CLEAR, SET = range(7)


@dataclass(frozen=True)
class Command:
    code: int
    id: int = 0
    vals: dict[str, Any] | None = None
    ids: tuple[int, ...] = ()


def parse_commands(field: str, value: Any) -> list[Command]:
    """Normalise what a client sent for an x2many field into commands."""
    if value is False or value is None:
        return [Command(CLEAR)]
    if not isinstance(value, list | tuple):
        raise PyValueError(f"Wrong value for {field}: {value!r}")
    if value and all(isinstance(v, int) and not isinstance(v, bool) for v in value):
        return [Command(SET, ids=tuple(value))]
    commands: list[Command] = []
    for item in value:
        if isinstance(item, int) and not isinstance(item, bool):
            commands.append(Command(LINK, id=item))
            continue
        if not isinstance(item, list | tuple) or not item or not isinstance(item[0], int):
            raise PyValueError(f"Wrong value for {field}: {value!r}")
        code = item[0]
        arg1: Any = item[1] if len(item) > 1 else 0
        arg2: Any = item[2] if len(item) > 2 else 0
        if code == CREATE:
            commands.append(Command(CREATE, vals=dict(arg2 or {})))
        elif code == UPDATE:
            commands.append(Command(UPDATE, id=int(arg1), vals=dict(arg2 or {})))
        elif code in (DELETE, UNLINK, LINK):
            commands.append(Command(code, id=int(arg1)))
        elif code == CLEAR:
            commands.append(Command(CLEAR))
        elif code == SET:
            commands.append(Command(SET, ids=tuple(int(i) for i in (arg2 or []))))
        else:
            raise PyValueError(f"Wrong value for {field}: {value!r}")
    return commands
