"""Over-long values are not copied whole into the store: bounded excerpts in the audit trail
and the dead letters, and the shipped Salesforce mapping cuts Account Name at 255."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path
from typing import Any

import yaml
from typer.testing import CliRunner

from connector.cli.app import app
from connector.mapping.defaults import default_mappings_dir
from connector.redaction import EXCERPT_CHARS, MAX_KEPT_CHARS, excerpt, is_excerpt
from connector.sandbox.local import LocalSandbox
from tests.cli.conftest import salesforce_records, stripe_client, write_config

runner = CliRunner()
LONG_NAME = "Ä" * 10_000


def test_an_excerpt_says_how_long_the_value_was() -> None:
    """First characters, then the length; short texts are kept as they are."""
    kept = excerpt(LONG_NAME)
    assert kept == "Ä" * EXCERPT_CHARS + "... (10,000 characters)"
    assert is_excerpt(kept)
    assert excerpt("Acme GmbH") == "Acme GmbH"
    assert not is_excerpt("Acme GmbH")


def test_the_shipped_salesforce_mapping_bounds_account_name() -> None:
    """Account Name is cut at Salesforce's 255 like the other text fields, not refused."""
    mapping = yaml.safe_load((default_mappings_dir() / "salesforce.yaml").read_text())
    (name,) = [f for f in mapping["objects"]["account"]["fields"] if f["target"] == "Name"]
    assert name["max_length"] == 255
    assert name["on_overflow"] == "truncate"


def _salesforce_only(config: Path) -> Path:
    text = config.read_text(encoding="utf-8")
    start, end = text.index("[targets.odoo]"), text.index("[webhook]")
    config.write_text(text[:start] + text[end:], encoding="utf-8")
    return config


def _subscribe(box: LocalSandbox, name: str) -> str:
    with stripe_client(box) as stripe:
        product = stripe.post("/v1/products", data={"name": "Privacy plan"}).json()["id"]
        price = stripe.post(
            "/v1/prices",
            data={
                "product": product,
                "currency": "eur",
                "unit_amount": "4900",
                "recurring[interval]": "month",
            },
        ).json()["id"]
        customer = stripe.post(
            "/v1/customers", data={"name": name, "email": "long@example.com"}
        ).json()["id"]
        response = stripe.post(
            "/v1/subscriptions", data={"customer": customer, "items[0][price]": price}
        )
        assert response.status_code == 200, response.text
        key: str = response.json()["id"]
    return key


def _cli(config: Path, *args: str) -> Any:
    result = runner.invoke(app, [*args, "--json", "--config", str(config)])
    return json.loads(result.stdout)


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for v in value.values() for s in _strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    return []


def test_a_long_customer_name_is_cut_and_audited_as_an_excerpt(
    sandbox: LocalSandbox, tmp_path: Path
) -> None:
    """A 10,000-character name: Salesforce gets 255 characters, and so does the audit of a
    rename (the mapping's value, never the whole billing name)."""
    config = _salesforce_only(write_config(sandbox, tmp_path))
    key = _subscribe(sandbox, LONG_NAME)
    result = runner.invoke(app, ["reconcile", "-s", key, "--config", str(config)])
    assert result.exit_code == 0, result.output
    (account,) = [a for a in salesforce_records(sandbox, "Account") if a["Name"].startswith("ÄÄÄ")]
    assert account["Name"] == "Ä" * 255
    with stripe_client(sandbox) as stripe:
        customer = stripe.get(f"/v1/subscriptions/{key}").json()["customer"]
        renamed = stripe.post(f"/v1/customers/{customer}", data={"name": "Ü" * 10_000})
        assert renamed.status_code == 200
    result = runner.invoke(app, ["reconcile", "-s", key, "--config", str(config)])
    assert result.exit_code == 0, result.output
    entries = _cli(config, "audit", "--subscription", key)
    stored = _strings(entries)
    assert max(len(s) for s in stored) <= 255
    assert any(s == "Ü" * 255 for s in stored)


def test_a_refused_long_value_is_dead_lettered_once_as_an_excerpt(
    sandbox: LocalSandbox, tmp_path: Path
) -> None:
    """Salesforce refuses a name its mapping does not bound: the letter keeps the cause and
    an excerpt, not the 10,000 characters (twice, with the held-back subscription)."""
    mappings = tmp_path / "mappings"
    shutil.copytree(default_mappings_dir(), mappings)
    path = mappings / "salesforce.yaml"
    path.write_text(
        re.sub(r", max_length: 255, on_overflow: truncate(?=\})", "", path.read_text()),
        encoding="utf-8",
    )
    config = _salesforce_only(write_config(sandbox, tmp_path, mappings))
    name = "Ö" * 10_000
    key = _subscribe(sandbox, name)
    result = runner.invoke(app, ["reconcile", "-s", key, "--config", str(config)])
    assert result.exit_code == 3, result.output  # finished with dead letters
    (letter,) = _cli(config, "dlq", "list")
    assert letter["error_code"] == "STRING_TOO_LONG"
    assert letter["reason"].startswith("account ")
    assert letter["reason"].endswith(" characters)")
    assert len(letter["reason"]) <= MAX_KEPT_CHARS
    assert letter["reason"].count("Ö" * 100) == 1
    stored = _strings(_cli(config, "audit", "--subscription", key))
    assert max(len(s) for s in stored) <= MAX_KEPT_CHARS
    assert "Ö" * EXCERPT_CHARS + "... (10,000 characters)" in stored  # the account's Name
    assert not any("Ö" * (EXCERPT_CHARS + 1) in s for s in stored)
