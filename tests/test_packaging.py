"""The default mappings ship inside the wheel, so a plain ``pip install .`` finds them."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


@pytest.mark.slow
def test_wheel_contains_default_mappings(tmp_path: Path) -> None:
    """Building the wheel puts mappings/*.yaml where connector.mapping.defaults looks."""
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--quiet",
            "-w",
            str(tmp_path),
            str(REPO),
        ],
        check=True,
        capture_output=True,
        timeout=300,
    )
    (wheel,) = tmp_path.glob("*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    for mapping in (REPO / "mappings").glob("*.yaml"):
        assert f"connector/_default_mappings/{mapping.name}" in names
    assert "connector/cli/app.py" in names
    assert "adapters/base.py" in names
    # the console's pages are templates beside its code
    for template in (REPO / "connector" / "console" / "templates").glob("*.html"):
        assert f"connector/console/templates/{template.name}" in names
    assert not any(name.startswith("tests/") for name in names)
