"""The JSON of the Odoo emulator's answers.

orjson, because encoding large ``search_read`` answers was the emulator's biggest cost. Dates
and datetimes go through ``str`` as the standard library's ``default=str`` did (Odoo's
``"YYYY-MM-DD HH:MM:SS"``, not ISO 8601 with a ``T``), and non-string keys become strings
as ``json.dumps`` makes them.
"""

from __future__ import annotations

from typing import Any

import orjson

_OPTIONS = orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_NON_STR_KEYS


def odoo_json(value: Any) -> bytes:
    return orjson.dumps(value, default=str, option=_OPTIONS)
