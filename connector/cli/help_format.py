"""How ``--help`` shows options: a flag takes no value, so it shows no ``<bool>`` type.

The help renderer prints every option's type; for an on/off flag that reads as if it wanted
an argument (``--dry-run <bool>``). Flags show their name and help only.
"""

from __future__ import annotations

from typing import Any

from typer.core import TyperOption

_typed = TyperOption.display_type_rich


def _flag_shows_no_type(self: TyperOption, ctx: Any) -> Any:
    if self.is_flag:
        return None
    return _typed(self, ctx)


def install() -> None:
    TyperOption.display_type_rich = _flag_shows_no_type  # type: ignore[method-assign]
