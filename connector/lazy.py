"""Names a package offers without importing them until they are used (PEP 562).

A package whose names are read by every command, ``connector --help`` included (an adapter
package's settings, the mappings' errors), loads its heavy modules (an adapter's client
libraries, the mappings' pydantic models) only when a command uses them.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from importlib import import_module
from typing import Any


def lazy_attributes(package: str, homes: Mapping[str, str]) -> Callable[[str], Any]:
    """A module ``__getattr__`` that imports each of ``homes``' names from its module."""

    def attribute(name: str) -> Any:
        home = homes.get(name)
        if home is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        return getattr(import_module(home), name)

    return attribute
