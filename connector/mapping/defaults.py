"""Where the default mapping files are, in a source checkout and after ``pip install``."""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent.parent


def default_mappings_dir() -> Path:
    """``connector/_default_mappings`` in an installed wheel, else the checkout's ``mappings/``."""
    installed = _PACKAGE / "_default_mappings"
    if installed.is_dir():
        return installed
    return _PACKAGE.parent / "mappings"
