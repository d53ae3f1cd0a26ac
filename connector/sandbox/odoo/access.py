"""Access rights as Odoo 17 checks them: groups, ``ir.model.access`` rows, ``AccessError``.

A user may do an operation on a model when one of their groups (with the groups those imply,
``res.groups.implied_ids``) has an access row granting it, or when a row without a group
grants it to everyone (``odoo/addons/base/models/ir_model.py``, ``IrModelAccess.check``).
The superuser is never checked. The rows below are the ones the real modules ship
(``base``, ``product``, ``sales_team``, ``account`` and ``subscription_oca``'s
``security/ir.model.access.csv``) for the models the sandbox serves; the facts an
integration user meets first are that reading ``ir.model.data`` needs Administration /
Access Rights and creating partners needs Extra Rights / Contact Creation.

The refusal reads as Odoo 17's ``_make_access_error`` words it, and ``load()`` reports it
per record, like any other ``UserError``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

from connector.sandbox.odoo.errors import AccessError

if TYPE_CHECKING:
    from connector.sandbox.odoo.database import OdooDatabase

Operation = Literal["read", "write", "create", "unlink"]
OPERATIONS: tuple[Operation, ...] = ("read", "write", "create", "unlink")
SUPERUSER = 1

USER = "base.group_user"
PARTNER_MANAGER = "base.group_partner_manager"
ERP_MANAGER = "base.group_erp_manager"
SYSTEM = "base.group_system"
SALESMAN = "sales_team.group_sale_salesman"
SALESMAN_ALL = "sales_team.group_sale_salesman_all_leads"
SALE_MANAGER = "sales_team.group_sale_manager"

# xmlid -> (name, full name as the user settings show it, implied groups)
GROUPS: dict[str, tuple[str, str, tuple[str, ...]]] = {
    USER: ("Internal User", "User types / Internal User", ()),
    PARTNER_MANAGER: ("Contact Creation", "Extra Rights / Contact Creation", ()),
    ERP_MANAGER: ("Access Rights", "Administration / Access Rights", (USER,)),
    SYSTEM: ("Settings", "Administration / Settings", (ERP_MANAGER,)),
    SALESMAN: ("User: Own Documents Only", "Sales / User: Own Documents Only", (USER,)),
    SALESMAN_ALL: ("User: All Documents", "Sales / User: All Documents", (SALESMAN,)),
    SALE_MANAGER: ("Administrator", "Sales / Administrator", (SALESMAN_ALL,)),
}
ADMIN_GROUPS = (SYSTEM, PARTNER_MANAGER, SALE_MANAGER)

ALL = "rwcu"
READ = "r"
# model -> [(group xmlid, or None for everyone; granted operations as r/w/c/u letters)]
RULES: dict[str, list[tuple[str | None, str]]] = {
    "ir.model.data": [(ERP_MANAGER, ALL)],
    "ir.model": [(USER, READ), (SYSTEM, ALL)],
    "ir.cron": [(SYSTEM, ALL)],
    "res.users": [(USER, READ), (ERP_MANAGER, ALL)],
    "res.groups": [(USER, READ), (ERP_MANAGER, ALL)],
    "res.company": [(None, READ), (ERP_MANAGER, ALL)],
    "res.currency": [(None, READ), (SYSTEM, ALL)],
    "res.country": [(None, READ), (PARTNER_MANAGER, ALL)],
    "res.partner": [(USER, READ), (PARTNER_MANAGER, ALL)],
    "product.template": [(USER, READ), (SALE_MANAGER, ALL)],
    "product.product": [(USER, READ), (SALE_MANAGER, ALL)],
    "product.pricelist": [(USER, READ), (SALE_MANAGER, ALL)],
    "account.tax": [(USER, READ), (SYSTEM, ALL)],
}
# subscription_oca/security/ir.model.access.csv: every model to Sales / User: Own Documents.
SUBSCRIPTION_RULE: list[tuple[str | None, str]] = [(SALESMAN, ALL)]
DEFAULT_RULE: list[tuple[str | None, str]] = [(USER, READ), (SYSTEM, ALL)]

_HEADER = {
    "read": "You are not allowed to access '{kind}' ({model}) records.",
    "write": "You are not allowed to modify '{kind}' ({model}) records.",
    "create": "You are not allowed to create '{kind}' ({model}) records.",
    "unlink": "You are not allowed to delete '{kind}' ({model}) records.",
}
_LETTER: dict[Operation, str] = {"read": "r", "write": "w", "create": "c", "unlink": "u"}


def rules_for(model: str) -> list[tuple[str | None, str]]:
    if model.startswith("sale.subscription"):
        return SUBSCRIPTION_RULE
    return RULES.get(model, DEFAULT_RULE)


def granting_groups(model: str, operation: Operation) -> list[str | None]:
    letter = _LETTER[operation]
    return [group for group, granted in rules_for(model) if letter in granted]


def user_groups(db: OdooDatabase, uid: int) -> set[str]:
    """The xmlids of the user's groups and of every group they imply."""
    user = db.rows("res.users").get(uid)
    if user is None or not user.get("active", True):
        return set()
    by_id = db.group_xmlids()
    pending = [by_id[gid] for gid in user.get("groups_id") or [] if gid in by_id]
    found: set[str] = set()
    while pending:
        group = pending.pop()
        if group in found:
            continue
        found.add(group)
        pending.extend(GROUPS.get(group, ("", "", ()))[2])
    return found


def allowed(db: OdooDatabase, model: str, operation: Operation, uid: int) -> bool:
    if uid == SUPERUSER:
        return True
    granting = granting_groups(model, operation)
    if None in granting:
        return True
    return bool(user_groups(db, uid) & {group for group in granting if group})


def check(db: OdooDatabase, model: str, operation: Operation, uid: int) -> None:
    """Raise Odoo's ``AccessError`` when ``uid`` may not do ``operation`` on ``model``."""
    if not allowed(db, model, operation, uid):
        raise AccessError(access_error_text(db, model, operation))


def access_error_text(
    db: OdooDatabase, model: str, operation: Operation, groups: list[str] | None = None
) -> str:
    """``_make_access_error``'s three paragraphs; ``groups`` (full names) instead of those
    the access rows name, for a sandbox fault."""
    header = _HEADER[operation].format(kind=db.spec(model).description, model=model)
    names = (
        groups
        if groups is not None
        else sorted(GROUPS[group][1] for group in granting_groups(model, operation) if group)
    )
    if names:
        allowed = "This operation is allowed for the following groups:\n" + "\n".join(
            f"\t- {name}" for name in names
        )
    else:
        allowed = "No group currently allows this operation."
    return f"{header}\n\n{allowed}\n\nContact your administrator to request access if necessary."


def note_password(db: OdooDatabase, model: str, ids: list[int], vals: dict[str, object]) -> None:
    """``res.users.password`` is write-only: keep it where the sandbox's login looks."""
    if model == "res.users" and isinstance(vals.get("password"), str) and vals["password"]:
        for uid in ids:
            db.passwords[uid] = str(vals["password"])


def prepare_user(db: OdooDatabase, vals: dict[str, object]) -> None:
    """``res.users`` ``_inherits`` ``res.partner``: a user created without a partner gets
    one made from its name (as the superuser: the creator need not create contacts)."""
    if not vals.get("partner_id"):
        name = vals.pop("name", None) or vals.get("login")
        vals["partner_id"] = db.create_one("res.partner", {"name": name}, SUPERUSER)
    vals.setdefault("company_id", 1)
