"""The layer rules, checked on every module's imports (``ast``, so nothing is executed).

- The core (``connector`` without its CLI, its sandbox and the composition root
  ``connector.runtime``) never imports a concrete adapter (``adapters.stripe``,
  ``adapters.salesforce``, ``adapters.odoo``), the sandbox or the CLI. It knows adapters
  through ``adapters.base`` (the protocols), ``adapters.memory`` and ``adapters.resilience``;
  configuration may name an adapter's settings model (``adapters.<system>.settings``),
  which is data, not behaviour.
- Adapters never import the sandbox or the CLI: what they do against the sandbox, they do
  against the real systems.
- ``connector.cli`` is a package.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CONCRETE = ("adapters.stripe", "adapters.salesforce", "adapters.odoo")
EDGE = ("connector.cli", "connector.sandbox")
COMPOSITION_ROOT = "connector.runtime"


def _module_name(path: Path, root: Path = ROOT) -> str:
    parts = path.relative_to(root).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path) -> Iterator[tuple[int, str]]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node.lineno, node.module
            for alias in node.names:
                yield node.lineno, f"{node.module}.{alias.name}"


def _within(name: str, packages: tuple[str, ...]) -> bool:
    return any(name == p or name.startswith(p + ".") for p in packages)


def _is_settings(name: str) -> bool:
    return "settings" in name.split(".")


def _violations(
    package: str,
    allowed: tuple[str, ...],
    forbidden: tuple[str, ...],
    root: Path = ROOT,
) -> list[str]:
    found: list[str] = []
    for path in sorted((root / package).rglob("*.py")):
        module = _module_name(path, root)
        if _within(module, allowed):
            continue
        for line, imported in _imports(path):
            if _within(imported, forbidden) and not _is_settings(imported):
                found.append(f"{path.relative_to(root)}:{line}: {module} imports {imported}")
    return sorted(set(found))


def test_the_core_never_imports_a_concrete_adapter_the_sandbox_or_the_cli() -> None:
    allowed = (*EDGE, COMPOSITION_ROOT)
    assert _violations("connector", allowed, (*CONCRETE, *EDGE)) == []


def test_settings_models_are_the_only_adapter_modules_configuration_names() -> None:
    """The exception above is for settings models only: no other module of a system."""
    config = ROOT / "connector" / "config.py"
    named = [name for _line, name in _imports(config) if _within(name, CONCRETE)]
    assert named
    assert all(".settings" in name for name in named), named


def test_adapters_never_import_the_sandbox_or_the_cli() -> None:
    assert _violations("adapters", (), EDGE) == []


@pytest.mark.parametrize("package", ["connector", "connector/cli", "adapters"])
def test_packages_are_real_packages(package: str) -> None:
    assert (ROOT / package / "__init__.py").is_file()


def test_the_rules_see_a_violation(tmp_path: Path) -> None:
    """The checker itself: the sandbox or a system's client imported by the core is found;
    a settings model is not."""
    core = tmp_path / "connector"
    core.mkdir()
    (core / "probe.py").write_text(
        "from connector.sandbox.odoo import create_odoo_app\n"
        "import adapters.odoo.client\n"
        "from adapters.odoo.settings import OdooSettings\n",
        encoding="utf-8",
    )
    found = _violations("connector", EDGE, (*CONCRETE, *EDGE), root=tmp_path)
    assert found == [
        "connector/probe.py:1: connector.probe imports connector.sandbox.odoo",
        "connector/probe.py:1: connector.probe imports connector.sandbox.odoo.create_odoo_app",
        "connector/probe.py:2: connector.probe imports adapters.odoo.client",
    ]
