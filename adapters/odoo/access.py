"""Can the integration user do what the mapping needs? Asked of Odoo before a first run.

Odoo answers each question with ``check_access_rights`` (no record is touched). The groups
named in the fixes are those Odoo 17 and subscription_oca ship the access rows for: reading
external ids needs Administration / Access Rights (every record is matched through them),
creating partners needs Extra Rights / Contact Creation, and subscription_oca grants its
models to Sales / User: Own Documents Only (``security/ir.model.access.csv``).
"""

from __future__ import annotations

from collections.abc import Iterable

from adapters.odoo.client import OdooClient
from adapters.odoo.reader import IMD
from adapters.odoo.schema import ObjectInfo

WRITE_OPERATIONS = ("read", "write", "create")
# The external ids of lines added to an existing record are created, and those of removed
# lines deleted, by the connector itself.
IMD_OPERATIONS = ("read", "create", "unlink")

GROUP_HINTS: dict[str, str] = {
    IMD: "Administration / Access Rights",
    "res.partner": "Extra Rights / Contact Creation",
    "sale.subscription": "Sales / User: Own Documents Only",
    "sale.subscription.line": "Sales / User: Own Documents Only",
    "sale.subscription.template": "Sales / User: Own Documents Only",
    "sale.subscription.stage": "Sales / User: Own Documents Only",
}


def needed_rights(objects: Iterable[ObjectInfo]) -> dict[str, tuple[str, ...]]:
    """Model -> the operations the mapping performs on it, in a stable order."""
    needs: dict[str, list[str]] = {IMD: list(IMD_OPERATIONS)}

    def add(model: str, operations: Iterable[str]) -> None:
        wanted = needs.setdefault(model, [])
        wanted.extend(op for op in operations if op not in wanted)

    for obj in objects:
        add(obj.model, WRITE_OPERATIONS)
        for field in obj.fields:
            if field.lookup is not None:
                add(field.lookup[0], ("read",))
            if field.lines_model is not None:
                add(field.lines_model, (*WRITE_OPERATIONS, "unlink"))
                for child in field.children:
                    if child.lookup is not None:
                        add(child.lookup[0], ("read",))
    return {model: tuple(ops) for model, ops in needs.items()}


def access_problems(client: OdooClient, objects: Iterable[ObjectInfo]) -> list[str]:
    """One line per model the integration user lacks a right on, with the group to add."""
    problems: list[str] = []
    for model, operations in needed_rights(objects).items():
        missing = [op for op in operations if not client.may(model, op)]
        if missing:
            problems.append(_problem(model, missing))
    return problems


def _problem(model: str, missing: list[str]) -> str:
    group = GROUP_HINTS.get(model)
    fix = (
        f"add the integration user to the group {group!r} (Settings > Users)"
        if group is not None
        else "give one of the integration user's groups these rights "
        "(Settings > Technical > Access Rights)"
    )
    return f"{model}: the integration user may not {', '.join(missing)} these records: {fix}"
