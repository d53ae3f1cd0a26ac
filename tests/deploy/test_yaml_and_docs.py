"""Every YAML file in deploy/ parses cleanly, and the operator guide covers every file."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.deploy.manifests import DEPLOY, README, yaml_files


class _StrictLoader(yaml.SafeLoader):
    """SafeLoader that refuses a key given twice in one mapping (PyYAML keeps the last)."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[Any] = set()
        for key_node, _value in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                continue
            key = self.construct_object(key_node, deep=True)
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    None, None, f"duplicate key {key!r}", key_node.start_mark
                )
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


def _ids(paths: list[Path]) -> list[str]:
    return [str(p.relative_to(DEPLOY)) for p in paths]


@pytest.mark.parametrize("path", yaml_files(), ids=_ids(yaml_files()))
def test_yaml_parses_without_duplicate_keys(path: Path) -> None:
    """Each YAML document parses, and no mapping repeats a key."""
    docs = list(yaml.load_all(path.read_text(encoding="utf-8"), Loader=_StrictLoader))
    assert docs
    assert all(isinstance(doc, dict) for doc in docs if doc is not None)


def test_duplicate_key_check_is_not_vacuous() -> None:
    """The strict loader refuses a repeated key."""
    with pytest.raises(yaml.constructor.ConstructorError):
        yaml.load("a: 1\na: 2\n", Loader=_StrictLoader)  # noqa: S506


def test_operator_guide_mentions_every_deployment_file() -> None:
    """deploy/README.md names each file an operator uses (secrets folder as a whole)."""
    text = README.read_text(encoding="utf-8")
    missing = []
    for path in sorted(DEPLOY.rglob("*")):
        if path.is_dir() or path == README or "sandbox-secrets" in path.parts:
            continue
        if path.name not in text:
            missing.append(str(path.relative_to(DEPLOY)))
    assert not missing, f"not in deploy/README.md: {missing}"
    assert "sandbox-secrets" in text


def test_operator_guide_says_what_was_not_run() -> None:
    """The guide has its section on what was validated here and what was not."""
    text = README.read_text(encoding="utf-8")
    assert "## What was validated here, and what was not" in text
    assert "not run" in text
